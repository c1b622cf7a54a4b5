import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes the workflows upsert, so the Temporal UI's list filters by them, e.g.
 * `F1Season = 2023 AND F1Stage = "load"`. They must be registered on the namespace first:
 * the dev stack does it at start; production runs `f1-ingest setup`.
 */
export const F1Season = defineSearchAttributeKey('F1Season', SearchAttributeType.INT);
export const F1Meeting = defineSearchAttributeKey('F1Meeting', SearchAttributeType.INT);
export const F1Session = defineSearchAttributeKey('F1Session', SearchAttributeType.INT);
/** Keyword, not Int: the dev server's SQLite visibility store allows only 3 Int attributes. Car number as text, e.g. "44". */
export const F1Driver = defineSearchAttributeKey('F1Driver', SearchAttributeType.KEYWORD);
/** A unit's current stage: fetch (staged to bronze and converted to silver as it arrives), load (then reconcile), done, paused. */
export const F1Stage = defineSearchAttributeKey('F1Stage', SearchAttributeType.KEYWORD);

/** Name -> type, as `temporal server start-dev --search-attribute` and the operator API take them. */
export const SEARCH_ATTRIBUTES = {
  F1Season: 'Int',
  F1Meeting: 'Int',
  F1Session: 'Int',
  F1Driver: 'Keyword',
  F1Stage: 'Keyword',
} as const;
