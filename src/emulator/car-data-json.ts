/**
 * Serialisation of car_data rows exactly as OpenF1 returns them: compact JSON, keys in alphabetical
 * order (the order of OpenF1's documented car_data output and of every record in the shared
 * reference data), dates like `2023-09-15T13:08:19.923000+00:00`.
 *
 * This is the hot path of the server (millions of rows per second), so rows are encoded straight
 * into the output buffer, without per-row strings or JSON.stringify. A row is three native copies
 * of pre-encoded fragments, which absorb every constant byte and the low-cardinality values:
 *   `{"brake":B,"date":"YYYY-MM-DDThh:mm:ss.`                               per second and brake
 *   `000+00:00","driver_number":N,"drs":D,"meeting_key":M,"n_gear":G,"rpm":`  per driver, DRS, gear
 *   `,"session_key":S,"speed":V,"throttle":`                                 per driver and speed
 * with the milliseconds, rpm and throttle digits in between, written from lookup tables.
 * Fragments are encoded on first use. Malformed rows (a rare fault) take a slow path.
 */
import type { DriverTelemetry, CarSample } from './car-data-generator.js';
import type { CarDataCursor } from './car-data-query.js';
import { newSample } from './car-data-query.js';
import type { FaultInjector, Malformation } from './faults.js';
import type { RowSource } from './json-stream.js';

/** Upper bound of one encoded row (a row is ~170 bytes). */
export const MAX_CAR_DATA_ROW_BYTES = 256;

/** Plain Uint8Arrays (not Buffers) keep the copies monomorphic. */
function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const TABLE_MAX = 13_000; // above any rpm, speed, throttle, gear, drs or brake produced
const DIGIT_SLOTS = 5;
const DIGITS = new Uint8Array((TABLE_MAX + 1) * DIGIT_SLOTS);
const DIGIT_COUNT = new Uint8Array(TABLE_MAX + 1);
for (let v = 0; v <= TABLE_MAX; v++) {
  const text = String(v);
  DIGIT_COUNT[v] = text.length;
  DIGITS.set(ascii(text), v * DIGIT_SLOTS);
}
const ZERO = '0'.charCodeAt(0);
const MILLIS_DIGITS = new Uint8Array(3000);
for (let ms = 0; ms < 1000; ms++) MILLIS_DIGITS.set(ascii(String(ms).padStart(3, '0')), ms * 3);

const ROW_END = '}'.charCodeAt(0);
const BRAKE_VALUES = [0, 100];
// Position of a brake value in BRAKE_VALUES (-1: not encodable by the fast path).
const brakeIndex = (brake: number): number => (brake === 0 ? 0 : brake === 100 ? 1 : -1);
// Ranges the fragment tables cover (the generator stays within them; anything else takes the slow path).
const MAX_DRS = 14;
const MAX_GEAR = 8;
const MAX_SPEED = 400;

interface DriverFragments {
  readonly telemetry: DriverTelemetry;
  /** Indexed by `drs * (MAX_GEAR + 1) + n_gear`. */
  readonly middles: (Uint8Array | undefined)[];
  /** Indexed by speed. */
  readonly tails: (Uint8Array | undefined)[];
  /** Key of the malformed-row draw, undefined when this driver's rows are all well formed. */
  readonly malformationKey: number | undefined;
}

/** Encodes successive result rows of a cursor. */
export class CarDataJsonRows implements RowSource {
  private readonly sample = newSample();
  private readonly fragments: DriverFragments[] = [];
  private secondStart = NaN;
  /** Indexed like BRAKE_VALUES. */
  private rowStarts: Uint8Array[] = [];

  constructor(
    private readonly cursor: CarDataCursor,
    private readonly faults: FaultInjector,
  ) {}

  writeRow(buf: Uint8Array, start: number): number {
    const s = this.sample;
    const window = this.cursor.read(s);
    if (!window) return -1;
    const f = this.fragments[window.id] ?? this.fragmentsFor(window.id, window.telemetry);
    const malformation: Malformation =
      f.malformationKey === undefined ? 'none' : this.faults.malformation(f.malformationKey, this.cursor.index);
    const brake = brakeIndex(s.brake);
    if (malformation !== 'none' || brake < 0 || s.drs > MAX_DRS || s.n_gear > MAX_GEAR || s.speed > MAX_SPEED) {
      return copy(buf, start, ascii(rowText(s, window.telemetry, malformation)));
    }
    const second = s.date - (s.date % 1000);
    if (second !== this.secondStart) this.startSecond(second);
    let pos = copy(buf, start, this.rowStarts[brake]);
    const millis = (s.date - second) * 3;
    buf[pos++] = MILLIS_DIGITS[millis];
    buf[pos++] = MILLIS_DIGITS[millis + 1];
    buf[pos++] = MILLIS_DIGITS[millis + 2];
    const middle = s.drs * (MAX_GEAR + 1) + s.n_gear;
    pos = copy(buf, pos, f.middles[middle] ?? encodeMiddle(f, s.drs, s.n_gear));
    pos = copy(buf, writeUint(buf, pos, s.rpm), f.tails[s.speed] ?? encodeTail(f, s.speed));
    pos = writeUint(buf, pos, s.throttle);
    buf[pos] = ROW_END;
    return pos + 1;
  }

  private startSecond(second: number): void {
    const sameMinute = Math.floor(second / 60_000) === Math.floor(this.secondStart / 60_000);
    this.secondStart = second;
    if (!sameMinute) {
      const isoSecond = new Date(second).toISOString().slice(0, 'YYYY-MM-DDThh:mm:ss.'.length);
      this.rowStarts = BRAKE_VALUES.map((brake) => ascii(`{"brake":${brake},"date":"${isoSecond}`));
      return;
    }
    // Within a minute only the seconds digits change (they sit just before the final '.').
    const seconds = (second % 60_000) / 1000;
    for (const rowStart of this.rowStarts) {
      rowStart[rowStart.length - 3] = ZERO + Math.floor(seconds / 10);
      rowStart[rowStart.length - 2] = ZERO + (seconds % 10);
    }
  }

  private fragmentsFor(id: number, telemetry: DriverTelemetry): DriverFragments {
    const fragments: DriverFragments = {
      telemetry,
      middles: new Array<Uint8Array | undefined>((MAX_DRS + 1) * (MAX_GEAR + 1)),
      tails: new Array<Uint8Array | undefined>(MAX_SPEED + 1),
      malformationKey: this.faults.malformationKey(telemetry.session.sessionKey, telemetry.driverNumber),
    };
    this.fragments[id] = fragments;
    return fragments;
  }
}

function encodeMiddle(f: DriverFragments, drs: number, gear: number): Uint8Array {
  const { driverNumber, session } = f.telemetry;
  const bytes = ascii(
    `000+00:00","driver_number":${driverNumber},"drs":${drs},"meeting_key":${session.meetingKey},"n_gear":${gear},"rpm":`,
  );
  f.middles[drs * (MAX_GEAR + 1) + gear] = bytes;
  return bytes;
}

function encodeTail(f: DriverFragments, speed: number): Uint8Array {
  const bytes = ascii(`,"session_key":${f.telemetry.session.sessionKey},"speed":${speed},"throttle":`);
  f.tails[speed] = bytes;
  return bytes;
}

/** A row as text: the general (slow) path, used for malformed rows. */
function rowText(s: CarSample, telemetry: DriverTelemetry, malformation: Malformation): string {
  const date =
    malformation === 'missing-date'
      ? ''
      : `"date":"${new Date(s.date).toISOString().slice(0, -1)}000+00:00",`;
  const speed = malformation === 'speed-not-a-number' ? '"fast"' : s.speed;
  const { session, driverNumber } = telemetry;
  return (
    `{"brake":${s.brake},${date}"driver_number":${driverNumber},"drs":${s.drs},"meeting_key":${session.meetingKey},` +
    `"n_gear":${s.n_gear},"rpm":${s.rpm},"session_key":${session.sessionKey},"speed":${speed},"throttle":${s.throttle}}`
  );
}

function copy(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  buf.set(bytes, pos);
  return pos + bytes.length;
}

function writeUint(buf: Uint8Array, pos: number, value: number): number {
  if (value > TABLE_MAX) return copy(buf, pos, ascii(String(value)));
  const count = DIGIT_COUNT[value];
  const from = value * DIGIT_SLOTS;
  for (let i = 0; i < count; i++) buf[pos + i] = DIGITS[from + i];
  return pos + count;
}
