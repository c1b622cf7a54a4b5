import type { Readable } from 'node:stream';

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
