/** OpenF1-compatible local server ("emulator"): real 2023/2024 metadata, synthetic car_data, fault injection. */
export { startEmulator, type Emulator } from './server.js';
export { EmulatorOptionsSchema, type EmulatorOptions } from './options.js';
export { FaultConfigSchema, type FaultConfig } from './faults.js';
export type { EmulatorStats } from './stats.js';
