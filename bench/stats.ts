/** Median and spread of repeated measurements: machine noise is real, one run is an anecdote. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median: how far apart the runs were. */
  spread: number;
}

export function summarize(values: number[]): Summary {
  if (values.length === 0) throw new Error('no values to summarize');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const [min, max] = [sorted[0], sorted.at(-1)!];
  return { median, min, max, spread: median === 0 ? 0 : (max - min) / median };
}

/** Summaries of every numeric field that all runs share. */
export function summarizeRuns<T extends Record<string, number>>(runs: T[]): Record<keyof T, Summary> {
  const keys = Object.keys(runs[0]) as Array<keyof T>;
  return Object.fromEntries(keys.map((k) => [k, summarize(runs.map((r) => r[k]))])) as Record<keyof T, Summary>;
}
