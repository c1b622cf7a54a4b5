/** Filtering of the real metadata records (meetings, sessions, drivers, stints, pit). */
import type { MetadataCollection } from './calendar-data.js';
import { compileFieldMatcher, type Matcher } from './filter-match.js';
import type { ParsedQuery } from './query-params.js';

/** The records matching every field's filters, in the reference's result order. */
export function queryMetadata(collection: MetadataCollection, query: ParsedQuery): object[] {
  const matchers: [string, Matcher][] = [];
  for (const [field, params] of query) {
    const kind = collection.kinds.get(field);
    // A field no record has (or only ever null) matches nothing, as in MongoDB.
    if (kind === undefined) return [];
    matchers.push([field, compileFieldMatcher(params, kind)]);
  }
  return collection.records.filter((_, i) => {
    const typed = collection.typed[i];
    return matchers.every(([field, match]) => {
      const value = typed[field];
      return value !== null && value !== undefined && match(value);
    });
  });
}
