import { driverSessionStatsSelect } from './unit-tables.js';
import type { Warehouse } from './warehouse-client.js';

/**
 * Idempotent DDL for every table f1-ingest writes. The database name comes from validated config
 * (an identifier), so it is interpolated; every value elsewhere goes through query parameters.
 */
function statements(db: string): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    // Telemetry, ordered for per-(session, driver) time-range reads. A unit is one
    // (session, driver, filter set): filter_key keeps differently filtered loads apart.
    // The dedup window lets a retried insert with the same token be dropped by the engine.
    `CREATE TABLE IF NOT EXISTS ${db}.car_data (
      session_key UInt32,
      meeting_key UInt32,
      driver_number UInt8,
      filter_key LowCardinality(String),
      date DateTime64(6, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
      speed UInt16 CODEC(Delta, ZSTD(1)),
      rpm UInt16 CODEC(Delta, ZSTD(1)),
      n_gear UInt8 CODEC(ZSTD(1)),
      throttle UInt8 CODEC(ZSTD(1)),
      brake UInt8 CODEC(ZSTD(1)),
      drs UInt8 CODEC(ZSTD(1))
    ) ENGINE = MergeTree
    PARTITION BY toYYYYMM(date)
    ORDER BY (session_key, driver_number, filter_key, date)
    SETTINGS non_replicated_deduplication_window = 10000`,
    `CREATE TABLE IF NOT EXISTS ${db}.meetings (
      meeting_key UInt32, year UInt16, meeting_name String, meeting_official_name Nullable(String),
      meeting_code Nullable(String), circuit_key Nullable(UInt32), circuit_short_name Nullable(String),
      country_code Nullable(String), country_key Nullable(UInt32), country_name Nullable(String),
      location Nullable(String), gmt_offset Nullable(String), date_start Nullable(DateTime64(3, 'UTC')),
      ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(ingested_at) ORDER BY meeting_key`,
    `CREATE TABLE IF NOT EXISTS ${db}.sessions (
      session_key UInt32, meeting_key UInt32, year UInt16, session_name String, session_type Nullable(String),
      date_start Nullable(DateTime64(3, 'UTC')), date_end Nullable(DateTime64(3, 'UTC')),
      circuit_short_name Nullable(String), country_name Nullable(String), location Nullable(String), gmt_offset Nullable(String),
      ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(ingested_at) ORDER BY session_key`,
    `CREATE TABLE IF NOT EXISTS ${db}.drivers (
      session_key UInt32, meeting_key UInt32, driver_number UInt8, broadcast_name Nullable(String),
      full_name Nullable(String), first_name Nullable(String), last_name Nullable(String), name_acronym Nullable(String),
      team_name Nullable(String), team_colour Nullable(String), country_code Nullable(String), headshot_url Nullable(String),
      ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(ingested_at) ORDER BY (session_key, driver_number)`,
    // One row per reconciled unit: the audit trail that bronze = silver = ClickHouse.
    `CREATE TABLE IF NOT EXISTS ${db}.ingest_log (
      unit_id String, season UInt16, meeting_key UInt32, session_key UInt32, driver_number UInt8,
      filter_key LowCardinality(String), status LowCardinality(String),
      bronze_rows UInt64, silver_rows UInt64, warehouse_rows UInt64, bronze_sha256 String,
      api_requests UInt32, staged_bytes UInt64, fetch_ms UInt32, convert_ms UInt32, load_ms UInt32,
      workflow_id String, run_id String, logged_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = MergeTree ORDER BY (session_key, driver_number, filter_key, logged_at)`,
    // Gold: per (session, driver, filter set) stats, rewritten by each load; read with FINAL.
    `CREATE TABLE IF NOT EXISTS ${db}.driver_session_stats (
      session_key UInt32, meeting_key UInt32, driver_number UInt8, filter_key LowCardinality(String),
      samples UInt64, max_speed UInt16, avg_speed Float64, full_throttle_share Float64,
      braking_events UInt32, drs_share Float64,
      first_sample DateTime64(6, 'UTC'), last_sample DateTime64(6, 'UTC'),
      updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(updated_at) ORDER BY (session_key, driver_number, filter_key)`,
    // Gold is written by the engine with each insert into car_data (one insert = one whole unit),
    // instead of by a second statement per unit that read the unit back.
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.driver_session_stats_mv TO ${db}.driver_session_stats
      AS ${driverSessionStatsSelect(`${db}.car_data`)}`,
  ];
}

export async function migrate(wh: Warehouse): Promise<void> {
  for (const query of statements(wh.database)) await wh.client.command({ query });
}
