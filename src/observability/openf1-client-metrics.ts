import type { ClientEvent } from '../openf1/events.js';
import type { IngestMetrics } from './metrics-registry.js';

/**
 * The OpenF1 client's `onEvent` hook, counting into `metrics`. Endpoints are labelled by name
 * (`car_data`, `sessions`, `token`), never by full URL, so label values stay few.
 */
export function countClientEvents(metrics: IngestMetrics): (event: ClientEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'response':
        metrics.apiRequests.inc({ endpoint: endpointOf(event.url), status_class: `${Math.floor(event.status / 100)}xx` });
        break;
      case 'throttled':
        metrics.apiThrottled.inc({ endpoint: endpointOf(event.url) });
        break;
      case 'retry':
        metrics.apiRetries.inc({ endpoint: endpointOf(event.url), error_type: event.errorType });
        break;
      case 'bisect':
        metrics.apiBisections.inc({ endpoint: event.endpoint });
        break;
      case 'token':
        metrics.apiTokens.inc();
        break;
      case 'request':
        // Counted when its response (api_requests) or failure (api_retries) is known.
        break;
    }
  };
}

/** Last path segment: `https://api.openf1.org/v1/car_data?session_key=1` -> `car_data`. */
function endpointOf(url: string): string {
  return new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
}
