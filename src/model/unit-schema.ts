import { z } from 'zod';
import { FilterSchema } from '../openf1/filters.js';

/**
 * A unit of ingestion: one driver's car_data for one session under one filter set.
 * Everything that identifies it is a number or a validated filter, so object keys and
 * workflow IDs built from it cannot contain path tricks.
 */
export const UnitSchema = z.object({
  season: z.number().int(),
  /** `r01`..`r24` for championship rounds, `t1`.. for pre-season tests. */
  roundLabel: z.string().regex(/^(r\d{2}|t\d)$/),
  meetingKey: z.number().int().positive(),
  sessionKey: z.number().int().positive(),
  sessionName: z.string(),
  sessionType: z.string(),
  driverNumber: z.number().int().min(1).max(99),
  dateStart: z.string(),
  dateEnd: z.string(),
  filters: z.array(FilterSchema),
  /** Canonical filter key, e.g. `speed>=100` ('' = unfiltered); part of the unit's identity. */
  filterKey: z.string(),
});
export type Unit = z.infer<typeof UnitSchema>;
