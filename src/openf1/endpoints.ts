/**
 * Registry of the OpenF1 endpoints this project reads. Supporting another endpoint is a schema in
 * schemas.ts plus one line here.
 *
 * `timeField` is the instant field `fetchWindowed` cuts windows on (`null`: not windowable).
 */
import type { z } from 'zod';
import {
  CarDataSchema,
  DriverSchema,
  LapSchema,
  LocationSchema,
  MeetingSchema,
  PitSchema,
  SessionSchema,
  StintSchema,
  WeatherSchema,
} from './schemas.js';

export interface EndpointDef {
  path: string;
  schema: z.ZodType;
  timeField: string | null;
}

export const endpoints = {
  meetings: { path: 'meetings', schema: MeetingSchema, timeField: 'date_start' },
  sessions: { path: 'sessions', schema: SessionSchema, timeField: 'date_start' },
  drivers: { path: 'drivers', schema: DriverSchema, timeField: null },
  car_data: { path: 'car_data', schema: CarDataSchema, timeField: 'date' },
  laps: { path: 'laps', schema: LapSchema, timeField: 'date_start' },
  stints: { path: 'stints', schema: StintSchema, timeField: null },
  pit: { path: 'pit', schema: PitSchema, timeField: 'date' },
  location: { path: 'location', schema: LocationSchema, timeField: 'date' },
  weather: { path: 'weather', schema: WeatherSchema, timeField: 'date' },
} as const satisfies Record<string, EndpointDef>;

export type EndpointName = keyof typeof endpoints;
export type RecordOf<E extends EndpointName> = z.infer<(typeof endpoints)[E]['schema']>;
/** One streamed row: the exact JSON text the server sent, the validated record and its 0-based position. */
export interface RowOf<E extends EndpointName> {
  raw: string;
  row: RecordOf<E>;
  index: number;
}
