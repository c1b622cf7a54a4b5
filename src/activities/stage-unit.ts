import type { StagedUnit } from '../model/stage-results.js';
import type { Unit } from '../model/unit.js';
import type { OpenF1Client } from '../openf1/client.js';
import type { ObjectStore } from '../storage/object-store.js';
import { SilverBuilder } from './convert-silver.js';
import { stageBronze } from './stage-bronze.js';

export function createStageUnitActivity(deps: { openf1: OpenF1Client; store: ObjectStore }) {
  /**
   * Extract and normalize in one pass over the bytes: each fetched batch is staged to bronze and
   * decoded into silver columns as it arrives; when bronze is committed, silver's Parquet is written.
   * Parts staged by an earlier attempt (or an earlier run) are decoded from bronze. One activity
   * instead of two saves a read-back and gunzip of every bronze byte and a round of Temporal tasks.
   */
  return async function stageUnit(unit: Unit): Promise<StagedUnit> {
    const silver = new SilverBuilder();
    const staged = await stageBronze(deps, unit, {
      committedParts: (parts, heartbeat) => silver.pushStoredParts(deps.store, parts, heartbeat),
      beginPart: (key) => silver.beginPart(key),
      push: (chunk, rows) => silver.push(chunk, rows),
      endPart: () => silver.endPart(),
      abortPart: () => silver.abortPart(),
    });
    // Convert ran inside the fetch: bronze's duration is the stage's time without convert's share.
    const bronze = { ...staged.result, durationMs: Math.max(0, Math.round(staged.result.durationMs - silver.busyMs)) };
    const silverResult = await silver.write(deps.store, unit, staged.result.manifestKey, staged.manifest.rows);
    return { bronze, silver: silverResult };
  };
}
