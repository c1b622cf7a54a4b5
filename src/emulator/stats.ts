/** Traffic counters of the API side (`/v1/*` and `/token`; admin calls are not counted). */
export interface EmulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  rowsServed: number;
  byEndpoint: Record<string, number>;
  /** Epoch ms of the first and the latest counted request (null before any), for achieved request rates. */
  firstRequestAt: number | null;
  lastRequestAt: number | null;
}

export class StatsRecorder {
  private stats = emptyStats();

  request(endpoint: string): void {
    this.stats.requests++;
    this.stats.byEndpoint[endpoint] = (this.stats.byEndpoint[endpoint] ?? 0) + 1;
    const now = Date.now();
    this.stats.firstRequestAt ??= now;
    this.stats.lastRequestAt = now;
  }

  status(status: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }

  rows(count: number): void {
    this.stats.rowsServed += count;
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = emptyStats();
  }
}

function emptyStats(): EmulatorStats {
  return { requests: 0, byStatus: {}, rowsServed: 0, byEndpoint: {}, firstRequestAt: null, lastRequestAt: null };
}
