import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { BronzeRowError, CarDataDecoder, INT_COLUMNS, INT_NAMES, sumInt64, TooManyRowsError, type CarDataColumns } from '../../src/activities/car-data-columns.js';
import { defaultDataDir, loadCalendarData } from '../../src/emulator/calendar-data.js';
import { CarDataJsonRows, MAX_CAR_DATA_ROW_BYTES } from '../../src/emulator/car-data-json.js';
import { CarDataCursor, planCarDataQuery } from '../../src/emulator/car-data-query.js';
import { FaultInjector } from '../../src/emulator/faults.js';
import { parseQueryParams } from '../../src/emulator/query-params.js';
import { parseOpenF1DateMicros } from '../../src/model/openf1-date.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `bytes` cut at random places: runs of 1-byte chunks, small and large chunks. */
function randomChunks(bytes: Uint8Array, random: () => number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const mode = random();
    const size = mode < 0.2 ? 1 : mode < 0.6 ? 1 + Math.floor(random() * 64) : 1 + Math.floor(random() * 8192);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

type Outcome = { rows: number; columns: CarDataColumns } | { error: BronzeRowError | TooManyRowsError };

function decode(parts: Uint8Array[][], capacity: number): Outcome {
  const decoder = new CarDataDecoder(capacity);
  try {
    for (const chunks of parts) {
      for (const chunk of chunks) decoder.push(chunk);
      decoder.end();
    }
  } catch (err) {
    if (err instanceof BronzeRowError || err instanceof TooManyRowsError) return { error: err };
    throw err;
  }
  return { rows: decoder.rows, columns: decoder.columns };
}

/**
 * The reference: convert's former loop (readline + JSON.parse + parseOpenF1DateMicros), with the two
 * deliberate changes: a line that is not JSON, or is null, is a "(line)" error.
 */
async function reference(parts: Uint8Array[][], capacity: number): Promise<Outcome> {
  const columns = {
    ...Object.fromEntries(INT_NAMES.map((c) => [c, new INT_COLUMNS[c].array(capacity)])),
    date: new BigInt64Array(capacity),
  } as CarDataColumns;
  let i = 0;
  for (const chunks of parts) {
    const lines = createInterface({ input: Readable.from(chunks.map((c) => Buffer.from(c))), crlfDelay: Infinity });
    let lineNo = 0;
    for await (const line of lines) {
      lineNo += 1;
      if (line.length === 0) continue;
      if (i >= capacity) return { error: new TooManyRowsError(lineNo, capacity) };
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { error: new BronzeRowError(lineNo, '(line)', line.length > 200 ? `${line.slice(0, 200)}…` : line, 'a JSON object') };
      }
      if (row === null) return { error: new BronzeRowError(lineNo, '(line)', null, 'a JSON object') };
      for (const c of INT_NAMES) {
        const v = row[c];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > INT_COLUMNS[c].max) return { error: new BronzeRowError(lineNo, c, v, `an integer 0..${INT_COLUMNS[c].max}`) };
        columns[c][i] = v;
      }
      if (typeof row.date !== 'string') return { error: new BronzeRowError(lineNo, 'date', row.date, 'an ISO date string') };
      try {
        columns.date[i] = parseOpenF1DateMicros(row.date);
      } catch {
        return { error: new BronzeRowError(lineNo, 'date', row.date, 'an ISO date such as 2023-09-15T13:08:19.923000+00:00') };
      }
      i += 1;
    }
  }
  return { rows: i, columns };
}

function assertSameOutcome(actual: Outcome, expected: Outcome): void {
  if ('error' in expected) {
    assert.ok('error' in actual, `expected ${expected.error.message}`);
    assert.equal(actual.error.constructor, expected.error.constructor);
    assert.deepEqual({ ...actual.error, message: actual.error.message }, { ...expected.error, message: expected.error.message });
    return;
  }
  assert.ok(!('error' in actual), 'error' in actual ? actual.error.message : '');
  assert.equal(actual.rows, expected.rows);
  for (const [name, column] of Object.entries(expected.columns)) {
    const got: ArrayLike<number | bigint> = actual.columns[name as keyof CarDataColumns];
    for (let i = 0; i < expected.rows; i++) {
      if (got[i] !== column[i]) assert.fail(`row ${i} ${name}: got ${got[i]}, expected ${column[i]}`);
    }
  }
}

/** Decodes `parts` (cut at random, into 1-byte chunks, whole) and asserts the decoder agrees with the reference. */
async function differential(parts: Uint8Array[], capacity: number, seed = 1): Promise<Outcome> {
  const random = prng(seed);
  // Buffers, as gunzip yields (views into a shared pool, not at offset 0).
  const chunked = parts.map((p) => randomChunks(p, random).map((c) => Buffer.from(c)));
  const expected = await reference(chunked, capacity);
  assertSameOutcome(decode(chunked, capacity), expected);
  // And in 1-byte chunks (every line through the carry), and whole (every line read in place).
  assertSameOutcome(decode(parts.map((p) => Array.from(p, (_, i) => p.subarray(i, i + 1))), capacity), expected);
  assertSameOutcome(decode(parts.map((p) => [p]), capacity), expected);
  return expected;
}

/** Rows exactly as the emulator serves them (its real encoder), NDJSON. */
async function emulatorNdjson(query: string, maxRows: number): Promise<{ bytes: Uint8Array; rows: number }> {
  const data = await loadCalendarData(defaultDataDir());
  const latest = () => {
    throw new Error('no "latest" in test queries');
  };
  const plan = planCarDataQuery(data, parseQueryParams(query, latest), { seed: 1, noDataSessions: new Set() });
  const encoder = new CarDataJsonRows(new CarDataCursor(plan), new FaultInjector());
  const buf = new Uint8Array(maxRows * (MAX_CAR_DATA_ROW_BYTES + 1));
  let pos = 0;
  let rows = 0;
  for (; rows < maxRows; rows++) {
    const end = encoder.writeRow(buf, pos);
    if (end < 0) break;
    buf[end] = 0x0a;
    pos = end + 1;
  }
  return { bytes: buf.subarray(0, pos), rows };
}

const CANONICAL = {
  brake: 0,
  date: '2023-09-15T13:08:19.923000+00:00',
  driver_number: 1,
  drs: 0,
  meeting_key: 1219,
  n_gear: 8,
  rpm: 11141,
  session_key: 9161,
  speed: 315,
  throttle: 99,
};
const KEY_NAMES = Object.keys(CANONICAL);
const line = (fields: Record<string, unknown>): string => JSON.stringify({ ...CANONICAL, ...fields });

/** Random valid rows, in the canonical shape and in odd but legal spellings (each line JSON.parse accepts). */
function variedRows(count: number, seed: number): string {
  const random = prng(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const int = (max: number): number => Math.floor(random() * (max + 1));
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const out: string[] = [];
  for (let r = 0; r < count; r++) {
    const row: [string, string][] = [];
    for (const c of INT_NAMES) {
      const max = INT_COLUMNS[c].max;
      const v = pick([0, 1, max, int(max), Math.min(max, int(300))]);
      // JSON spellings of the same integer that JSON.parse accepts.
      const text = random() < 0.9 ? String(v) : pick([`${v}.0`, `${v}.000`, v === 0 ? '-0' : `${v}e0`, v % 10 === 0 && v > 0 ? `${v / 10}E1` : String(v), `${v}E+0`]);
      row.push([c, text]);
    }
    const year = random() < 0.9 ? 2023 + int(2) : pick([1900, 1950, 1969, 1970, 2199, 1899, 2200, 2300, 1, 9999]);
    const month = 1 + int(11);
    const day = random() < 0.9 ? 1 + int(27) : 29 + int(2); // Feb 30 and Apr 31 roll over in Date.parse
    const hour = random() < 0.98 ? int(23) : 24;
    const time = hour === 24 ? '24:00:00' : `${pad(hour, 2)}:${pad(int(59), 2)}:${pad(int(59), 2)}`;
    const digits = pick([6, 6, 6, 0, 1, 2, 3, 5, 7, 8, 9]);
    const fraction = digits === 0 ? '' : `.${Array.from({ length: digits }, () => int(9)).join('')}`;
    const zone = pick(['+00:00', '+00:00', 'Z', `+${pad(int(23), 2)}:${pad(int(59), 2)}`, `-${pad(int(23), 2)}:${pad(int(59), 2)}`, '-00:00']);
    row.push(['date', JSON.stringify(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${time}${fraction}${zone}`)]);
    const style = random();
    if (style < 0.6) {
      // Canonical: alphabetical keys, compact.
      row.sort(([a], [b]) => (a < b ? -1 : 1));
      out.push(`{${row.map(([k, v]) => `"${k}":${v}`).join(',')}}`);
      continue;
    }
    // Any order, extra keys, duplicates (the last wins), escaped keys, whitespace.
    row.sort(() => random() - 0.5);
    if (random() < 0.3) row.splice(int(row.length), 0, [pick(['extra', 'spee', 'speedy', 'dat', '']), pick(['null', '"é🏁\\n"', '[1,{"a":[]}]', '{"speed":"x"}', '-1.5e3'])]);
    // A key one byte off a real one (any byte of it), with a valid value: ignored, not taken for the real key.
    if (random() < 0.3) {
      const name = pick(KEY_NAMES);
      const at = int(name.length); // at the end: one byte more
      const near = `${name.slice(0, at)}${pick(['X', '', '_'])}${name.slice(at + 1)}`;
      if (near !== name) row.splice(int(row.length), 0, [near, String(int(9))]);
    }
    if (random() < 0.2) row.unshift([pick(INT_NAMES), pick(['"fast"', 'null', '-1', '1.5', '7', '0'])]);
    if (random() < 0.1) row.unshift(['date', pick(['5', '"not a date"'])]);
    if (random() < 0.1) row[0] = [row[0][0].replace(/^./, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`), row[0][1]];
    const spacing = random();
    if (spacing < 0.4) {
      out.push(`{${row.map(([k, v]) => `"${k}":${v}`).join(',')}}`);
    } else if (spacing < 0.7) {
      out.push(`{${row.map(([k, v]) => `"${k}": ${v}`).join(', ')}}`); // Python's json.dumps
    } else {
      const ws = (): string => pick(['', '', ' ', '\t', '  \t']);
      out.push(`${ws()}{${ws()}${row.map(([k, v]) => `"${k}"${ws()}:${ws()}${v}${ws()}`).join(`,${ws()}`)}}${ws()}`);
    }
  }
  // Line ends: \n, \r\n, blank lines.
  return out.map((l) => l + pick(['\n', '\n', '\n', '\r\n', '\n\n', '\r\n\r\n', '\r\n\n'])).join('');
}

void describe('CarDataDecoder', () => {
  void test('decodes the emulator rows like JSON.parse + parseOpenF1DateMicros, in any chunking', async () => {
    const { bytes, rows } = await emulatorNdjson('session_key=9222', 20_000);
    assert.equal(rows, 20_000);
    const expected = await differential([bytes], rows);
    assert.ok(!('error' in expected));
    assert.equal(expected.rows, rows);
  });

  void test('decodes varied rows (key order, whitespace, number spellings, fractions, offsets, escapes) like the reference', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const text = variedRows(3_000, seed);
      const rows = text.split(/\r?\n/).filter((l) => l !== '').length;
      const expected = await differential([utf8(text)], rows, seed);
      assert.ok(!('error' in expected), 'error' in expected ? expected.error.message : '');
    }
  });

  void test('fast-path and slow-path lines mixed, over several parts, without a final newline', async () => {
    const fast = line({});
    const slow = [line({ extra: 'é🏁' }), ` ${fast}`, line({}).replace('"speed":315', '"speed":3.15e2'), line({ date: '2023-09-15T13:08:19+00:00' }).replace('"brake"', '"\\u0062rake"')];
    // Repeated keys: the last value wins, as in JSON.parse.
    const repeated = fast.replace('{', '{"speed":7,"date":"2000-01-01T00:00:00Z",');
    const part1 = [fast, slow[0], fast, '', slow[1], fast, slow[2], slow[3], repeated, fast].join('\n');
    const part2 = [slow[3], fast, '', fast].join('\r\n');
    const expected = await differential([utf8(part1), utf8(part2)], 12);
    assert.ok(!('error' in expected));
    assert.equal(expected.rows, 12);
    assert.equal(expected.columns.speed[5], 315);
    assert.equal(expected.columns.date[6], 1694783299000000n);
    assert.equal(expected.columns.speed[7], 315);
    assert.equal(expected.columns.date[7], 1694783299923000n);
  });

  void test('lines of any length, split anywhere', () => {
    const row = line({});
    for (let length = row.length; length < 2_200; length++) {
      const padded = utf8(row + ' '.repeat(length - row.length));
      const decoder = new CarDataDecoder(4);
      // Through the carry (which grows), in place, and split in two.
      decoder.push(padded.subarray(0, length - 1));
      decoder.push(utf8(`${String.fromCharCode(padded[length - 1])}\n`));
      decoder.push(padded);
      decoder.push(utf8('\r\n'));
      decoder.push(utf8(`${row}\n${row.slice(0, 100)}`));
      decoder.push(utf8(row.slice(100)));
      decoder.end();
      assert.equal(decoder.rows, 4);
      assert.deepEqual([...decoder.columns.speed], [315, 315, 315, 315]);
    }
  });

  void test('dates: fraction truncated to µs, offsets, pre-1970, Date.parse roll-overs', () => {
    const dates = {
      '2023-09-15T13:08:19.923000+00:00': 1694783299923000n,
      '2023-09-15T13:08:19Z': 1694783299000000n,
      '2023-09-15T13:08:19.9+00:00': 1694783299900000n,
      '2023-09-15T13:08:19.123456789Z': 1694783299123456n,
      '2023-09-15T15:08:19.5+02:00': 1694783299500000n,
      '2023-09-15T10:38:19-02:30': 1694783299000000n,
      '1969-12-31T23:59:59.999999Z': -1n,
      '1900-01-01T00:00:00Z': -2208988800000000n,
      '2023-02-30T00:00:00Z': 1677715200000000n, // = 2023-03-02, as Date.parse
      '2023-01-01T24:00:00Z': 1672617600000000n, // = 2023-01-02 00:00, as Date.parse (slow path)
      '2300-01-01T00:00:00Z': 10413792000000000n, // beyond 2^53 µs (slow path)
    };
    const decoder = new CarDataDecoder(Object.keys(dates).length);
    for (const date of Object.keys(dates)) decoder.push(utf8(`${line({ date })}\n`));
    assert.deepEqual([...decoder.columns.date], Object.values(dates));
    for (const [i, date] of Object.keys(dates).entries()) assert.equal(decoder.columns.date[i], parseOpenF1DateMicros(date));
  });

  void test('sumInt64 is the exact sum', () => {
    const values = BigInt64Array.from([1694783299923000n, -1n, 2n ** 62n, -(2n ** 62n), 10413792000000000n, 0n]);
    assert.equal(sumInt64(values), values.reduce((a, b) => a + b, 0n));
    const many = new BigInt64Array(3_000_000).fill(1694783299923000n);
    assert.equal(sumInt64(many), 3_000_000n * 1694783299923000n);
  });
});

void describe('CarDataDecoder as rows arrive', () => {
  /** Lines cut into batches of whole lines, with each batch's line count (as fetched batches come). */
  function batches(bytes: Uint8Array, size: number): Array<{ chunk: Uint8Array; rows: number }> {
    const out: Array<{ chunk: Uint8Array; rows: number }> = [];
    let start = 0;
    let rows = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0x0a) continue;
      rows += 1;
      if (rows === size || i === bytes.length - 1) {
        out.push({ chunk: bytes.subarray(start, i + 1), rows });
        start = i + 1;
        rows = 0;
      }
    }
    return out;
  }

  void test('reserve() grows the columns batch by batch to what one exact capacity gives', async () => {
    const { bytes, rows } = await emulatorNdjson('session_key=9222&driver_number=1', 5_000);
    const exact = decode([[bytes]], rows);
    assert.ok(!('error' in exact));
    const decoder = new CarDataDecoder(0);
    for (const { chunk, rows: n } of batches(bytes, 97)) {
      decoder.reserve(decoder.rows + n);
      decoder.push(chunk);
    }
    decoder.end();
    assertSameOutcome({ rows: decoder.rows, columns: decoder.columns }, exact);
    assert.equal(decoder.columns.date.length, rows, 'columns are exactly `rows` long');
    // The capacity is what was reserved, not the storage grown for it.
    assert.throws(() => decoder.push(utf8(`${line({})}\n`)), TooManyRowsError);
  });

  void test('truncate() drops a part that stopped half-way, so a resent part is not counted twice', async () => {
    const { bytes, rows } = await emulatorNdjson('session_key=9222&driver_number=1', 1_000);
    const decoder = new CarDataDecoder(rows);
    decoder.push(bytes.subarray(0, 40_000)); // cut mid-line
    decoder.truncate(0);
    decoder.push(bytes);
    decoder.end();
    assertSameOutcome({ rows: decoder.rows, columns: decoder.columns }, decode([[bytes]], rows));
  });
});

void describe('CarDataDecoder errors', () => {
  const failure = (text: string | string[], capacity = 10): BronzeRowError | TooManyRowsError => {
    const parts = (Array.isArray(text) ? text : [text]).map((t) => [utf8(t)]);
    const outcome = decode(parts, capacity);
    assert.ok('error' in outcome, 'expected an error');
    return outcome.error;
  };
  const rowError = (text: string | string[], capacity = 10): BronzeRowError => {
    const err = failure(text, capacity);
    assert.ok(err instanceof BronzeRowError, err.message);
    return err;
  };
  const cases: [name: string, text: string, message: string][] = [
    ['missing key', line({ speed: undefined }), 'line 1 field "speed": expected an integer 0..65535, got undefined'],
    ['null', line({ rpm: null }), 'line 1 field "rpm": expected an integer 0..65535, got null'],
    ['string', line({ speed: 'fast' }), 'line 1 field "speed": expected an integer 0..65535, got "fast"'],
    ['negative', line({ drs: -1 }), 'line 1 field "drs": expected an integer 0..255, got -1'],
    ['too large', line({ driver_number: 256 }), 'line 1 field "driver_number": expected an integer 0..255, got 256'],
    ['too large uint32', line({ session_key: 4294967296 }), 'line 1 field "session_key": expected an integer 0..4294967295, got 4294967296'],
    ['fraction', line({ throttle: 1.5 }), 'line 1 field "throttle": expected an integer 0..255, got 1.5'],
    ['exponent', line({}).replace('"meeting_key":1219', '"meeting_key":1e10'), 'line 1 field "meeting_key": expected an integer 0..4294967295, got 10000000000'],
    ['nested', line({ n_gear: [8] }), 'line 1 field "n_gear": expected an integer 0..255, got [8]'],
    ['first failing in column order', line({ brake: 'x', session_key: -5 }), 'line 1 field "session_key": expected an integer 0..4294967295, got -5'],
    ['ints before date', line({ date: 5, drs: 'x' }), 'line 1 field "drs": expected an integer 0..255, got "x"'],
    ['missing date', line({ date: undefined }), 'line 1 field "date": expected an ISO date string, got undefined'],
    ['date not a string', line({ date: 1694783299 }), 'line 1 field "date": expected an ISO date string, got 1694783299'],
    ['date format', line({ date: '2023-09-15 13:08:19+00:00' }), 'line 1 field "date": expected an ISO date such as 2023-09-15T13:08:19.923000+00:00, got "2023-09-15 13:08:19+00:00"'],
    ['date month 13', line({ date: '2023-13-15T13:08:19Z' }), 'line 1 field "date": expected an ISO date such as 2023-09-15T13:08:19.923000+00:00, got "2023-13-15T13:08:19Z"'],
    ['date day 32', line({ date: '2023-01-32T13:08:19Z' }), 'line 1 field "date": expected an ISO date such as 2023-09-15T13:08:19.923000+00:00, got "2023-01-32T13:08:19Z"'],
    ['date 10 fraction digits', line({ date: '2023-09-15T13:08:19.1234567890Z' }), 'line 1 field "date": expected an ISO date such as 2023-09-15T13:08:19.923000+00:00, got "2023-09-15T13:08:19.1234567890Z"'],
    ['date empty fraction', line({ date: '2023-09-15T13:08:19.Z' }), 'line 1 field "date": expected an ISO date such as 2023-09-15T13:08:19.923000+00:00, got "2023-09-15T13:08:19.Z"'],
    ['date offset +24:00', line({ date: '2023-09-15T13:08:19+24:00' }), 'line 1 field "date": expected an ISO date such as 2023-09-15T13:08:19.923000+00:00, got "2023-09-15T13:08:19+24:00"'],
    ['date no zone', line({ date: '2023-09-15T13:08:19.923' }), 'line 1 field "date": expected an ISO date such as 2023-09-15T13:08:19.923000+00:00, got "2023-09-15T13:08:19.923"'],
    ['date 24:00:01', line({ date: '2023-09-15T24:00:01Z' }), 'line 1 field "date": expected an ISO date such as 2023-09-15T13:08:19.923000+00:00, got "2023-09-15T24:00:01Z"'],
    ['invalid JSON', '{"brake":0,', 'line 1 field "(line)": expected a JSON object, got "{\\"brake\\":0,"'],
    ['trailing garbage', `${line({})}x`, `line 1 field "(line)": expected a JSON object, got ${JSON.stringify(`${line({})}x`)}`],
    ['leading zero', line({}).replace('"drs":0', '"drs":01'), `line 1 field "(line)": expected a JSON object, got ${JSON.stringify(line({}).replace('"drs":0', '"drs":01'))}`],
    ['BOM (readline keeps it)', `\ufeff${line({})}`, `line 1 field "(line)": expected a JSON object, got ${JSON.stringify(`\ufeff${line({})}`)}`],
    ['null line', 'null', 'line 1 field "(line)": expected a JSON object, got null'],
    ['a number is a row without fields, as before', '42', 'line 1 field "session_key": expected an integer 0..4294967295, got undefined'],
    ['empty object', '{}', 'line 1 field "session_key": expected an integer 0..4294967295, got undefined'],
    ['cut in a key', '{"driver_n', 'line 1 field "(line)": expected a JSON object, got "{\\"driver_n"'],
    ['cut after a key', '{"brake":0,"throttle"', 'line 1 field "(line)": expected a JSON object, got "{\\"brake\\":0,\\"throttle\\""'],
  ];
  for (const [name, text, message] of cases) {
    void test(name, async () => {
      assert.equal(rowError(text).message, message);
      // Same as the reference, also when the row follows good rows and is cut into 1-byte chunks.
      await differential([utf8(`${line({})}\n\n${text}\n${line({})}`)], 10);
      await differential([utf8(`${line({})}\r\n\n${text}\r\n${line({})}`)], 10);
      // As the last line of a chunk, read in place.
      const decoder = new CarDataDecoder(10);
      assert.throws(() => decoder.push(utf8(`${line({})}\r\n\n${text}\n`)), { message: message.replace('line 1 ', 'line 3 ') });
    });
  }

  void test('the error names the line, field, value and expectation', () => {
    const err = rowError([`${line({})}\n\n${line({})}\n`, `\n${line({})}\r\n${line({ speed: 'é🏁' })}`]);
    assert.deepEqual(
      { line: err.line, field: err.field, value: err.value, expected: err.expected },
      { line: 3, field: 'speed', value: 'é🏁', expected: 'an integer 0..65535' },
    );
  });

  void test('a long invalid line is cut in the error', () => {
    const err = rowError(`{"brake":${'1'.repeat(500)}`);
    assert.equal(err.value, `{"brake":${'1'.repeat(191)}…`);
  });

  void test('a lone \\r ends a line, as in readline', async () => {
    const err = rowError(`${line({})}\r${line({ rpm: -1 })}\n`);
    assert.equal(err.line, 2);
    await differential([utf8(`${line({})}\r${line({})}\r\r${line({})}\n\r\n${line({})}\r`)], 4);
  });

  void test('more rows than the capacity', async () => {
    const err = failure(`${line({})}\n\n${line({})}\n`, 1);
    assert.ok(err instanceof TooManyRowsError);
    assert.deepEqual({ line: err.line, capacity: err.capacity }, { line: 3, capacity: 1 });
    assert.ok(failure(`${line({})}\n${line({ extra: 1 })}`, 1) instanceof TooManyRowsError); // slow-path line
    assert.ok(failure(`${line({})}\n{`, 1) instanceof TooManyRowsError); // checked before parsing, as before
    await differential([utf8(`${line({})}\n\n${line({})}\n`)], 1);
    // Exactly the capacity is fine, with or without trailing newline and blank lines.
    assert.equal((decode([[utf8(`${line({})}\n\n${line({})}\n\n`)]], 2) as { rows: number }).rows, 2);
  });
});
