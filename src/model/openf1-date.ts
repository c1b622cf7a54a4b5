/**
 * OpenF1 dates look like `2023-09-15T13:08:19.923000+00:00` (microseconds, explicit offset),
 * sometimes without the fraction. Parsed by hand because Date keeps only milliseconds and
 * this runs once per telemetry row.
 */
const DATE_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export function parseOpenF1DateMicros(value: string): bigint {
  const m = DATE_RE.exec(value);
  if (!m) throw new RangeError(`not an OpenF1 date: ${JSON.stringify(value)} (expected e.g. 2023-09-15T13:08:19.923000+00:00)`);
  const seconds = Date.parse(`${m[1]}${m[3] === 'Z' ? 'Z' : m[3]}`) / 1000;
  const micros = m[2] ? Number(m[2].padEnd(6, '0').slice(0, 6)) : 0;
  return BigInt(seconds) * 1_000_000n + BigInt(micros);
}
