import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Stage activities run from milliseconds (a skipped unit) to many minutes (a whole season's session). */
const ACTIVITY_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * f1-ingest's own Prometheus series, in a registry of their own (the Temporal SDK's series come
 * from core's exporter; metrics-server.ts serves both). Names carry the `f1_ingest_` prefix so
 * they never collide with core's `temporal_` ones.
 */
export class IngestMetrics {
  readonly registry = new Registry();

  readonly rowsFetched = new Counter({
    name: 'f1_ingest_rows_fetched_total',
    help: 'car_data rows fetched from OpenF1 and staged to bronze (units whose bronze was already committed are not fetched again)',
    registers: [this.registry],
  });

  readonly rowsLoaded = new Counter({
    name: 'f1_ingest_rows_loaded_total',
    help: 'car_data rows written to ClickHouse (inserted or replaced units; units found already loaded add nothing)',
    registers: [this.registry],
  });

  readonly warehouseLoads = new Counter({
    name: 'f1_ingest_warehouse_loads_total',
    help: 'Units through loadWarehouse, by what it did: inserted, replaced (partial or stale load rewritten), present (already loaded identically), empty',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  readonly bytesStaged = new Counter({
    name: 'f1_ingest_bytes_staged_total',
    help: 'Bytes staged per layer: bronze = uncompressed NDJSON of newly fetched units, silver = Parquet written',
    labelNames: ['layer'] as const,
    registers: [this.registry],
  });

  readonly apiRequests = new Counter({
    name: 'f1_ingest_api_requests_total',
    help: 'OpenF1 responses by endpoint and status class (attempts that got no response count as retries)',
    labelNames: ['endpoint', 'status_class'] as const,
    registers: [this.registry],
  });

  readonly apiThrottled = new Counter({
    name: 'f1_ingest_api_throttled_total',
    help: 'OpenF1 429 answers waited out',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly apiRetries = new Counter({
    name: 'f1_ingest_api_retries_total',
    help: 'OpenF1 requests repeated after a retryable failure, by the failure',
    labelNames: ['endpoint', 'error_type'] as const,
    registers: [this.registry],
  });

  readonly apiBisections = new Counter({
    name: 'f1_ingest_api_bisections_total',
    help: 'Time windows split in two because OpenF1 found them too large',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });

  readonly apiTokens = new Counter({
    name: 'f1_ingest_api_tokens_total',
    help: 'OAuth2 tokens obtained from OpenF1 (about one an hour when healthy)',
    registers: [this.registry],
  });

  readonly activityFailures = new Counter({
    name: 'f1_ingest_activity_failures_total',
    help: 'Activity attempts that failed, by activity and error type (Temporal may retry them)',
    labelNames: ['activity', 'error_type'] as const,
    registers: [this.registry],
  });

  readonly activityDuration = new Histogram({
    name: 'f1_ingest_activity_duration_seconds',
    help: 'Wall time of each activity attempt, by activity and outcome (success or failure)',
    labelNames: ['activity', 'outcome'] as const,
    buckets: ACTIVITY_SECONDS_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    // Node's heap, event-loop lag and GC under their conventional names, for the worker process.
    collectDefaultMetrics({ register: this.registry });
  }
}

let shared: IngestMetrics | undefined;

/**
 * The process's metrics: a Prometheus registry describes one process, as the Temporal Runtime
 * does, so every worker and OpenF1 client in the process counts into the same series.
 */
export function processMetrics(): IngestMetrics {
  shared ??= new IngestMetrics();
  return shared;
}
