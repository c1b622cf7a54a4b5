/** Public API of the OpenF1 client. */
export { OpenF1Client } from './client.js';
export type { ClientStats, OpenF1ClientOptions, TimeWindow, WindowedRequest } from './client.js';
export { endpoints } from './endpoints.js';
export type { EndpointDef, EndpointName, RecordOf, RowOf } from './endpoints.js';
export {
  OpenF1AuthError,
  OpenF1DataError,
  OpenF1Error,
  OpenF1HttpError,
  OpenF1TransportError,
  OpenF1UsageError,
  OpenF1WindowFloorError,
} from './errors.js';
export type { TransportFailure } from './errors.js';
export type { ClientEvent } from './events.js';
export { FILTER_OPS, FilterSchema, canonicalFilterKey, toQueryString } from './filters.js';
export type { Filter, FilterOp } from './filters.js';
export {
  CarDataSchema,
  DriverSchema,
  LapSchema,
  LocationSchema,
  MeetingSchema,
  PitSchema,
  SessionSchema,
  StintSchema,
  WeatherSchema,
} from './schemas.js';
export type { RateLimit } from './rate-limiter.js';
