// The workflow bundle: everything exported here is a workflow type the worker registers.
export { seasonBackfill } from './season-backfill.js';
export { roundIngest } from './round-ingest.js';
export { driverSessionIngest } from './driver-session-ingest.js';
export { incrementalIngest } from './incremental-ingest.js';
