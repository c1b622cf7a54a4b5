import { after } from 'node:test';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

/**
 * Emulators a test file starts; all are closed when the file's tests end.
 * Call at module level (it registers the `after` hook).
 */
export function emulatorFleet(): (options?: EmulatorOptions) => Promise<Emulator> {
  const started: Emulator[] = [];
  after(() => Promise.all(started.map((e) => e.close())));
  return async (options = {}) => {
    const emulator = await startEmulator(options);
    started.push(emulator);
    return emulator;
  };
}
