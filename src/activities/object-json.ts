import type { z } from 'zod';
import type { ObjectStore } from '../storage/object-store.js';

/** Reads a small JSON object written by a previous stage, or null when it does not exist yet. */
export async function readJsonObject<S extends z.ZodType>(store: ObjectStore, key: string, schema: S): Promise<z.infer<S> | null> {
  if (!(await store.head(key))) return null;
  const text = (await store.getBytes(key)).toString('utf8');
  return schema.parse(JSON.parse(text));
}
