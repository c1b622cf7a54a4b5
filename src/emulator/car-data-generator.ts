/**
 * Synthetic, physically plausible car telemetry for one driver in one session.
 *
 * Timing: sample i is at `t0 + 270·i + jitter(i)` ms with |jitter| ≤ 35 ms, i.e. about 3.7 Hz with
 * 200–340 ms spacing. Samples are strictly increasing in time, so the samples inside any time
 * window are found arithmetically (no generation needed to count or seek them).
 *
 * Values: each driver alternates garage periods (speed, gear, throttle, rpm all 0) and on-track runs
 * (pit-lane crawl out and in, then laps over a per-circuit speed profile with corners, braking
 * zones and a DRS straight). Gear follows speed and rpm follows speed within the gear.
 *
 * Everything is a pure function of (seed, session, driver, sample index), never of a query window.
 */
import type { SessionInfo } from './calendar-data.js';
import { counterHash, hashInts, uniformSequence } from './prng.js';

export const SAMPLE_PERIOD_MS = 270;
const JITTER_MS = 35;
const JITTER_SPAN = 2 * JITTER_MS + 1;
const PIT_LANE_MS = 18_000;
const PIT_LANE_KMH = 78;
/** Speed at which each gear reaches the rev limit; gear g covers (GEAR_TOP_KMH[g-1], GEAR_TOP_KMH[g]]. */
const GEAR_TOP_KMH = [0, 105, 140, 170, 200, 230, 262, 295, 360];
const REV_LIMIT_RPM = 11_900;
const MIN_DRIVING_RPM = 4_500;
const MAX_KMH = GEAR_TOP_KMH[GEAR_TOP_KMH.length - 1];
const GEAR_AT_KMH = Uint8Array.from({ length: MAX_KMH + 1 }, (_, kmh) =>
  Math.max(1, GEAR_TOP_KMH.findIndex((top) => kmh <= top)),
);
const RPM_PER_KMH = GEAR_TOP_KMH.map((top) => REV_LIMIT_RPM / top);
/** OpenF1 DRS codes: 0/1 off, 8 eligible (detection), 10/12/14 open. */
const DRS_OFF_TRACK = 0;
const DRS_OFF = 1;
const DRS_ELIGIBLE = 8;
const DRS_OPEN_CODES = [10, 12, 14];

const PROFILE_POINTS = 2048;
/** e-folding of the gap to top speed, per lap fraction travelled out of a corner. */
const ACCELERATION_PER_LAP = 22;
/** Speed shed per lap fraction of braking (~180 km/h over 1/50 of a lap). */
const DECELERATION_KMH_PER_LAP = 9_000;
/** Lap fraction over which the throttle is fed in on corner exit. */
const CORNER_EXIT_LAP_FRACTION = 0.006;
const DRS_OPENS_ABOVE_CORNER_KMH = 60;

// Salts keep the random streams derived from the same keys independent of each other.
const enum Salt {
  Track = 1,
  Schedule,
  Jitter,
  Noise,
  DrsLap,
}

/** One telemetry sample; `date` is epoch ms. */
export interface CarSample {
  date: number;
  brake: number;
  drs: number;
  n_gear: number;
  rpm: number;
  speed: number;
  throttle: number;
}

/** Speed, pedal and DRS-zone profile over one lap of a circuit, sampled at PROFILE_POINTS positions. */
interface LapProfile {
  readonly lapMs: number;
  /** km/h, rounded. */
  readonly speed: Int16Array;
  readonly throttle: Uint8Array;
  readonly braking: Uint8Array;
  readonly drsZone: Uint8Array;
}

const enum DrsZone {
  None,
  Detection,
  Open,
}

const profiles = new Map<string, LapProfile>();

function lapProfile(seed: number, circuitKey: number): LapProfile {
  const key = `${seed}:${circuitKey}`;
  let profile = profiles.get(key);
  if (!profile) {
    profile = buildLapProfile(seed, circuitKey);
    profiles.set(key, profile);
  }
  return profile;
}

function buildLapProfile(seed: number, circuitKey: number): LapProfile {
  const draw = uniformSequence(hashInts(seed, circuitKey, Salt.Track));
  const corners = 9 + Math.floor(draw() * 8);
  const weights = Array.from({ length: corners }, () => 0.4 + draw());
  const drsStraight = Math.floor(draw() * corners);
  weights[drsStraight] += 2.5;
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const segmentLength = weights.map((w) => w / totalWeight);
  const cornerKmh = Array.from({ length: corners }, () => 70 + draw() * 170);
  const topKmh = 318 + draw() * 22;
  const lapMs = Math.round(72_000 + draw() * 28_000);

  const profile: LapProfile = {
    lapMs,
    speed: new Int16Array(PROFILE_POINTS),
    throttle: new Uint8Array(PROFILE_POINTS),
    braking: new Uint8Array(PROFILE_POINTS),
    drsZone: new Uint8Array(PROFILE_POINTS),
  };
  let segment = 0;
  let segmentStart = 0;
  for (let k = 0; k < PROFILE_POINTS; k++) {
    const position = (k + 0.5) / PROFILE_POINTS;
    while (segment < corners - 1 && position >= segmentStart + segmentLength[segment]) {
      segmentStart += segmentLength[segment++];
    }
    const travelled = position - segmentStart;
    const entryKmh = cornerKmh[segment];
    const accelerating = entryKmh + (topKmh - entryKmh) * (1 - Math.exp(-travelled * ACCELERATION_PER_LAP));
    const brakingLimit =
      cornerKmh[(segment + 1) % corners] + (segmentLength[segment] - travelled) * DECELERATION_KMH_PER_LAP;
    const braking = brakingLimit < accelerating;
    const kmh = Math.min(accelerating, brakingLimit);
    profile.speed[k] = Math.round(kmh);
    profile.braking[k] = braking ? 1 : 0;
    profile.throttle[k] = braking ? 0 : Math.min(100, Math.round(35 + (65 * travelled) / CORNER_EXIT_LAP_FRACTION));
    profile.drsZone[k] =
      segment !== drsStraight || braking
        ? DrsZone.None
        : kmh > entryKmh + DRS_OPENS_ABOVE_CORNER_KMH
          ? DrsZone.Open
          : DrsZone.Detection;
  }
  return profile;
}

/** On-track intervals [out, in) as a flat list, with the lap time of each run (all whole milliseconds). */
function buildRuns(session: SessionInfo, driverLapMs: number, draw: () => number): { bounds: number[]; lapMs: number[] } {
  const bounds: number[] = [];
  const lapMs: number[] = [];
  const lastReturn = session.endMs - 60_000;
  if (session.sessionType === 'Race') {
    // One stint from the grid to the flag (pit stops go through the pit lane, not the garage);
    // one car in ten retires somewhere in between.
    const out = session.startMs + Math.round(60_000 + draw() * 180_000);
    const back = Math.round(draw() < 0.1 ? out + draw() * (lastReturn - out) : lastReturn - draw() * 15 * 60_000);
    if (back > out) {
      bounds.push(out, back);
      lapMs.push(driverLapMs);
    }
    return { bounds, lapMs };
  }
  let out = session.startMs + Math.round((session.endMs - session.startMs) * (0.02 + draw() * 0.12));
  for (;;) {
    const runLapMs = Math.round(driverLapMs * (1 + 0.01 * draw()));
    const back = out + 2 * PIT_LANE_MS + runLapMs * (3 + Math.floor(draw() * 10));
    if (back > lastReturn) return { bounds, lapMs };
    bounds.push(out, back);
    lapMs.push(runLapMs);
    out = back + Math.round((4 + draw() * 16) * 60_000);
  }
}

export class DriverTelemetry {
  /** Number of samples in [session start, session end). */
  readonly sampleCount: number;
  private readonly firstSampleMs: number;
  private readonly jitterKey: number;
  private readonly noiseKey: number;
  private readonly drsLapKey: number;
  private readonly profile: LapProfile;
  private readonly runBounds: Float64Array;
  private readonly runLapMs: Int32Array;
  private readonly runProfilePointsPerMs: Float64Array;
  private readonly raceRules: boolean;
  /** First run not over at the last filled sample: samples are mostly filled in time order. */
  private runCursor = 0;

  constructor(
    readonly session: SessionInfo,
    readonly driverNumber: number,
    seed: number,
  ) {
    const key = hashInts(seed, session.sessionKey, driverNumber);
    const draw = uniformSequence(hashInts(key, Salt.Schedule));
    this.jitterKey = hashInts(key, Salt.Jitter);
    this.noiseKey = hashInts(key, Salt.Noise);
    this.drsLapKey = hashInts(key, Salt.DrsLap);
    this.profile = lapProfile(seed, session.circuitKey);
    this.raceRules = session.sessionType === 'Race';
    this.firstSampleMs = session.startMs + JITTER_MS + 1 + Math.floor(draw() * SAMPLE_PERIOD_MS);
    const runs = buildRuns(session, this.profile.lapMs * (1 + 0.025 * draw()), draw);
    this.runBounds = Float64Array.from(runs.bounds);
    this.runLapMs = Int32Array.from(runs.lapMs);
    this.runProfilePointsPerMs = Float64Array.from(runs.lapMs, (ms) => PROFILE_POINTS / ms);
    this.sampleCount = this.firstIndexFrom(session.endMs);
  }

  timeAt(index: number): number {
    return (
      this.firstSampleMs + SAMPLE_PERIOD_MS * index + (counterHash(this.jitterKey, index) % JITTER_SPAN) - JITTER_MS
    );
  }

  /** Index of the first sample at or after `ms` (sampleCount if none). */
  indexAtOrAfter(ms: number): number {
    return Math.min(this.firstIndexFrom(ms), this.sampleCount);
  }

  private firstIndexFrom(ms: number): number {
    if (ms === Infinity) return Number.MAX_SAFE_INTEGER;
    // Every sample before `index` is at least one period (> 2·jitter) before `ms`, so at most a
    // couple of steps forward remain.
    let index = Math.max(0, Math.floor((ms - this.firstSampleMs - JITTER_MS) / SAMPLE_PERIOD_MS));
    while (this.timeAt(index) < ms) index++;
    return index;
  }

  /** Fills `out` with sample `index`. */
  fill(index: number, out: CarSample): void {
    const t = this.timeAt(index);
    out.date = t;
    const run = this.runAt(t);
    if (run < 0) {
      out.brake = 0;
      out.drs = DRS_OFF_TRACK;
      out.n_gear = 0;
      out.rpm = 0;
      out.speed = 0;
      out.throttle = 0;
      return;
    }
    const noise = counterHash(this.noiseKey, index);
    const sinceOut = t - this.runBounds[2 * run];
    if (sinceOut < PIT_LANE_MS || this.runBounds[2 * run + 1] - t < PIT_LANE_MS) {
      out.speed = PIT_LANE_KMH + (noise % 3);
      out.throttle = 20 + ((noise >>> 8) % 15);
      out.brake = 0;
      out.drs = DRS_OFF;
    } else {
      // Whole milliseconds well within int32: `| 0` keeps the arithmetic below integer.
      const onLap = (sinceOut - PIT_LANE_MS) | 0;
      const lapMs = this.runLapMs[run];
      const point = ((onLap % lapMs) * this.runProfilePointsPerMs[run]) | 0;
      const profile = this.profile;
      out.speed = Math.max(1, profile.speed[point] + (noise % 5) - 2);
      const throttle = profile.throttle[point];
      out.throttle = throttle > 0 && throttle < 100 ? Math.min(99, throttle + ((noise >>> 4) % 5)) : throttle;
      out.brake = profile.braking[point] === 1 ? 100 : 0;
      const zone = profile.drsZone[point];
      out.drs = zone === DrsZone.None ? DRS_OFF : this.drsCode(zone, (onLap / lapMs) | 0, noise);
    }
    const gear = GEAR_AT_KMH[out.speed];
    out.n_gear = gear;
    out.rpm = Math.max(MIN_DRIVING_RPM, (out.speed * RPM_PER_KMH[gear] + 0.5) | 0) + ((noise >>> 16) % 101) - 50;
  }

  private drsCode(zone: number, lap: number, noise: number): number {
    // In races DRS is only available within a second of the car ahead: on roughly half the laps.
    if (this.raceRules && (counterHash(this.drsLapKey, lap) & 1) === 0) return DRS_OFF;
    return zone === DrsZone.Open ? DRS_OPEN_CODES[(noise >>> 12) % DRS_OPEN_CODES.length] : DRS_ELIGIBLE;
  }

  /** Index of the run containing `t`, or -1 when the car is in the garage. */
  private runAt(t: number): number {
    const bounds = this.runBounds;
    const runs = bounds.length / 2;
    let run = this.runCursor;
    if (run > 0 && t < bounds[2 * run - 1]) run = 0;
    while (run < runs && bounds[2 * run + 1] <= t) run++;
    this.runCursor = run;
    return run < runs && bounds[2 * run] <= t ? run : -1;
  }
}
