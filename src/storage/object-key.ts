import { InvalidObjectKeyError } from './object-store-errors.js';

// S3's limit for a whole key; an S3 store's prefix comes on top, which S3 itself then enforces.
const MAX_KEY_BYTES = 1024;

// The charset keeps keys usable unescaped as file paths, in path-style URLs and inside ClickHouse
// file()/s3() paths, where `*`, `?`, `{}` and `,` would be read as globs. `=` allows Hive-style
// partition segments such as `season=2023`.
const SEGMENT_CHARS = /^[A-Za-z0-9._=-]+$/;

/** The first rule `key` breaks, in words, or undefined when it is a valid object key. */
export function brokenKeyRule(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.includes('\\')) return 'must not contain backslashes (use "/" as separator)';
  if (key.startsWith('/')) return 'must be relative (no leading "/")';
  if (key.endsWith('/')) return 'must name an object, not a directory (no trailing "/")';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `must be at most ${MAX_KEY_BYTES} bytes`;
  for (const segment of key.split('/')) {
    if (segment.length === 0) return 'must not contain empty segments ("//")';
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments';
    // The file backend writes in-progress objects as dot-files next to their target.
    if (segment.startsWith('.')) return 'segments must not start with "." (reserved for in-progress writes)';
    if (!SEGMENT_CHARS.test(segment)) return 'may only contain letters, digits, "/", ".", "_", "-" and "="';
  }
  return undefined;
}

/** Returns `key` when it is a valid object key, else throws InvalidObjectKeyError naming the rule. */
export function validateKey(key: string): string {
  const rule = brokenKeyRule(key);
  if (rule !== undefined) throw new InvalidObjectKeyError(key, rule);
  return key;
}

/**
 * Returns `prefix` when it is a valid list prefix: empty (everything), or a key, or a key followed by
 * "/". Prefixes match by string, like S3: `a/part-` matches `a/part-0.ndjson.gz`.
 */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const rule = brokenKeyRule(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  if (rule !== undefined) throw new InvalidObjectKeyError(prefix, `prefix ${rule}`);
  return prefix;
}

/** Orders listings by key. Keys are ASCII, so code-unit order equals S3's UTF-8 byte order. */
export function compareKeys(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
