import { z } from 'zod';
import { defaultDataDir } from './calendar-data.js';
import { FaultConfigSchema } from './faults.js';

export const EmulatorOptionsSchema = z.strictObject({
  /** Interface to listen on. Default `127.0.0.1`. */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port; 0 picks a free one. Default 0. */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Root of `<year>/<endpoint>.json`. Default: env `OPENF1_DATA_DIR`, else `<repo root>/../shared/openf1`. */
  dataDir: z.string().min(1).default(() => defaultDataDir()),
  /** Seed of the synthetic telemetry: same seed, same bytes. Default 1. */
  seed: z.number().int().default(1),
  /** A car_data query whose result would exceed this many rows gets 422 (before any body byte). Default 200 000. */
  maxRows: z.number().int().positive().default(200_000),
  /**
   * Query time budget, emulating the real API's database timeout: a car_data query whose estimated
   * scan time (scanned rows / `scanRowsPerSecond`) exceeds it fails with 500 after this long. Default 10 000.
   */
  timeBudgetMs: z.number().nonnegative().default(10_000),
  /** Scan speed assumed by the time-budget model. Default 1 000 000 rows/s. */
  scanRowsPerSecond: z.number().positive().default(1_000_000),
  /** Initial fault configuration (replace at runtime with `setFaults` or `POST /admin/faults`). Default none. */
  faults: FaultConfigSchema.default({}),
  /** When set, `/v1/*` requires a bearer token obtained from `POST /token` with these credentials. */
  auth: z.strictObject({ username: z.string().min(1), password: z.string().min(1) }).optional(),
});

/** Options of {@link startEmulator}; every field is optional (defaults in the field docs). */
export type EmulatorOptions = z.input<typeof EmulatorOptionsSchema>;
export type ResolvedEmulatorOptions = z.output<typeof EmulatorOptionsSchema>;
