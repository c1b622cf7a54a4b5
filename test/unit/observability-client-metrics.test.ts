import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmulator } from '../../src/emulator/index.js';
import { IngestMetrics } from '../../src/observability/metrics-registry.js';
import { countClientEvents } from '../../src/observability/openf1-client-metrics.js';
import { OpenF1Client } from '../../src/openf1/client.js';
import { metricValue } from '../helpers/metric-value.js';


test('each client event lands in its counter, labelled by endpoint name and status class', async () => {
  const metrics = new IngestMetrics();
  const count = countClientEvents(metrics);
  const url = 'https://api.openf1.org/v1/car_data?session_key=7953&driver_number=1&speed>=100';
  count({ type: 'request', url });
  count({ type: 'response', url, status: 200, durationMs: 120 });
  count({ type: 'response', url, status: 204, durationMs: 120 });
  count({ type: 'response', url, status: 429, durationMs: 3 });
  count({ type: 'response', url: 'https://api.openf1.org/v1/sessions?meeting_key=1141', status: 503, durationMs: 3 });
  count({ type: 'throttled', url, waitMs: 1000 });
  count({ type: 'retry', url, attempt: 1, delayMs: 900, errorType: 'OpenF1TransportError', error: 'reset' });
  count({ type: 'bisect', endpoint: 'car_data', from: '2023-03-05T15:00:00Z', to: '2023-03-05T17:00:00Z', windowMs: 3_600_000, error: '422' });
  count({ type: 'token', url: 'https://api.openf1.org/token', expiresInMs: 3_600_000 });

  assert.equal(await metricValue(metrics, 'f1_ingest_api_requests_total', { endpoint: 'car_data', status_class: '2xx' }), 2);
  assert.equal(await metricValue(metrics, 'f1_ingest_api_requests_total', { endpoint: 'car_data', status_class: '4xx' }), 1);
  assert.equal(await metricValue(metrics, 'f1_ingest_api_requests_total', { endpoint: 'sessions', status_class: '5xx' }), 1);
  assert.equal(await metricValue(metrics, 'f1_ingest_api_requests_total'), 4, 'a request is counted once, at its response');
  assert.equal(await metricValue(metrics, 'f1_ingest_api_throttled_total', { endpoint: 'car_data' }), 1);
  assert.equal(await metricValue(metrics, 'f1_ingest_api_retries_total', { endpoint: 'car_data', error_type: 'OpenF1TransportError' }), 1);
  assert.equal(await metricValue(metrics, 'f1_ingest_api_bisections_total', { endpoint: 'car_data' }), 1);
  assert.equal(await metricValue(metrics, 'f1_ingest_api_tokens_total'), 1);
});

test("a real client against a faulty emulator: the counters agree with the client's own stats", { timeout: 60_000 }, async () => {
  const emulator = await startEmulator({
    auth: { username: 'metrics', password: 'metrics-pass' },
    // ~6,000 rows in the half hour fetched below: 422 until windows are cut to a quarter.
    maxRows: 2_000,
    faults: { seed: 3, errorRate: 0.4, errorStatuses: [502, 503], rateLimit: { requests: 4, perMs: 1_000 } },
  });
  try {
    const metrics = new IngestMetrics();
    const client = new OpenF1Client({
      baseUrl: emulator.url,
      rateLimit: false,
      retryBaseDelayMs: 1,
      maxAttempts: 10,
      auth: { username: 'metrics', password: 'metrics-pass' },
      onEvent: countClientEvents(metrics),
    });
    let rows = 0;
    await client.fetchWindowed(
      { endpoint: 'car_data', filters: [{ field: 'session_key', op: '=', value: 7953 }, { field: 'driver_number', op: '=', value: 1 }], from: '2023-03-05T15:00:00Z', to: '2023-03-05T15:30:00Z' },
      async (_window, windowRows) => {
        for await (const { row } of windowRows) if (row.session_key === 7953) rows += 1;
      },
    );
    const stats = client.stats();
    assert.ok(rows > 2_000, `${rows} rows`);
    assert.ok(stats.bisections >= 2 && stats.retries > 0 && stats.throttled > 0, JSON.stringify(stats));

    assert.equal(await metricValue(metrics, 'f1_ingest_api_requests_total'), stats.requests, 'token requests are counted as tokens, not API requests');
    assert.equal(await metricValue(metrics, 'f1_ingest_api_requests_total', { endpoint: 'car_data' }), stats.requests);
    assert.equal(await metricValue(metrics, 'f1_ingest_api_requests_total', { endpoint: 'car_data', status_class: '5xx' }), stats.retries);
    assert.equal(await metricValue(metrics, 'f1_ingest_api_retries_total', { endpoint: 'car_data', error_type: 'OpenF1HttpError' }), stats.retries);
    assert.equal(await metricValue(metrics, 'f1_ingest_api_throttled_total', { endpoint: 'car_data' }), stats.throttled);
    assert.equal(await metricValue(metrics, 'f1_ingest_api_bisections_total', { endpoint: 'car_data' }), stats.bisections);
    assert.equal(await metricValue(metrics, 'f1_ingest_api_tokens_total'), 1);
  } finally {
    await emulator.close();
  }
});
