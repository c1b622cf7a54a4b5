import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What `ObjectStore.put` accepts: a stream of any length, or bytes/text already in memory (text is stored as UTF-8). */
export type ObjectBody = Readable | Uint8Array | string;

/** What a backend learns while streaming a body. */
export interface BodyMeter {
  bytes: number;
  /**
   * The error the body itself failed with, if any. Backends rethrow it untouched instead of mapping it
   * to a store error: a failing producer (say, an HTTP download) is not the store's fault.
   */
  sourceError?: unknown;
}

/**
 * The bytes of `body` as Buffer chunks, recording progress and source failures in `meter`, so a
 * backend can report the stored size of a stream without buffering it. Ending the iteration early
 * destroys a Readable source.
 */
export async function* meteredChunks(body: ObjectBody, meter: BodyMeter): AsyncGenerator<Buffer> {
  const source: AsyncIterable<Uint8Array | string> | Array<Uint8Array | string> =
    typeof body === 'string' || body instanceof Uint8Array ? [body] : body;
  try {
    for await (const chunk of source) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      meter.bytes += buffer.byteLength;
      yield buffer;
    }
  } catch (error) {
    meter.sourceError = error;
    throw error;
  }
}

/**
 * Writes `body` to a new file at `path`, metered; on failure removes the file and rethrows. The
 * removal waits for the file to close: it opens asynchronously, so a source failing first would
 * otherwise be removed before it exists and left behind when the open completes.
 */
export async function writeBodyToFile(body: ObjectBody, path: string, meter: BodyMeter): Promise<void> {
  const file = createWriteStream(path, { flags: 'wx' });
  try {
    await pipeline(meteredChunks(body, meter), file);
  } catch (error) {
    if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
    await rm(path, { force: true });
    throw error;
  }
}
