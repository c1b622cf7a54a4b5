/**
 * Static checks of the production deployment files (docker-compose.yml, Dockerfile, deploy/,
 * docs/production.md). Nothing here needs Docker: the compose file is parsed with `yaml`, and
 * when a Compose binary is on PATH it is asked to validate the file too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { EnvSchema, loadConfig } from '../../src/config.js';
import { SEARCH_ATTRIBUTES } from '../../src/model/search-attributes.js';
import { WORKER_PROCESS_ENV } from '../../src/worker-process-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

// ---------------------------------------------------------------------------------------------
// The compose file, raw (for the secrets check) and interpolated with the example .env.

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  container_name?: string;
  environment?: Record<string, unknown> | string[];
  ports?: Array<string | number | { published?: string | number; host_ip?: string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: Array<string | { type?: string; source?: string }>;
  restart?: string;
  healthcheck?: unknown;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const COMPOSE_TEXT = read('docker-compose.yml');
const RAW = parse(COMPOSE_TEXT) as ComposeFile;

/** KEY=VALUE lines of an env file (no quoting, as deploy/.env.example uses none). */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

const EXAMPLE_ENV_TEXT = read('deploy/.env.example');
const EXAMPLE_ENV = parseEnvFile(EXAMPLE_ENV_TEXT);
/** The example with every empty value filled, i.e. an operator's completed .env. */
const FILLED_ENV = Object.fromEntries(Object.entries(EXAMPLE_ENV).map(([k, v]) => [k, v === '' ? `test-${k.toLowerCase().replace(/_/g, '-')}` : v]));
const filledEnvFileText = (): string => Object.entries(FILLED_ENV).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';

const INTERPOLATION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose's variable substitution: ${V}, ${V:-default}, ${V-default}, ${V:?err}, ${V?err}, $$. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(INTERPOLATION, (whole, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare ?? '';
    const v = env[name];
    const missing = op?.startsWith(':') ? v === undefined || v === '' : v === undefined;
    if (op?.endsWith('-')) return missing ? (arg ?? '') : (v ?? '');
    if (op?.endsWith('?') && missing) throw new Error(`${name}: ${arg ?? 'required'}`);
    return v ?? '';
  });
}

function interpolateDeep<T>(value: T, env: Record<string, string>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => interpolateDeep(v, env)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)])) as T;
  }
  return value;
}

const COMPOSE = interpolateDeep(RAW, FILLED_ENV);

/** Every string value in a parsed document (keys excluded). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}

function dependsOn(service: Service): Record<string, string> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([d, spec]) => [d, spec?.condition ?? 'service_started']));
}

function commandOf(service: Service): string[] {
  const c = service.command ?? [];
  return Array.isArray(c) ? c : c.split(/\s+/).filter(Boolean);
}

const service = (name: string): Service => {
  const s = COMPOSE.services[name];
  assert.ok(s, `docker-compose.yml has no service "${name}"`);
  return s;
};

// ---------------------------------------------------------------------------------------------

test('every service in docs/production.md\'s stack table exists in docker-compose.yml, and every service is documented', () => {
  const docs = read('docs/production.md');
  const section = docs.split(/^## /m).find((s) => s.startsWith('The stack'));
  assert.ok(section, 'docs/production.md needs a "## The stack" section');
  const documented = [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
  assert.ok(documented.length >= 5, `expected the stack table to name the services, found ${JSON.stringify(documented)}`);
  const services = Object.keys(COMPOSE.services);
  assert.deepEqual(documented.filter((s) => !services.includes(s)), [], 'documented but missing from docker-compose.yml');
  assert.deepEqual(services.filter((s) => !documented.includes(s)), [], 'in docker-compose.yml but not in the docs\' stack table');
});

/** Read only in embedded (chDB) mode; the stack runs a ClickHouse server. */
const REMOTE_TEMPORAL_ONLY = 'the compose Temporal is reached in-network without TLS; set it for a remote cluster';
const NOT_NEEDED_IN_PRODUCTION: Record<string, string> = {
  CLICKHOUSE_EMBEDDED_PATH: 'embedded chDB only',
  TEMPORAL_API_KEY: REMOTE_TEMPORAL_ONLY,
  TEMPORAL_TLS: REMOTE_TEMPORAL_ONLY,
  TEMPORAL_TLS_CA_PATH: REMOTE_TEMPORAL_ONLY,
  TEMPORAL_TLS_CERT_PATH: REMOTE_TEMPORAL_ONLY,
  TEMPORAL_TLS_KEY_PATH: REMOTE_TEMPORAL_ONLY,
  TEMPORAL_TLS_SERVER_NAME: REMOTE_TEMPORAL_ONLY,
  CLICKHOUSE_TLS_CA_PATH: 'the compose ClickHouse is reached in-network over http; set it for an https server with a private CA',
};
/** Read by the worker outside EnvSchema (metrics endpoint). */
const READ_OUTSIDE_ENV_SCHEMA = new Set(['METRICS_ADDRESS']);

test('the worker sets every variable src/config.ts reads (EnvSchema) that production needs, and nothing it does not read', () => {
  const schemaKeys = Object.keys(EnvSchema.shape);
  assert.ok(schemaKeys.length >= 10, 'EnvSchema keys could not be read');
  const env = environmentOf(service('worker'));
  const missing = schemaKeys.filter((k) => !(k in env) && !(k in NOT_NEEDED_IN_PRODUCTION));
  assert.deepEqual(missing, [], 'set these on the worker (x-f1-ingest-env) or list them as not needed, with a reason');
  for (const k of Object.keys(NOT_NEEDED_IN_PRODUCTION)) {
    assert.ok(schemaKeys.includes(k), `${k} is no longer in EnvSchema: drop it from NOT_NEEDED_IN_PRODUCTION`);
    assert.ok(!(k in env), `${k} is listed as not needed in production but the worker sets it`);
  }
  const unknown = Object.keys(env).filter((k) => !schemaKeys.includes(k) && !READ_OUTSIDE_ENV_SCHEMA.has(k));
  assert.deepEqual(unknown, [], 'the worker sets variables the app does not read (typo?)');
  assert.equal(env.METRICS_ADDRESS, '0.0.0.0:9464', 'metrics must listen beyond loopback for Prometheus in another container');
  // setup runs the same CLI against the same cluster: same environment.
  assert.deepEqual(environmentOf(service('setup')), env);
});

test('docs/production.md lists every variable EnvSchema declares', () => {
  const docs = read('docs/production.md');
  const undocumented = [...Object.keys(EnvSchema.shape), ...READ_OUTSIDE_ENV_SCHEMA].filter((k) => !docs.includes(`\`${k}\``));
  assert.deepEqual(undocumented, []);
});

test('the worker environment passes the app\'s own validation: Temporal service, S3 staging on MinIO, ClickHouse server', () => {
  const config = loadConfig(environmentOf(service('worker')));
  assert.equal(config.temporal.address, 'temporal:7233');
  assert.equal(config.temporal.namespace, environmentOf(service('temporal')).DEFAULT_NAMESPACE, 'worker namespace = the one auto-setup creates');
  assert.equal(config.clickhouse.mode, 'server');
  assert.ok(config.clickhouse.mode === 'server' && config.clickhouse.url === 'http://clickhouse:8123');
  assert.match(config.staging.url, /^s3:\/\//);
  assert.equal(config.staging.s3?.endpoint, 'http://minio:9000');
  assert.ok(config.staging.s3?.accessKeyId && config.staging.s3.secretAccessKey, 'S3 credentials reach the worker');
  assert.equal(config.openf1.baseUrl, 'https://api.openf1.org/v1');
});

test('the worker can be scaled: no container_name, no published ports', () => {
  const worker = RAW.services.worker;
  assert.equal(worker.container_name, undefined);
  assert.equal(worker.ports, undefined);
  assert.deepEqual(commandOf(worker), ['f1-ingest', 'worker']);
});

/** Host port of a published port entry, or null when only a container port is given. */
function hostPort(entry: string | number | { published?: string | number }): string | null {
  if (typeof entry === 'object') return entry.published === undefined ? null : String(entry.published);
  const spec = String(entry).replace(/\/(tcp|udp)$/, '');
  const parts = spec.startsWith('[') ? spec.replace(/^\[[^\]]*\]:/, '').split(':') : spec.split(':');
  return parts.length >= 2 ? parts[parts.length - 2] : null;
}

test('no two services publish the same host port, and published ports bind to loopback', () => {
  assert.equal(hostPort('127.0.0.1:8080:8080'), '8080');
  assert.equal(hostPort('3000:3001'), '3000');
  assert.equal(hostPort('9000'), null);
  const owners = new Map<string, string>();
  for (const [name, s] of Object.entries(COMPOSE.services)) {
    for (const entry of s.ports ?? []) {
      const port = hostPort(entry);
      assert.ok(port, `${name}: publish ports as host:container ("${String(entry)}")`);
      assert.ok(!owners.has(port), `host port ${port} published by both ${owners.get(port)} and ${name}`);
      owners.set(port, name);
      assert.match(typeof entry === 'object' ? String(entry.host_ip) : String(entry), /^127\.0\.0\.1:/, `${name}: bind published ports to 127.0.0.1`);
    }
  }
  assert.deepEqual([...owners.keys()].sort(), ['3000', '8080', '8123', '9001']);
});

test('every depends_on target exists, with a valid condition; one-shot jobs are waited for to complete', () => {
  const names = new Set(Object.keys(COMPOSE.services));
  const conditions = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
  for (const [name, s] of Object.entries(COMPOSE.services)) {
    for (const [dep, condition] of Object.entries(dependsOn(s))) {
      assert.ok(names.has(dep), `${name} depends on unknown service ${dep}`);
      assert.ok(conditions.has(condition), `${name} -> ${dep}: unknown condition ${condition}`);
      const target = COMPOSE.services[dep];
      // None of the pinned images' own HEALTHCHECKs is relied on: the compose file declares each.
      if (condition === 'service_healthy') assert.ok(target.healthcheck !== undefined, `${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
      if (condition === 'service_completed_successfully') assert.equal(target.restart, 'no', `${dep} is a one-shot job: restart "no"`);
    }
  }
  const worker = dependsOn(service('worker'));
  assert.equal(worker.setup, 'service_completed_successfully');
  assert.equal(worker['minio-init'], 'service_completed_successfully');
  assert.equal(worker.clickhouse, 'service_healthy');
});

test('images are pinned to a version (no latest, no missing tag); the app image is built here', () => {
  for (const [name, s] of Object.entries(COMPOSE.services)) {
    assert.ok(s.image, `${name} has no image`);
    const [, tag] = /^[^@]+?(?::([^:/@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(s.image) ?? [];
    assert.ok(tag, `${name}: image "${s.image}" has no tag`);
    assert.notEqual(tag, 'latest', `${name}: image "${s.image}" is not pinned`);
    if (s.build === undefined) {
      assert.match(tag, /^(v?\d+(\.\d+)+[\w.-]*|RELEASE\.[\dT-]+Z)$/, `${name}: "${s.image}" is not pinned to a version`);
    }
  }
  assert.ok(service('worker').build && service('setup').build, 'worker and setup are built from the Dockerfile');
  assert.equal(service('worker').image, service('setup').image);
});

const SECRET_NAME = /PASSWORD|_PWD$|SECRET|ACCESS_KEY|TOKEN|ROOT_USER/;
const INTERPOLATION_ONLY = /^\$\{([A-Z][A-Z0-9_]*)(?::\?[^}]*|:-)?\}$/;

test('no literal secrets: every password/key is a ${...} interpolation, required ones are listed in deploy/.env.example', () => {
  const required = new Set<string>();
  for (const [name, s] of Object.entries(RAW.services)) {
    for (const [key, value] of Object.entries(environmentOf(s))) {
      if (!SECRET_NAME.test(key)) continue;
      const m = INTERPOLATION_ONLY.exec(value);
      assert.ok(m, `${name}.${key} must be \${VAR:?...} (or \${VAR:-} when optional), not a literal`);
      if (value.includes(':?')) required.add(m[1]);
    }
  }
  const text = strings(RAW).join('\n'); // values only: comments may mention ${VAR:?...}
  for (const m of text.matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)) required.add(m[1]);
  assert.ok(required.size >= 8, `expected the stack's secrets to be required, found ${[...required].join(', ')}`);
  const notInExample = [...required].filter((v) => !(v in EXAMPLE_ENV));
  assert.deepEqual(notInExample, [], 'required by docker-compose.yml but missing from deploy/.env.example');
  const shippedValues = [...required].filter((v) => EXAMPLE_ENV[v] !== '');
  assert.deepEqual(shippedValues, [], 'deploy/.env.example must leave secrets empty, so compose refuses to start until they are set');
  const usedVars = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
  const stale = Object.keys(EXAMPLE_ENV).filter((v) => !usedVars.has(v));
  assert.deepEqual(stale, [], 'deploy/.env.example sets variables docker-compose.yml does not use');
  assert.throws(() => interpolateDeep(RAW, EXAMPLE_ENV), /set it in \.env/, 'the unfilled example must not interpolate');
});

test('names that must agree do: staging bucket, ClickHouse user, Prometheus target port', () => {
  const worker = environmentOf(service('worker'));
  const bucket = /^s3:\/\/([^/]+)/.exec(worker.STAGING_URL)?.[1];
  assert.ok(bucket);
  assert.equal(environmentOf(service('minio-init')).STAGING_BUCKET, bucket);
  for (const file of readdirSync(path.join(ROOT, 'deploy/minio/policies'))) {
    const policy = JSON.parse(read(`deploy/minio/policies/${file}`)) as { Statement: Array<{ Resource: string[] }> };
    for (const resource of policy.Statement.flatMap((s) => s.Resource)) {
      assert.match(resource, new RegExp(`^arn:aws:s3:::${bucket}(/\\*)?$`), `${file}: ${resource}`);
    }
  }
  assert.match(read('deploy/clickhouse/config.d/f1-ingest.xml'), new RegExp(`<url>http://minio:9000/${bucket}/</url>`));

  const user = worker.CLICKHOUSE_USER;
  assert.equal(environmentOf(service('clickhouse')).CLICKHOUSE_USER, user);
  assert.match(read('deploy/clickhouse/users.d/f1-ingest.xml'), new RegExp(`<${user}>`));

  const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
    scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
  };
  const job = prometheus.scrape_configs.find((j) => j.job_name === 'f1-ingest');
  assert.ok(job?.dns_sd_configs, 'Prometheus discovers worker replicas by DNS');
  assert.deepEqual(job.dns_sd_configs[0].names, ['worker']);
  assert.equal(String(job.dns_sd_configs[0].port), worker.METRICS_ADDRESS.split(':')[1]);
});

test('Grafana: the dashboard parses, uses the provisioned datasource and charts the worker metrics', () => {
  const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: Array<{ uid: string; url: string }> };
  const uid = datasources.datasources[0].uid;
  assert.equal(datasources.datasources[0].url, 'http://prometheus:9090');
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/f1-ingest.json')) as {
    panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
  };
  const exprs = dashboard.panels.flatMap((p) => {
    assert.equal(p.datasource.uid, uid, `panel "${p.title}" uses another datasource`);
    return p.targets.map((t) => t.expr);
  });
  for (const metric of ['f1_rows_loaded_total', 'f1_rows_fetched_total', 'f1_api_requests_total', 'f1_activity_duration_seconds_bucket']) {
    assert.ok(exprs.some((e) => e.includes(metric)), `no panel charts ${metric}`);
  }
  const provider = parse(read('deploy/grafana/provisioning/dashboards/f1-ingest.yml')) as { providers: Array<{ options: { path: string } }> };
  const mounts = (RAW.services.grafana.volumes ?? []).map(String);
  assert.ok(mounts.some((m) => m.endsWith(`:${provider.providers[0].options.path}:ro`)), 'the dashboards directory is mounted where the provider reads it');
});

test('bind-mounted files exist; commands the stack runs exist in the CLI', () => {
  for (const [name, s] of Object.entries(RAW.services)) {
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : (v.source ?? '');
      if (source.startsWith('./')) assert.ok(existsSync(path.join(ROOT, source)), `${name}: ${source} does not exist`);
    }
  }
  const cli = readdirSync(path.join(ROOT, 'src/cli')).map((f) => read(`src/cli/${f}`)).join('\n');
  for (const name of ['worker', 'setup']) {
    const [program, subcommand] = commandOf(service(name));
    assert.equal(program, 'f1-ingest');
    assert.match(cli, new RegExp(`(command|Command)\\('${subcommand}'`), `${name} runs "f1-ingest ${subcommand}", which src/cli does not define`);
  }
});

test('the Dockerfile is multi-stage, runs as a non-root user and keeps local state out of the context', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const froms = instructions.filter((l) => /^FROM\s/i.test(l));
  assert.ok(froms.length >= 2, 'multi-stage build');
  assert.ok(instructions.some((l) => /^COPY\s+--from=/i.test(l)), 'the final stage copies from an earlier one');
  const finalStage = instructions.slice(instructions.lastIndexOf(froms[froms.length - 1]));
  const users = finalStage.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
  assert.ok(users.length > 0, 'the final stage sets USER');
  assert.ok(!['root', '0', '0:0', 'root:root'].includes(users[users.length - 1]), `final USER ${users[users.length - 1]} is root`);
  assert.ok(!finalStage.some((l) => /^ENTRYPOINT\s/i.test(l)), 'no ENTRYPOINT: `compose run worker f1-ingest <cmd>` names the program');
  assert.match(finalStage.find((l) => /^CMD\s/i.test(l)) ?? '', /"f1-ingest",\s*"worker"/);
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const entry of ['node_modules', '.data', '.tools', '.git', '.env']) assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
});

test('the image runs the worker with the process settings the bench and chaos tests use (WORKER_PROCESS_ENV)', () => {
  const instructions = read('Dockerfile').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const env = new Map<string, string>();
  for (const line of instructions.filter((l) => /^ENV\s/i.test(l))) {
    for (const m of line.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env.set(m[1], m[2].replace(/^"|"$/g, ''));
  }
  for (const [name, value] of Object.entries(WORKER_PROCESS_ENV)) assert.equal(env.get(name), value, `Dockerfile ENV ${name}`);
});

test('the search attributes `setup` registers fit PostgreSQL visibility\'s custom slots (3 Int, 10 Keyword, ...)', () => {
  // Past these the server refuses with "cannot have more than N search attribute of type T",
  // `setup` fails and the worker never starts (schema/postgresql/v12/visibility in Temporal).
  const slots: Record<string, number> = { Int: 3, Keyword: 10, Bool: 3, Double: 3, Datetime: 3, Text: 3, KeywordList: 3 };
  const used: Record<string, number> = {};
  for (const type of Object.values(SEARCH_ATTRIBUTES) as string[]) used[type] = (used[type] ?? 0) + 1;
  for (const [type, n] of Object.entries(used)) assert.ok(n <= (slots[type] ?? 0), `${n} custom ${type} search attributes; PostgreSQL visibility has ${slots[type] ?? 0}`);
  assert.equal(environmentOf(service('temporal')).DB, 'postgres12', 'these limits are PostgreSQL visibility\'s');
});

// ---------------------------------------------------------------------------------------------
// Compose itself, when installed: `docker-compose` (1.29 from Debian, or v2 standalone) and/or
// the `docker compose` plugin. The environment is reduced to PATH/HOME so a developer's shell
// variables cannot satisfy the ${VAR:?} guards.

const composeCommands: Array<{ label: string; argv: string[] }> = [];
const probeEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() };
if (spawnSync('docker-compose', ['version'], { env: probeEnv, stdio: 'ignore' }).status === 0) composeCommands.push({ label: 'docker-compose', argv: ['docker-compose'] });
if (spawnSync('docker', ['compose', 'version'], { env: probeEnv, stdio: 'ignore' }).status === 0) composeCommands.push({ label: 'docker compose', argv: ['docker', 'compose'] });

function composeConfig(argv: string[], envFile: string): { status: number | null; output: string } {
  const [bin, ...pre] = argv;
  const r = spawnSync(bin, [...pre, '--env-file', envFile, '-f', path.join(ROOT, 'docker-compose.yml'), 'config', '-q'], {
    cwd: ROOT,
    env: probeEnv,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

for (const { label, argv } of composeCommands.length > 0 ? composeCommands : [{ label: 'docker-compose', argv: [] }]) {
  test(`${label} config -q accepts the file with a filled .env and refuses the unfilled example`, { skip: argv.length === 0 ? 'neither docker-compose nor the docker compose plugin is installed' : false }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'f1-compose-'));
    try {
      const filled = path.join(dir, 'filled.env');
      writeFileSync(filled, filledEnvFileText());
      const ok = composeConfig(argv, filled);
      assert.equal(ok.status, 0, ok.output);
      const refused = composeConfig(argv, path.join(ROOT, 'deploy/.env.example'));
      assert.notEqual(refused.status, 0, 'an unfilled .env must stop compose');
      assert.match(refused.output, /set it in \.env/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
