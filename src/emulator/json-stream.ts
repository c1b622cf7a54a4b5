/**
 * Streams a JSON array encoded row by row into 64 KiB chunks.
 *
 * Backpressure: chunks come from a pool of POOL_CHUNKS buffers, and a buffer returns to the pool
 * only when the socket has taken its bytes (the write callback). When the client reads slowly the
 * pool runs dry and encoding waits, so at most POOL_CHUNKS chunks are ever held, however long the
 * response. Reusing the buffers also spares the allocator and the GC hundreds of MB of churn per
 * large response.
 */
import type { ServerResponse } from 'node:http';

const CHUNK_BYTES = 64 * 1024;
const POOL_CHUNKS = 4;
const OPEN = '['.charCodeAt(0);
const COMMA = ','.charCodeAt(0);
const CLOSE = ']'.charCodeAt(0);

export interface RowSource {
  /** Encodes the next row at `pos` and returns the position after it, or -1 when there are no more rows. */
  writeRow(buf: Uint8Array, pos: number): number;
}

export interface JsonArrayStreamOptions {
  /** Upper bound of one encoded row. */
  readonly maxRowBytes: number;
  /** Cut the body off in the middle of this row (0-based) and destroy the socket; undefined: send it whole. */
  readonly truncateAtRow?: number;
  /** Called with the number of complete rows each time bytes are handed to the socket. */
  readonly onRowsWritten: (rows: number) => void;
}

export async function streamJsonArray(res: ServerResponse, rows: RowSource, options: JsonArrayStreamOptions): Promise<void> {
  const { maxRowBytes, truncateAtRow, onRowsWritten } = options;
  const pool = new ChunkPool(res, CHUNK_BYTES + maxRowBytes + 1);
  let chunk = await pool.acquire();
  if (!chunk) return;
  let pos = 0;
  chunk[pos++] = OPEN;
  let rowCount = 0;
  let rowsInChunk = 0;
  for (;;) {
    const rowStart = rowCount > 0 ? pos + 1 : pos;
    const end = rows.writeRow(chunk, rowStart);
    if (end < 0) break;
    if (rowCount > 0) chunk[pos] = COMMA;
    if (rowCount === truncateAtRow) {
      onRowsWritten(rowsInChunk);
      cutOff(res, chunk.subarray(0, rowStart + ((end - rowStart) >> 1)));
      return;
    }
    pos = end;
    rowCount++;
    rowsInChunk++;
    if (pos < CHUNK_BYTES) continue;
    pool.send(chunk, pos);
    onRowsWritten(rowsInChunk);
    rowsInChunk = 0;
    pos = 0;
    const next = await pool.acquire();
    if (!next) return; // the client went away
    chunk = next;
  }
  onRowsWritten(rowsInChunk);
  if (truncateAtRow !== undefined) {
    cutOff(res, chunk.subarray(0, pos));
    return;
  }
  chunk[pos++] = CLOSE;
  res.end(chunk.subarray(0, pos));
}

class ChunkPool {
  private readonly free: Buffer[] = [];
  private created = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly chunkBytes: number,
  ) {
    res.once('close', () => this.wake?.());
  }

  /** A free chunk, once one is available; undefined if the response closed meanwhile. */
  async acquire(): Promise<Buffer | undefined> {
    while (this.free.length === 0 && this.created >= POOL_CHUNKS) {
      if (this.res.destroyed) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.res.destroyed) return undefined;
    const chunk = this.free.pop();
    if (chunk) return chunk;
    this.created++;
    return Buffer.allocUnsafe(this.chunkBytes);
  }

  send(chunk: Buffer, length: number): void {
    this.res.write(chunk.subarray(0, length), () => {
      this.free.push(chunk);
      this.wake?.();
    });
  }
}

function cutOff(res: ServerResponse, lastBytes: Uint8Array): void {
  res.write(lastBytes, () => res.destroy());
}
