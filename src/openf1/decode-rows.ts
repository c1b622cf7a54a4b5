/**
 * Response body bytes -> validated rows, one object at a time.
 *
 * Each object is JSON.parse'd and checked against its endpoint's schema as it arrives; the first
 * bad one stops the stream with an OpenF1DataError naming the row, field and value. A body that
 * ends early is a (retryable) truncation, not a data error.
 */
import type { z } from 'zod';
import { endpoints, type EndpointName, type RecordOf, type RowOf } from './endpoints.js';
import { OpenF1DataError, OpenF1TransportError } from './errors.js';
import { JsonArraySplitter, JsonArrayStreamError, splitJsonArray } from './json-array-stream.js';
import { detailOf, isNoResultsDetail } from './transport.js';

const MAX_VALUE_CHARS = 100;

export async function* decodeRows<E extends EndpointName>(
  endpoint: E,
  url: string,
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<RowOf<E>> {
  const schema: z.ZodType = endpoints[endpoint].schema;
  let index = 0;
  for await (const raw of structureChecked(endpoint, url, splitJsonArray(chunks))) {
    yield { raw, row: parseRow(schema, raw, { endpoint, url, index }) as RecordOf<E>, index };
    index++;
  }
}

/**
 * The rows as NDJSON, one batch per body chunk: each row's exact bytes and a newline, never
 * decoded, for bulk staging, whose own decoder checks every value later (a parse here would be
 * work done twice).
 */
export async function* ndjsonBatches(endpoint: EndpointName, url: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<NdjsonBatch> {
  async function* batches(): AsyncGenerator<NdjsonBatch> {
    const splitter = new JsonArraySplitter();
    for await (const chunk of chunks) {
      const batch = splitter.pushNdjson(chunk);
      if (batch.rows > 0) yield batch;
    }
    splitter.end();
  }
  yield* structureChecked(endpoint, url, batches());
}

export interface NdjsonBatch {
  ndjson: Buffer;
  rows: number;
}

/** Maps the splitter's errors: a short body is a (retryable) truncation, anything else bad data. */
async function* structureChecked<T>(endpoint: EndpointName, url: string, items: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (error) {
    if (!(error instanceof JsonArrayStreamError)) throw error;
    if (error.kind === 'truncated') throw new OpenF1TransportError({ url, failure: 'truncated', message: error.message });
    // OpenF1 sometimes answers an empty result with 200 and a {"detail": "No results found."} object.
    if (error.kind === 'not-array' && isNoResultsDetail(detailOf(error.document ?? ''))) return;
    throw new OpenF1DataError({ url, endpoint, rowIndex: error.elementIndex, reason: error.message });
  }
}

function parseRow(schema: z.ZodType, raw: string, at: { endpoint: string; url: string; index: number }): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new OpenF1DataError({ ...at, rowIndex: at.index, reason: `invalid JSON (${(error as Error).message})` });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const bad = valueAt(value, issue.path);
  const shown = bad === undefined ? 'nothing (field missing)' : truncate(JSON.stringify(bad));
  throw new OpenF1DataError({
    ...at,
    rowIndex: at.index,
    field: issue.path.length > 0 ? formatPath(issue.path) : undefined,
    value: bad,
    reason: issue.code === 'invalid_type' ? `expected ${issue.expected}, got ${shown}` : `${issue.message}, got ${shown}`,
  });
}

/** `["segments_sector_1", 3]` -> `segments_sector_1[3]`. */
function formatPath(path: PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`)).join('');
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function truncate(text: string): string {
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}...` : text;
}
