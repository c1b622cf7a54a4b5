import { z } from 'zod';
import { UnitSchema } from './unit-schema.js';

/** What a scheduled incremental run carries to the next (its completion result): no other state store. */
export const CarriedStateSchema = z.object({ watermark: z.string(), retry: z.array(UnitSchema) });
export type CarriedState = z.infer<typeof CarriedStateSchema>;
