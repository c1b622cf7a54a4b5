/**
 * Counter-based pseudo-randomness: every random quantity the emulator uses is a pure function of
 * integers (seed, session, driver, sample index, request number...). Nothing depends on call order
 * or on the query window, which is what makes responses reproducible byte for byte and lets time
 * windows of a session concatenate to the full-session response.
 */

const TWO_POW_32 = 4294967296;
const GOLDEN = 0x9e3779b1;

/** murmur3's 32-bit finalizer: cheap, well mixed and identical on every platform. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of integers (any safe integer, negative ones included) to a uint32. */
export function hashInts(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = fmix32(Math.imul(h ^ (v >>> 0), GOLDEN));
    h = fmix32(h ^ (Math.floor(v / TWO_POW_32) | 0));
  }
  return h;
}

/** Hot-path hash of (stream key, counter); `key` should itself come from {@link hashInts}. */
export function counterHash(key: number, counter: number): number {
  return fmix32(key ^ Math.imul(counter, GOLDEN));
}

/** Maps a uint32 hash to [0, 1). */
export function unitInterval(h: number): number {
  return h / TWO_POW_32;
}

/** A sequence of uniform [0, 1) numbers derived from `key`; the n-th draw is always the same. */
export function uniformSequence(key: number): () => number {
  let counter = 0;
  return () => unitInterval(counterHash(key, counter++));
}
