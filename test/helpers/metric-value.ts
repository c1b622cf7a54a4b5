import assert from 'node:assert/strict';
import type { IngestMetrics } from '../../src/observability/metrics-registry.js';

/** Sum of a metric's samples whose labels include `labels`. */
export async function metricValue(metrics: IngestMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  assert.ok(metric, `metric ${name} exists`);
  return metric.values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((n, v) => n + v.value, 0);
}
