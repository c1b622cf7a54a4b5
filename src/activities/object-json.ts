import type { z } from 'zod';
import type { ObjectStore } from '../storage/object-store.js';

/** Reads a small JSON object written by a previous stage, which a listing has shown exists. */
export async function readJsonObject<S extends z.ZodType>(store: ObjectStore, key: string, schema: S): Promise<z.infer<S>> {
  const text = (await store.getBytes(key)).toString('utf8');
  return schema.parse(JSON.parse(text));
}
