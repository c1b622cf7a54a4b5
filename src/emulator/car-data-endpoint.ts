/**
 * `/v1/car_data`: the decisions taken before any body byte is sent, then the streamed body.
 *
 * 1. Only "no data" sessions selected (fault) -> that status, `{"detail": "No results found."}`.
 * 2. Estimated scan time (scanned rows / scan rate) over the time budget -> after waiting the
 *    budget, 500 with the reference's error page for a database timeout (`util/db.py` runs every
 *    query with `maxTimeMS`, and `query_api/app.py` turns the exception into a 500). An unfiltered
 *    car_data query scans all telemetry, so it ends here (or at step 3 with a huge budget): it is
 *    refused, as by the real API.
 * 3. Result size over `maxRows` -> 422 "too much data". The scanned-row count is an exact upper
 *    bound of the result; only when it exceeds the cap is a counting pass run (generation without
 *    serialisation), stopping at `maxRows + 1`.
 * 4. 200, rows streamed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CalendarData } from './calendar-data.js';
import { CarDataJsonRows, MAX_CAR_DATA_ROW_BYTES } from './car-data-json.js';
import { CarDataCursor, countRows, planCarDataQuery } from './car-data-query.js';
import { OpenF1Exception } from './errors.js';
import type { FaultInjector } from './faults.js';
import { streamJsonArray } from './json-stream.js';
import type { ParsedQuery } from './query-params.js';
import { detailReply, exceptionReply, streamReply, type Reply } from './responses.js';

export const NO_RESULTS_DETAIL = 'No results found.';

export interface CarDataContext {
  readonly data: CalendarData;
  readonly seed: number;
  readonly maxRows: number;
  readonly timeBudgetMs: number;
  readonly scanRowsPerSecond: number;
  readonly faults: FaultInjector;
  readonly onRowsWritten: (rows: number) => void;
  /** Aborted when the server closes, to cut the time-budget wait short. */
  readonly signal: AbortSignal;
}

export async function carDataReply(ctx: CarDataContext, query: ParsedQuery, truncate: boolean): Promise<Reply> {
  const plan = planCarDataQuery(ctx.data, query, { seed: ctx.seed, noDataSessions: ctx.faults.noDataSessions });
  if (plan.onlyNoDataSessions) return detailReply(ctx.faults.noDataStatus, NO_RESULTS_DETAIL);

  if ((plan.scannedRows / ctx.scanRowsPerSecond) * 1000 > ctx.timeBudgetMs) {
    await sleep(ctx.timeBudgetMs, undefined, { signal: ctx.signal });
    return exceptionReply(
      new OpenF1Exception('pymongo.errors.ExecutionTimeout', 'operation exceeded time limit'),
    );
  }

  if (plan.scannedRows > ctx.maxRows && countRows(plan, ctx.maxRows) > ctx.maxRows) {
    return detailReply(
      422,
      `Too much data requested: the result exceeds ${ctx.maxRows} rows. ` +
        'Split the query into smaller time windows (date>=...&date<...) or filter by driver_number.',
    );
  }

  return streamReply((res) =>
    streamJsonArray(res, new CarDataJsonRows(new CarDataCursor(plan), ctx.faults), {
      maxRowBytes: MAX_CAR_DATA_ROW_BYTES,
      truncateAtRow: truncate ? Math.floor(plan.scannedRows / 2) : undefined,
      onRowsWritten: ctx.onRowsWritten,
    }),
  );
}
