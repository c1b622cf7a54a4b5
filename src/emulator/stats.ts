/** Traffic counters of the API side (`/v1/*` and `/token`; admin calls are not counted). */
export interface EmulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  rowsServed: number;
  byEndpoint: Record<string, number>;
}

export class StatsRecorder {
  private stats = emptyStats();

  request(endpoint: string): void {
    this.stats.requests++;
    this.stats.byEndpoint[endpoint] = (this.stats.byEndpoint[endpoint] ?? 0) + 1;
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
  return { requests: 0, byStatus: {}, rowsServed: 0, byEndpoint: {} };
}
