/**
 * Incremental splitter for a streamed JSON array of objects: `[ {...}, {...} ]` in, the exact text
 * of each top-level object out, one at a time, so a 20 MB response is never held as one string.
 *
 * It scans bytes (not decoded text), tracking only what is needed to find where each top-level
 * object ends: nesting depth, whether it is inside a string, and whether the previous byte was a
 * backslash. UTF-8 multi-byte sequences never contain bytes < 0x80, so scanning bytes is safe and
 * an object is decoded only once it is complete (a character split across chunks is rejoined).
 * Full JSON validity of each object is left to JSON.parse of that object.
 */

import { isAscii } from 'node:buffer';

const enum Phase {
  /** Nothing but whitespace seen yet: expecting `[` (or `{`, a non-array document). */
  Start,
  /** After `[`: expecting an object or `]`. */
  FirstElement,
  /** After `,`: expecting an object. */
  NextElement,
  /** After an object: expecting `,` or `]`. */
  AfterElement,
  /** Inside a top-level object (an array element, or a non-array document). */
  InObject,
  /** After the closing `]` or a complete non-array document: only whitespace may follow. */
  Done,
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const NEWLINE = Buffer.from('\n');

export type JsonArrayStreamErrorKind =
  /** The stream ended before the closing `]` (possibly inside an object or string). */
  | 'truncated'
  /** Bytes that cannot belong to a JSON array of objects. */
  | 'malformed'
  /** The body is a single JSON object instead of an array; `document` holds its text. */
  | 'not-array';

export class JsonArrayStreamError extends Error {
  constructor(
    readonly kind: JsonArrayStreamErrorKind,
    message: string,
    /** Byte offset in the stream where the problem was detected. */
    readonly offset: number,
    /** Number of complete objects before the problem (= index of the object at fault). */
    readonly elementIndex: number,
    readonly document?: string,
  ) {
    super(message);
    this.name = 'JsonArrayStreamError';
  }
}

export interface JsonArraySplitterOptions {
  /**
   * Largest accepted object (or non-array document), in bytes; larger means the stream is
   * declared malformed rather than buffered without bound. Default 1 MiB (an OpenF1 row is < 1 KiB).
   */
  maxObjectBytes?: number;
}

export class JsonArraySplitter {
  private readonly maxObjectBytes: number;
  private phase = Phase.Start;
  /** True when the top-level value is an object rather than an array. */
  private documentIsObject = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Earlier chunks' pieces of the object being scanned. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes consumed before the current chunk. */
  private offset = 0;
  private count = 0;
  /** Text of a non-array document, kept for the 'not-array' error. */
  private nonArrayDocument: string | undefined;

  constructor(options: JsonArraySplitterOptions = {}) {
    this.maxObjectBytes = options.maxObjectBytes ?? 1024 * 1024;
  }

  /** Feeds the next chunk; returns the text of every object completed by it, in order. */
  push(chunk: Uint8Array): string[] {
    const out: string[] = [];
    // One SIMD check per chunk lets pure-ASCII objects (nearly all OpenF1 rows) skip UTF-8 decoding.
    let ascii: boolean | undefined;
    this.scan(chunk, (buf, start, end) => {
      ascii ??= isAscii(buf);
      out.push(this.take(buf, ascii, start, end));
    });
    return out;
  }

  /**
   * Feeds the next chunk; returns the objects it completed as NDJSON bytes (each object's exact
   * bytes and a newline) and their count, without decoding any of them: for staging rows as-is.
   */
  pushNdjson(chunk: Uint8Array): { ndjson: Buffer; rows: number } {
    const pieces: Buffer[] = [];
    let rows = 0;
    this.scan(chunk, (buf, start, end) => {
      if (this.pending.length > 0) {
        pieces.push(...this.pending, buf.subarray(0, end), NEWLINE);
        this.pending = [];
        this.pendingBytes = 0;
      } else pieces.push(buf.subarray(start, end), NEWLINE);
      this.count++;
      rows++;
    });
    return { ndjson: Buffer.concat(pieces), rows };
  }

  /**
   * The scanner: calls `complete` for each array element the chunk completes (its bytes are
   * `buf[start, end)`, preceded by `this.pending` when it began in an earlier chunk); a non-array
   * document's text is kept for the 'not-array' error instead.
   */
  private scan(chunk: Uint8Array, complete: (buf: Buffer, start: number, end: number) => void): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    let i = 0;
    let start = this.phase === Phase.InObject ? 0 : -1;
    for (;;) {
      // Checked before the end-of-chunk test: an object opened on the chunk's last byte must be stashed.
      if (this.phase === Phase.InObject) {
        i = this.scanObject(buf, i, n);
        if (i >= n) {
          this.stash(buf.subarray(start));
          break;
        }
        i++;
        // A non-array document is never a row: it is kept for the 'not-array' error instead.
        if (this.documentIsObject) this.nonArrayDocument = this.take(buf, isAscii(buf), start, i);
        else complete(buf, start, i);
        this.phase = this.documentIsObject ? Phase.Done : Phase.AfterElement;
        continue;
      }
      if (i >= n) break;
      const c = buf[i];
      if (c === SPACE || c === LF || c === CR || c === TAB) {
        i++;
        continue;
      }
      switch (this.phase) {
        case Phase.Start:
          if (c === OPEN_BRACKET) this.phase = Phase.FirstElement;
          else if (c === OPEN_BRACE) {
            this.documentIsObject = true;
            start = this.beginObject(i);
            i++;
            continue;
          } else throw this.unexpected(c, i, '"["');
          break;
        case Phase.FirstElement:
        case Phase.NextElement:
          if (c === OPEN_BRACE) {
            start = this.beginObject(i);
            i++;
            continue;
          }
          if (c === CLOSE_BRACKET && this.phase === Phase.FirstElement) this.phase = Phase.Done;
          else throw this.unexpected(c, i, 'an object');
          break;
        case Phase.AfterElement:
          if (c === COMMA) this.phase = Phase.NextElement;
          else if (c === CLOSE_BRACKET) this.phase = Phase.Done;
          else throw this.unexpected(c, i, '"," or "]"');
          break;
        case Phase.Done:
          throw this.unexpected(c, i, 'end of data');
      }
      i++;
    }
    this.offset += n;
  }

  /** Declares the end of the stream; throws unless the array was closed. */
  end(): void {
    if (this.phase !== Phase.Done) {
      throw new JsonArrayStreamError(
        'truncated',
        `JSON array truncated after ${this.offset} bytes (${this.count} complete objects)`,
        this.offset,
        this.count,
      );
    }
    if (this.documentIsObject) {
      throw new JsonArrayStreamError('not-array', 'expected a JSON array, got an object', 0, 0, this.nonArrayDocument);
    }
  }

  /**
   * Scans the current object from `i`; returns the index of its closing brace, or a value >= `n`
   * when the chunk ends first (state saved for the next chunk).
   */
  private scanObject(buf: Buffer, i: number, n: number): number {
    if (this.inString) {
      i = stringEnd(buf, this.escaped ? i + 1 : i, n);
      if (i >= n) {
        this.escaped = i > n;
        return n;
      }
      this.inString = false;
      i++;
    }
    let depth = this.depth;
    for (; i < n; i++) {
      const c = buf[i];
      if (c === QUOTE) {
        i = stringEnd(buf, i + 1, n);
        if (i >= n) {
          this.inString = true;
          this.escaped = i > n;
          break;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) break;
    }
    this.depth = depth;
    return i;
  }

  private beginObject(at: number): number {
    this.phase = Phase.InObject;
    this.depth = 1;
    this.inString = false;
    this.escaped = false;
    return at;
  }

  private stash(piece: Buffer): void {
    this.pendingBytes += piece.length;
    if (this.pendingBytes > this.maxObjectBytes) {
      throw new JsonArrayStreamError(
        'malformed',
        `object ${this.count} exceeds ${this.maxObjectBytes} bytes`,
        this.offset,
        this.count,
      );
    }
    this.pending.push(piece);
  }

  private take(buf: Buffer, ascii: boolean, start: number, end: number): string {
    let text: string;
    if (this.pending.length === 0) text = buf.toString(ascii ? 'latin1' : 'utf8', start, end);
    else {
      this.pending.push(buf.subarray(0, end));
      text = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.count++;
    return text;
  }

  private unexpected(c: number, i: number, expected: string): JsonArrayStreamError {
    return new JsonArrayStreamError(
      'malformed',
      `unexpected ${JSON.stringify(String.fromCharCode(c))} at byte ${this.offset + i}, expected ${expected}`,
      this.offset + i,
      this.count,
    );
  }
}

/**
 * Index of the quote closing a string whose content starts at `i`; `n` if the chunk ends inside
 * the string, `n + 1` if it ends right after a backslash (the escaped byte is in the next chunk).
 */
function stringEnd(buf: Buffer, i: number, n: number): number {
  for (; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  return i;
}

/** Yields the text of each top-level object of a JSON array arriving as byte chunks. */
export async function* splitJsonArray(
  chunks: AsyncIterable<Uint8Array>,
  options?: JsonArraySplitterOptions,
): AsyncGenerator<string> {
  const splitter = new JsonArraySplitter(options);
  for await (const chunk of chunks) {
    for (const text of splitter.push(chunk)) yield text;
  }
  splitter.end();
}
