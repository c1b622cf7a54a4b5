/**
 * Bronze car_data NDJSON -> silver columns, decoded straight from the (gunzipped) bytes.
 *
 * Convert runs once per telemetry row, and readline + JSON.parse + a regex/Date.parse/BigInt date
 * parse allocated a string, an object and several BigInts per row. This decoder writes each row
 * into preallocated typed arrays instead:
 * - a fast path reads the common shape (a flat object of the ten car_data keys in any order,
 *   integers without sign, fraction or exponent, an OpenF1 date, spaces between tokens) byte by
 *   byte, and allocates nothing;
 * - anything else (escapes, null, decimals, exponents, unknown keys, bad values, invalid JSON)
 *   takes the slow path: JSON.parse of that one line and the original per-field checks, so every
 *   accepted value and every error is what the readline loop produced.
 * The fast path never reports an error: it only accepts a line or hands it over.
 */
import * as arrow from 'apache-arrow';
import { parseOpenF1DateMicros } from '../model/openf1-date.js';

/** Silver column layout: OpenF1 car_data with the narrowest types that hold every real value. */
export const INT_COLUMNS = {
  session_key: { type: () => new arrow.Uint32(), array: Uint32Array, max: 0xffffffff },
  meeting_key: { type: () => new arrow.Uint32(), array: Uint32Array, max: 0xffffffff },
  driver_number: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
  speed: { type: () => new arrow.Uint16(), array: Uint16Array, max: 0xffff },
  rpm: { type: () => new arrow.Uint16(), array: Uint16Array, max: 0xffff },
  n_gear: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
  throttle: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
  brake: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
  drs: { type: () => new arrow.Uint8(), array: Uint8Array, max: 0xff },
} as const;
export type IntColumn = keyof typeof INT_COLUMNS;
/** Also the order in which a row's values are checked: the first failing one is reported. */
export const INT_NAMES = Object.keys(INT_COLUMNS) as IntColumn[];

/** Silver columns of car_data, filled in place (one array per column, `capacity` long). */
export interface CarDataColumns {
  session_key: Uint32Array;
  meeting_key: Uint32Array;
  driver_number: Uint8Array;
  speed: Uint16Array;
  rpm: Uint16Array;
  n_gear: Uint8Array;
  throttle: Uint8Array;
  brake: Uint8Array;
  drs: Uint8Array;
  /** Microseconds since the epoch, UTC. */
  date: BigInt64Array;
}

/** A bronze row that cannot become a silver row. `field` is "(line)" when the line is not JSON. */
export class BronzeRowError extends Error {
  override readonly name = 'BronzeRowError';
  constructor(
    /** 1-based, within the current part (counting empty lines). */
    readonly line: number,
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`line ${line} field "${field}": expected ${expected}, got ${JSON.stringify(value)}`);
  }
}

/** More non-empty lines than the capacity the decoder was given (the manifest's row count). */
export class TooManyRowsError extends Error {
  override readonly name = 'TooManyRowsError';
  constructor(
    readonly line: number,
    readonly capacity: number,
  ) {
    super(`line ${line} is row ${capacity + 1}, more rows than expected (${capacity})`);
  }
}

// Fast-path key table, in the alphabetical order OpenF1 (and the emulator) write keys, so that
// guessing "the key after the previous one" matches first time on real rows.
const KEY_NAMES = ['brake', 'date', 'driver_number', 'drs', 'meeting_key', 'n_gear', 'rpm', 'session_key', 'speed', 'throttle'] as const;
const KEY_COUNT = KEY_NAMES.length;
const ALL_KEYS = (1 << KEY_COUNT) - 1;
const DATE_KEY = KEY_NAMES.indexOf('date');
/**
 * Each key's bytes after its opening quote, through the colon (`brake":`), as little-endian int32
 * words and masks (the last word partly masked). Keys are most of a row's bytes, and comparing 4 at
 * a time made the whole decode about 25% faster than byte by byte.
 */
const KEY_TEXT = KEY_NAMES.map((name) => `${name}":`);
const KEY_LENGTH = Int32Array.from(KEY_TEXT, (text) => text.length);
const KEY_WORD_START = Int32Array.from(KEY_TEXT, (_, k) => KEY_TEXT.slice(0, k).reduce((words, text) => words + Math.ceil(text.length / 4), 0));
const KEY_WORD_COUNT = Int32Array.from(KEY_TEXT, (text) => Math.ceil(text.length / 4));
const KEY_WORDS = new Int32Array(KEY_WORD_COUNT.reduce((a, b) => a + b, 0));
const KEY_MASKS = new Int32Array(KEY_WORDS.length);
for (const [k, text] of KEY_TEXT.entries()) {
  for (let i = 0; i < text.length; i++) {
    const word = KEY_WORD_START[k] + (i >> 2);
    const shift = (i & 3) * 8;
    KEY_WORDS[word] |= text.charCodeAt(i) << shift;
    KEY_MASKS[word] |= 0xff << shift;
  }
}
const KEY_MAX = KEY_NAMES.map((name) => (name === 'date' ? 0 : INT_COLUMNS[name].max));

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const COLON = 58;
const T = 84;
const Z = 90;
const LBRACE = 123;
const RBRACE = 125;

/** Two ASCII digits at b[i], or -1. `d >>> 0 <= 9` is one compare for 0 <= d <= 9. Callers keep i + 1 within the array. */
function twoDigits(b: Uint8Array, i: number): number {
  const d0 = b[i] - 48;
  const d1 = b[i + 1] - 48;
  return d0 >>> 0 <= 9 && d1 >>> 0 <= 9 ? d0 * 10 + d1 : -1;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). Linear in `d`, so day 30 of February rolls into March as Date.parse does. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];
// BigInt64Array stores in platform byte order; the fast path writes each value as two int32 words.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;
const TWO_32 = 4294967296;

/**
 * Decodes the NDJSON lines of bronze parts into `columns`, one part after the other: push() its
 * bytes (chunks may split rows and UTF-8 sequences anywhere), then end(). Lines end at \n, \r\n or
 * a lone \r, as readline splits them; empty lines are skipped but counted. After an error the
 * decoder is unusable.
 */
export class CarDataDecoder {
  private cols: CarDataColumns;
  private capacity: number;
  /** The date column as int32 words: the fast path writes a date without creating a BigInt. */
  private dateWords: Int32Array;
  private readonly text = new TextDecoder('utf-8', { ignoreBOM: true }); // readline keeps a BOM, so JSON.parse rejects it
  private count = 0;
  private line = 0;
  /** The unfinished line of the previous chunks, plus room for the sentinel \n. */
  private carry = new Uint8Array(1024);
  private carryView = new DataView(this.carry.buffer);
  private carryLength = 0;
  /** Where the fast date parser stopped. */
  private pos = 0;
  /** Last date's y/m/d key and its days since the epoch: rows come in time order, so nearly always a hit. */
  private dayKey = -1;
  private daySeconds = 0;

  /** `capacity`: the number of rows expected; one more is a TooManyRowsError unless reserve() raises it. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.cols = allocateColumns(capacity);
    this.dateWords = dateWordsOf(this.cols.date);
  }

  /** Rows decoded so far, over all parts. */
  get rows(): number {
    return this.count;
  }

  /** The decoded rows, one array per column, each exactly `rows` long (views, not copies). */
  get columns(): CarDataColumns {
    const n = this.count;
    return Object.fromEntries(Object.entries(this.cols).map(([c, values]: [string, CarDataColumns[keyof CarDataColumns]]) => [c, values.subarray(0, n)])) as unknown as CarDataColumns;
  }

  /**
   * Raises the number of rows expected to `total` (when decoding as rows arrive, whose count is known
   * a batch at a time). Storage grows at least twofold, so growing costs a copy per doubling, not per batch.
   */
  reserve(total: number): void {
    if (total <= this.capacity) return;
    if (total > this.cols.date.length) {
      const grown = allocateColumns(Math.max(total, this.cols.date.length * 2));
      for (const c of [...INT_NAMES, 'date'] as const) grown[c].set(this.cols[c].subarray(0, this.count) as never);
      this.cols = grown;
      this.dateWords = dateWordsOf(grown.date);
    }
    this.capacity = total;
  }

  push(chunk: Uint8Array): void {
    // A plain Uint8Array view (not a Buffer) keeps the byte reads monomorphic.
    const b = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    if (this.carryLength > 0) {
      const nl = b.indexOf(LF);
      if (nl < 0) {
        this.keep(b, 0, b.length);
        return;
      }
      this.keep(b, 0, nl);
      this.flushCarry();
      start = nl + 1;
    }
    // The lines up to the chunk's last \n are decoded in place; that \n is the sentinel every scan stops at.
    let last = b.length - 1;
    while (last >= start && b[last] !== LF) last -= 1;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    while (start <= last) start = this.decodeLineAt(b, view, start, last);
    if (start < b.length) this.keep(b, start, b.length);
  }

  /**
   * Forgets every row after the first `rows` and the unfinished line, and starts a new part: for a
   * part whose bytes stopped half-way and will be sent again from its start (a retried response).
   */
  truncate(rows: number): void {
    this.count = Math.min(this.count, rows);
    this.carryLength = 0;
    this.line = 0;
  }

  /** Ends the current part: decodes a last line that has no newline; the next push() starts a new part at line 1. */
  end(): void {
    if (this.carryLength > 0) this.flushCarry();
    this.line = 0;
  }

  private keep(b: Uint8Array, from: number, to: number): void {
    const needed = this.carryLength + (to - from) + 1;
    if (needed > this.carry.length) {
      const grown = new Uint8Array(Math.max(needed, this.carry.length * 2));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
      this.carryView = new DataView(grown.buffer);
    }
    this.carry.set(b.subarray(from, to), this.carryLength);
    this.carryLength += to - from;
  }

  private flushCarry(): void {
    const length = this.carryLength;
    this.carry[length] = LF; // sentinel
    this.carryLength = 0;
    this.decodeLineAt(this.carry, this.carryView, 0, length);
  }

  /** Decodes the line starting at b[start]; b[limit] is \n, at or after its end. Returns where the next line starts. */
  private decodeLineAt(b: Uint8Array, view: DataView, start: number, limit: number): number {
    if (this.count < this.capacity) {
      const lf = this.decodeFast(b, view, start, limit);
      if (lf >= 0) {
        this.line += 1;
        this.count += 1;
        return lf + 1;
      }
    }
    const lf = b.indexOf(LF, start);
    const end = lf > start && b[lf - 1] === CR ? lf - 1 : lf; // \r\n
    this.line += 1;
    if (end > start) this.decodeSlow(b, start, end);
    return lf + 1;
  }

  /**
   * The line at b[p] as one row, returning the position of its \n; or -1 (nothing reported) when
   * it is not in the simple shape. Every scan stops at a \n, so reads stay within b[p..limit].
   */
  private decodeFast(b: Uint8Array, view: DataView, p: number, limit: number): number {
    if (b[p] !== LBRACE) return -1;
    const cols = this.cols;
    const r = this.count;
    let seen = 0;
    let guess = 0;
    let micros = 0;
    let c = b[++p];
    while (c === SPACE || c === TAB) c = b[++p];
    if (c !== QUOTE) return -1;
    for (;;) {
      // p is at a key's opening quote.
      p += 1;
      const k = guess < KEY_COUNT && keyAt(view, p, limit, guess) ? guess : findKey(view, p, limit);
      // An unknown key (ignored by JSON.parse) or a space before the colon: leave them to the slow path.
      if (k < 0) return -1;
      // A repeated key overwrites the value written before: the last one wins, as in JSON.parse.
      seen |= 1 << k;
      p += KEY_LENGTH[k];
      c = b[p];
      while (c === SPACE || c === TAB) c = b[++p];
      if (k === DATE_KEY) {
        micros = this.dateAt(b, p, limit);
        if (micros !== micros) return -1; // NaN
        p = this.pos;
      } else {
        // A JSON integer without sign, fraction or exponent. Long digit runs end up above the
        // column's max (or Infinity) and bail there.
        // After a leading 0 another digit is not a separator, so the line bails below.
        let v = c - 48;
        if (v >>> 0 > 9) return -1;
        let d = b[++p] - 48;
        if (v !== 0) for (; d >>> 0 <= 9; d = b[++p] - 48) v = v * 10 + d;
        if (v > KEY_MAX[k]) return -1;
        switch (k) {
          case 0: cols.brake[r] = v; break;
          case 2: cols.driver_number[r] = v; break;
          case 3: cols.drs[r] = v; break;
          case 4: cols.meeting_key[r] = v; break;
          case 5: cols.n_gear[r] = v; break;
          case 6: cols.rpm[r] = v; break;
          case 7: cols.session_key[r] = v; break;
          case 8: cols.speed[r] = v; break;
          default: cols.throttle[r] = v;
        }
      }
      c = b[p];
      while (c === SPACE || c === TAB) c = b[++p];
      if (c === COMMA) {
        c = b[++p];
        while (c === SPACE || c === TAB) c = b[++p];
        if (c !== QUOTE) return -1;
        guess = k + 1;
        continue;
      }
      if (c !== RBRACE) return -1;
      c = b[++p];
      while (c === SPACE || c === TAB) c = b[++p];
      if (c === CR) c = b[++p]; // \r\n; a lone \r ends a line too, which the slow path handles
      if (c !== LF || seen !== ALL_KEYS) return -1;
      break;
    }
    // |micros| < 2^53 (dateAt's year range), so hi fits an int32 and lo is exact.
    const hi = Math.floor(micros / TWO_32);
    this.dateWords[2 * r + LO] = (micros - hi * TWO_32) | 0;
    this.dateWords[2 * r + HI] = hi;
    return p;
  }

  /**
   * The OpenF1 date string starting at b[p] (its opening quote) in µs since the epoch, or NaN.
   * Accepts only what parseOpenF1DateMicros gives the same value for: years 1900-2199 (µs stay
   * exact doubles), hours 0-23 (Date.parse also takes 24:00:00), days 1-31 in any month (Date.parse
   * rolls Feb 30 into March; daysFromCivil does the same).
   */
  private dateAt(b: Uint8Array, p: number, limit: number): number {
    // Shortest form: "YYYY-MM-DDThh:mm:ssZ" (quotes included); also keeps the fixed reads in bounds.
    if (b[p] !== QUOTE || p + 22 > limit) return NaN;
    const century = twoDigits(b, p + 1);
    const yy = twoDigits(b, p + 3);
    const month = twoDigits(b, p + 6);
    const day = twoDigits(b, p + 9);
    const hour = twoDigits(b, p + 12);
    const minute = twoDigits(b, p + 15);
    const second = twoDigits(b, p + 18);
    if (b[p + 5] !== MINUS || b[p + 8] !== MINUS || b[p + 11] !== T || b[p + 14] !== COLON || b[p + 17] !== COLON) return NaN;
    if (century < 19 || century > 21 || yy < 0 || month < 1 || month > 12 || day < 1 || day > 31) return NaN;
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
    let q = p + 20;
    let fraction = 0;
    if (b[q] === DOT) {
      // 1-9 digits; µs are the first six, truncated.
      let digits = 0;
      for (let d = b[++q] - 48; d >>> 0 <= 9; d = b[++q] - 48) {
        if (digits < 6) fraction = fraction * 10 + d;
        digits += 1;
      }
      if (digits === 0 || digits > 9) return NaN;
      if (digits < 6) fraction *= POW10[6 - digits];
    }
    let offset = 0;
    const zone = b[q];
    if (zone === Z) {
      q += 1;
    } else if (zone === PLUS || zone === MINUS) {
      if (q + 6 > limit) return NaN;
      const oh = twoDigits(b, q + 1);
      const om = twoDigits(b, q + 4);
      if (b[q + 3] !== COLON || oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
      offset = (oh * 60 + om) * 60;
      if (zone === MINUS) offset = -offset;
      q += 6;
    } else {
      return NaN;
    }
    if (b[q] !== QUOTE) return NaN;
    this.pos = q + 1;
    const year = century * 100 + yy;
    const dayKey = (year * 16 + month) * 32 + day;
    if (dayKey !== this.dayKey) {
      this.dayKey = dayKey;
      this.daySeconds = daysFromCivil(year, month, day) * 86400;
    }
    return (this.daySeconds + hour * 3600 + minute * 60 + second - offset) * 1_000_000 + fraction;
  }

  /**
   * The original per-row logic on JSON.parse of the line. readline would have split it at lone \r,
   * so do the same. (Invalid UTF-8 becomes U+FFFD as in readline's decoder; the bytes only matter
   * for the value an error message quotes.)
   */
  private decodeSlow(b: Uint8Array, start: number, end: number): void {
    const pieces = this.text.decode(b.subarray(start, end)).split('\r');
    this.line -= 1;
    for (const text of pieces) {
      this.line += 1;
      if (text.length === 0) continue;
      if (this.count >= this.capacity) throw new TooManyRowsError(this.line, this.capacity);
      this.decodeRow(text);
      this.count += 1;
    }
  }

  private decodeRow(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BronzeRowError(this.line, '(line)', text.length > 200 ? `${text.slice(0, 200)}…` : text, 'a JSON object');
    }
    // Any other non-object (a number, an array) reports its first missing field, as before.
    if (parsed === null) throw new BronzeRowError(this.line, '(line)', null, 'a JSON object');
    const row = parsed as Record<string, unknown>;
    const r = this.count;
    for (const c of INT_NAMES) {
      const v = row[c];
      const { max } = INT_COLUMNS[c];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new BronzeRowError(this.line, c, v, `an integer 0..${max}`);
      this.cols[c][r] = v;
    }
    const date = row.date;
    if (typeof date !== 'string') throw new BronzeRowError(this.line, 'date', date, 'an ISO date string');
    try {
      this.cols.date[r] = parseOpenF1DateMicros(date);
    } catch {
      throw new BronzeRowError(this.line, 'date', date, 'an ISO date such as 2023-09-15T13:08:19.923000+00:00');
    }
  }
}

function allocateColumns(length: number): CarDataColumns {
  const ints = Object.fromEntries(INT_NAMES.map((c) => [c, new INT_COLUMNS[c].array(length)]));
  return { ...ints, date: new BigInt64Array(length) } as CarDataColumns;
}

function dateWordsOf(dates: BigInt64Array): Int32Array {
  return new Int32Array(dates.buffer, dates.byteOffset, dates.length * 2);
}

/**
 * Whether key `k` (through its colon) starts at byte p. The last word read may reach 3 bytes past
 * the colon: a row always has a value, '}' and \n there, so reaching past `limit` means it is not this key.
 */
function keyAt(view: DataView, p: number, limit: number, k: number): boolean {
  const from = KEY_WORD_START[k];
  const to = from + KEY_WORD_COUNT[k];
  if (p + (to - from) * 4 > limit + 1) return false;
  for (let w = from; w < to; w++, p += 4) if ((view.getInt32(p, true) & KEY_MASKS[w]) !== KEY_WORDS[w]) return false;
  return true;
}

function findKey(view: DataView, p: number, limit: number): number {
  for (let k = 0; k < KEY_COUNT; k++) if (keyAt(view, p, limit, k)) return k;
  return -1;
}

/** Exact sum of an int64 column, without a BigInt per value: int32 halves summed as doubles, folded into a BigInt every 2^20 values. */
export function sumInt64(values: BigInt64Array): bigint {
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  let total = 0n;
  for (let from = 0; from < values.length; from += 1 << 20) {
    const to = Math.min(values.length, from + (1 << 20));
    let lo = 0; // < 2^20 * 2^32
    let hi = 0; // |hi| < 2^20 * 2^31
    for (let i = from; i < to; i++) {
      lo += words[2 * i + LO] >>> 0;
      hi += words[2 * i + HI];
    }
    total += BigInt(hi) * 4294967296n + BigInt(lo);
  }
  return total;
}
