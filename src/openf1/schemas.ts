/**
 * zod schemas for OpenF1 records, one per endpoint.
 *
 * Field lists follow the OpenF1 documentation and the server's own document models
 * (br-g/openf1 `ingestor_livetiming/core/processing/collections`); nullability follows those
 * models and the real 2023/2024 exports (e.g. `stints.driver_number` and `pit.lap_number` are
 * null in real data). Fields documented for newer seasons but absent from older records
 * (`is_cancelled`, `lane_duration`, ...) and fields announced as deprecated are optional.
 * Unknown keys are stripped from the typed row; the exact server text stays available as `raw`.
 */
import { z } from 'zod';

const int = z.number().int();
/** OpenF1 instants: ISO 8601 with an explicit offset, e.g. `2023-09-15T13:08:19.923000+00:00`. */
const instant = z.iso.datetime({ offset: true });

const sessionScoped = { meeting_key: int, session_key: int };

const venue = {
  circuit_key: int,
  circuit_short_name: z.string(),
  country_code: z.string(),
  country_key: int,
  country_name: z.string(),
  date_start: instant,
  gmt_offset: z.string(),
  location: z.string(),
  meeting_key: int,
  year: int,
  is_cancelled: z.boolean().optional(),
};

export const MeetingSchema = z.object({
  ...venue,
  // Null for every 2023 meeting; no longer in the documented field list.
  meeting_code: z.string().nullable().optional(),
  meeting_name: z.string(),
  meeting_official_name: z.string(),
  date_end: instant.optional(),
  circuit_type: z.string().nullable().optional(),
  circuit_image: z.string().nullable().optional(),
  circuit_info_url: z.string().nullable().optional(),
  country_flag: z.string().nullable().optional(),
});

export const SessionSchema = z.object({
  ...venue,
  date_end: instant,
  session_key: int,
  session_name: z.string(),
  session_type: z.string(),
});

export const DriverSchema = z.object({
  ...sessionScoped,
  broadcast_name: z.string(),
  country_code: z.string().nullable().optional(), // deprecated upstream
  driver_number: int,
  first_name: z.string().nullable(),
  full_name: z.string(),
  headshot_url: z.string().nullable(),
  last_name: z.string().nullable(),
  name_acronym: z.string(),
  team_colour: z.string().nullable(),
  team_name: z.string().nullable(),
});

export const CarDataSchema = z.object({
  ...sessionScoped,
  date: instant,
  driver_number: int,
  brake: int.nullable(),
  drs: int.nullable(),
  n_gear: int.nullable(),
  rpm: int.nullable(),
  speed: int.nullable(),
  throttle: int.nullable(),
});

const miniSectors = z.array(int.nullable()).nullable();

export const LapSchema = z.object({
  ...sessionScoped,
  driver_number: int,
  lap_number: int,
  date_start: instant.nullable(),
  duration_sector_1: z.number().nullable(),
  duration_sector_2: z.number().nullable(),
  duration_sector_3: z.number().nullable(),
  i1_speed: int.nullable(),
  i2_speed: int.nullable(),
  st_speed: int.nullable(),
  is_pit_out_lap: z.boolean(),
  lap_duration: z.number().nullable(),
  segments_sector_1: miniSectors,
  segments_sector_2: miniSectors,
  segments_sector_3: miniSectors,
});

export const StintSchema = z.object({
  ...sessionScoped,
  compound: z.string().nullable(),
  driver_number: int.nullable(),
  lap_end: int,
  lap_start: int,
  stint_number: int,
  tyre_age_at_start: int.nullable(),
});

export const PitSchema = z.object({
  ...sessionScoped,
  date: instant.nullable(),
  driver_number: int,
  lap_number: int.nullable(),
  pit_duration: z.number().nullable().optional(), // deprecated upstream: same as lane_duration
  lane_duration: z.number().nullable().optional(),
  stop_duration: z.number().nullable().optional(), // only from the 2024 US GP onwards
});

export const LocationSchema = z.object({
  ...sessionScoped,
  date: instant,
  driver_number: int,
  x: int.nullable(),
  y: int.nullable(),
  z: int.nullable(),
});

export const WeatherSchema = z.object({
  ...sessionScoped,
  date: instant,
  air_temperature: z.number(),
  humidity: z.number(),
  pressure: z.number(),
  rainfall: int,
  track_temperature: z.number(),
  wind_direction: int,
  wind_speed: z.number(),
});
