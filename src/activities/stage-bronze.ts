import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { z } from 'zod';
import type { OpenF1Client } from '../openf1/client.js';
import type { Filter } from '../openf1/filters.js';
import { BronzeManifestSchema, BronzePartSchema, type BronzeManifest, type BronzePart, type BronzeResult } from '../model/stage-results.js';
import { unitId, unitPrefix, type Unit } from '../model/unit.js';
import type { ObjectStore } from '../storage/object-store.js';
import { keepAlive } from './keep-alive.js';
import { readJsonObject } from './object-json.js';

/**
 * The parts already committed. Sent as heartbeat details (a retried attempt resumes after them) and
 * written beside the parts as `_progress.json`, because a fetch cancelled by a pause is resumed by
 * a new activity, which gets no heartbeat details.
 */
const StageProgressSchema = z.object({ parts: z.array(BronzePartSchema), apiRequests: z.number().int() });
type StageProgress = z.infer<typeof StageProgressSchema>;

/**
 * gzip level of bronze parts. Level 1 compresses telemetry NDJSON ~10% less than the default 6 and
 * runs several times faster: at 6, deflate was the largest single cost of a whole round (profiled).
 */
const GZIP_LEVEL = 1;

export function unitApiFilters(unit: Unit): Filter[] {
  return [
    { field: 'session_key', op: '=', value: unit.sessionKey },
    { field: 'driver_number', op: '=', value: unit.driverNumber },
    ...unit.filters,
  ];
}

export function bronzeManifestKey(unit: Unit): string {
  return `${unitPrefix('bronze', unit)}/_manifest.json`;
}

function progressKey(unit: Unit): string {
  return `${unitPrefix('bronze', unit)}/_progress.json`;
}

function treeHash(parts: BronzePart[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p.sha256);
  return h.digest('hex');
}

/**
 * Sees the bronze bytes as they are staged (convert decodes them on the way): the parts already
 * committed by an earlier attempt, then each part's bytes. A part may start again from its first
 * byte (a retried response), after `abortPart`.
 */
export interface BronzeTap {
  /** `heartbeat` keeps the activity alive (with its progress) while the tap reads them. */
  committedParts(parts: readonly BronzePart[], heartbeat: () => void): Promise<void>;
  beginPart(key: string): void;
  push(chunk: Uint8Array, rows: number): void;
  endPart(): void;
  abortPart(): void;
}

/** What staging found or wrote: the committed manifest and whether this call fetched it. */
export interface StagedBronze {
  manifest: BronzeManifest;
  result: BronzeResult;
}

/**
 * Fetch + stage (bronze): streams the unit's filtered car_data straight into gzip NDJSON parts,
 * one per fetched time window, byte-for-byte the API's rows in the API's order. The manifest is
 * written last and is the commit point; a retry after a crash resumes from the heartbeat. Runs
 * inside an activity (it heartbeats its progress).
 */
export async function stageBronze(deps: { openf1: OpenF1Client; store: ObjectStore }, unit: Unit, tap: BronzeTap): Promise<StagedBronze> {
  const started = Date.now();
  const ctx = Context.current();
  const manifestKey = bronzeManifestKey(unit);
  const prefix = unitPrefix('bronze', unit);
  // One listing says what three requests did: whether the unit is committed, whether a stopped
  // attempt left a progress file, and which parts earlier attempts left.
  const found = new Set((await deps.store.list(`${prefix}/`)).map((o) => o.key));
  if (found.has(manifestKey)) {
    const committed = await readJsonObject(deps.store, manifestKey, BronzeManifestSchema);
    await tap.committedParts(committed.parts, () => ctx.heartbeat());
    return { manifest: committed, result: summarize(manifestKey, committed, false, started) };
  }

  let progressFileExists = found.has(progressKey(unit));
  const fromHeartbeat = StageProgressSchema.safeParse(ctx.info.heartbeatDetails);
  const progress: StageProgress = fromHeartbeat.success
    ? fromHeartbeat.data
    : progressFileExists
      ? await readJsonObject(deps.store, progressKey(unit), StageProgressSchema)
      : { parts: [], apiRequests: 0 };
  await tap.committedParts(progress.parts, () => ctx.heartbeat(progress));
  const from = progress.parts.at(-1)?.to ?? unit.dateStart;
  const filters = unitApiFilters(unit);

  if (Date.parse(from) < Date.parse(unit.dateEnd)) {
    const fetched = deps.openf1.fetchWindowedNdjson(
      { endpoint: 'car_data', filters, from, to: unit.dateEnd, windowKey: unit.sessionType },
      async (window, batches) => {
        const key = `${prefix}/part-${Date.parse(window.from)}.ndjson.gz`;
        const hash = createHash('sha256');
        let count = 0;
        let bytes = 0;
        // Rows are not parsed here; the tap (convert) decodes the same bytes, once.
        // Whole batches, not rows, cross each async boundary.
        async function* ndjson() {
          for await (const { ndjson: chunk, rows } of batches) {
            hash.update(chunk);
            bytes += chunk.length;
            count += rows;
            tap.push(chunk, rows);
            yield chunk;
          }
        }
        tap.beginPart(key);
        try {
          // pipeline (not .pipe) so a failing or cancelled source errors the upload instead of crashing the worker.
          const gzip = createGzip({ level: GZIP_LEVEL });
          await Promise.all([pipeline(Readable.from(ndjson()), gzip), deps.store.put(key, gzip, { contentType: 'application/x-ndjson' })]);
        } catch (err) {
          tap.abortPart();
          throw err;
        }
        tap.endPart();
        progress.parts.push({ key, from: window.from, to: window.to, rows: count, bytes, sha256: hash.digest('hex') });
        // After the last window the manifest is written at once: a heartbeat or progress file
        // would be superseded unread, and cost a server write and two requests on every unit
        // (most are one window). An attempt stopped in between fetches that window again.
        if (window.to !== unit.dateEnd) {
          ctx.heartbeat(progress);
          await deps.store.put(progressKey(unit), JSON.stringify(progress), { contentType: 'application/json' });
          progressFileExists = true;
        }
      },
      { signal: ctx.cancellationSignal },
    );
    // Heartbeats on a timer, not per row: a window's request can wait long for its first byte.
    const result = await keepAlive(fetched, () => progress);
    progress.apiRequests += result.requests;
  }

  const manifest: BronzeManifest = {
    schemaVersion: 1,
    unitId: unitId(unit),
    sourceUrl: deps.openf1.url('car_data', filters),
    filters: unit.filters,
    fetchedAt: new Date().toISOString(),
    rows: progress.parts.reduce((n, p) => n + p.rows, 0),
    sha256: treeHash(progress.parts),
    apiRequests: progress.apiRequests,
    parts: progress.parts,
  };
  await removeStrayParts(deps.store, [...found].filter((key) => key.startsWith(`${prefix}/part-`)), manifest);
  await deps.store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: 'application/json' });
  if (progressFileExists) await deps.store.delete(progressKey(unit));
  return { manifest, result: summarize(manifestKey, manifest, true, started) };
}

/**
 * Parts an earlier attempt left beyond its last heartbeat (e.g. from a window since split) are not
 * in the manifest: drop them. The parts this attempt wrote are all in it.
 */
async function removeStrayParts(store: ObjectStore, earlierParts: readonly string[], manifest: BronzeManifest): Promise<void> {
  const keep = new Set(manifest.parts.map((p) => p.key));
  for (const key of earlierParts) {
    if (!keep.has(key)) await store.delete(key);
  }
}

function summarize(manifestKey: string, m: BronzeManifest, fetched: boolean, started: number): BronzeResult {
  return {
    manifestKey,
    rows: m.rows,
    bytes: m.parts.reduce((n, p) => n + p.bytes, 0),
    sha256: m.sha256,
    apiRequests: m.apiRequests,
    fetched,
    durationMs: Date.now() - started,
  };
}
