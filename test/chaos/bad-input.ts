import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { ConfigError, loadConfig } from '../../src/config.js';
import { OpenF1Client } from '../../src/openf1/client.js';
import { OpenF1Error } from '../../src/openf1/errors.js';
import { failureChain } from './faults.js';
import type { Scenario, Trial } from './scenarios.js';
import type { ChaosStack } from './stack.js';

/** What a refused input must produce: the error text must match every pattern (they name the field). */
type Case = [label: string, input: unknown, names: RegExp[]];

const WORKFLOW_INPUTS: Case[] = [
  ['season too early', { season: 1949 }, [/season: 1949 is before the first season/]],
  ['season missing', {}, [/season: /]],
  ['season as string', { season: '2023' }, [/season: "2023"/]],
  ['season fractional', { season: 2023.5 }, [/season: 2023.5/]],
  ['season implausible', { season: 3000 }, [/season: 3000 is not a plausible season/]],
  ['round 0', { season: 2023, rounds: [0] }, [/rounds\.0: 0/]],
  ['rounds not a list', { season: 2023, rounds: 1 }, [/rounds: 1/]],
  ['rounds empty', { season: 2023, rounds: [] }, [/rounds: \[\]/]],
  ['driver 100', { season: 2023, drivers: [100] }, [/drivers\.0: 100/]],
  ['driver as string', { season: 2023, drivers: ['44'] }, [/drivers\.0: "44"/]],
  ['sessionNames empty', { season: 2023, sessionNames: [] }, [/sessionNames: \[\]/]],
  ['sessionNames empty name', { season: 2023, sessionNames: [''] }, [/sessionNames\.0: ""/]],
  ['unknown filter', { season: 2023, filters: { speed: 100 } }, [/filters: .*speed/]],
  ['negative filter', { season: 2023, filters: { speedGte: -1 } }, [/filters\.speedGte: -1/]],
  ['filter above range', { season: 2023, filters: { throttleGte: 101 } }, [/filters\.throttleGte: 101/]],
  ['maxConcurrentRounds 0', { season: 2023, maxConcurrentRounds: 0 }, [/maxConcurrentRounds: 0/]],
  ['maxConcurrentUnits 1000', { season: 2023, maxConcurrentUnits: 1000 }, [/maxConcurrentUnits: 1000/]],
  ['dryRun as string', { season: 2023, dryRun: 'yes' }, [/dryRun: "yes"/]],
  ['unknown key', { season: 2023, round: 1 }, [/round/]],
  ['several bad fields', { season: 1949, drivers: [0] }, [/season: 1949/, /drivers\.0: 0/]],
  ['input a string', '2023', [/\(input\): "2023"/]],
  ['input null', null, [/\(input\)/]],
];

/** `f1-ingest` arguments: exit code and the flag the message must name. */
const CLI_ARGS: Array<[label: string, args: string[], names: RegExp]> = [
  ['backfill without --season', ['backfill'], /--season is required/],
  ['--season abc', ['backfill', '--season', 'abc'], /--season takes a whole number; got "abc"/],
  ['--season 1949', ['backfill', '--season', '1949'], /season: 1949 is before the first season/],
  ['--rounds x', ['backfill', '--season', '2023', '--rounds', 'x'], /--rounds takes whole numbers/],
  ['--drivers 100', ['backfill', '--season', '2023', '--drivers', '100'], /drivers\.0: 100/],
  ['--speed-gte 500', ['backfill', '--season', '2023', '--speed-gte', '500'], /speedGte: 500/],
  // Not 0: backfill-options.ts drops a 0 as "unset" and starts a whole-season backfill (reported).
  ['--max-concurrent-units -1', ['backfill', '--season', '2023', '--max-concurrent-units', '-1'], /maxConcurrentUnits: -1/],
  ['--max-concurrent-units 0', ['backfill', '--season', '2023', '--max-concurrent-units', '0'], /maxConcurrentUnits: 0/],
  ['dev --staging ftp', ['dev', '--staging', 'ftp'], /--staging takes "minio" or "file"; got "ftp"/],
  ['unknown command', ['bogus'], /unknown command 'bogus'/],
  ['status without id', ['status'], /missing required argument 'workflow-id'/],
];

/** Environment given to `loadConfig` (and, for two of them, to the worker command). */
const ENVIRONMENTS: Array<[label: string, env: Record<string, string>, variable: string]> = [
  ['TEMPORAL_ADDRESS without port', { TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS'],
  ['OPENF1_BASE_URL not a URL', { OPENF1_BASE_URL: 'api.openf1' }, 'OPENF1_BASE_URL'],
  ['OPENF1_RATE_LIMIT garbage', { OPENF1_RATE_LIMIT: 'fast' }, 'OPENF1_RATE_LIMIT'],
  ['OPENF1_RATE_LIMIT zero', { OPENF1_RATE_LIMIT: '0/10s' }, 'OPENF1_RATE_LIMIT'],
  ['OPENF1_REQUEST_TIMEOUT_MS negative', { OPENF1_REQUEST_TIMEOUT_MS: '-5' }, 'OPENF1_REQUEST_TIMEOUT_MS'],
  ['OPENF1_PASSWORD without user', { OPENF1_PASSWORD: 'pw-only-secret' }, 'OPENF1_USERNAME'],
  ['STAGING_URL ftp', { STAGING_URL: 'ftp://bucket' }, 'STAGING_URL'],
  ['STAGING_URL relative file', { STAGING_URL: 'file://relative/dir' }, 'STAGING_URL'],
  ['S3_ENDPOINT not a URL', { STAGING_URL: 's3://b', S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT'],
  ['S3 secret without key id', { S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: 'only-the-secret-123' }, 'S3_ACCESS_KEY_ID'],
  ['CLICKHOUSE_DATABASE not an identifier', { CLICKHOUSE_DATABASE: 'f1; DROP' }, 'CLICKHOUSE_DATABASE'],
  ['CLICKHOUSE_URL not a URL', { CLICKHOUSE_URL: 'clickhouse:8123' }, 'CLICKHOUSE_URL'],
  ['WORKER_MAX_CONCURRENT_ACTIVITIES 0', { WORKER_MAX_CONCURRENT_ACTIVITIES: '0' }, 'WORKER_MAX_CONCURRENT_ACTIVITIES'],
  ['LOG_LEVEL unknown', { LOG_LEVEL: 'LOUD' }, 'LOG_LEVEL'],
  ['METRICS_ADDRESS no port', { METRICS_ADDRESS: 'localhost' }, 'METRICS_ADDRESS'],
];

/** Bodies a (broken) OpenF1 server might send for car_data, and the error field they must name. */
const RESPONSES: Array<[label: string, body: string, names: RegExp]> = [
  ['not JSON', 'oops', /car_data/],
  ['object instead of array', '{"detail":"x"}', /car_data/],
  ['speed not a number', '[{"date":"2023-03-05T15:00:00.000000+00:00","session_key":7953,"meeting_key":1141,"driver_number":44,"speed":"fast","rpm":1,"n_gear":1,"throttle":1,"brake":0,"drs":0}]', /field "speed"/],
  ['date missing', '[{"session_key":7953,"meeting_key":1141,"driver_number":44,"speed":1,"rpm":1,"n_gear":1,"throttle":1,"brake":0,"drs":0}]', /field "date"/],
  ['driver_number a string', '[{"date":"2023-03-05T15:00:00.000000+00:00","session_key":7953,"meeting_key":1141,"driver_number":"44","speed":1,"rpm":1,"n_gear":1,"throttle":1,"brake":0,"drs":0}]', /field "driver_number"/],
];

function matchesAll(text: string, names: RegExp[]): string[] {
  return names.filter((n) => !n.test(text)).map((n) => `message does not match ${String(n)}: ${text.slice(0, 300)}`);
}

async function workflowCases(stack: ChaosStack): Promise<Trial[]> {
  return Promise.all(
    WORKFLOW_INPUTS.map(async ([label, input, names], i): Promise<Trial> => {
      const handle = await stack.client.workflow.start('seasonBackfill', { taskQueue: stack.taskQueue, workflowId: `chaos/bad/${i}`, args: [input] });
      const err = await handle.result().then(() => undefined, (e: unknown) => e);
      if (!(err instanceof WorkflowFailedError)) return { label: `workflow: ${label}`, problems: ['the backfill did not fail'] };
      const invalid = failureChain(err).find((f) => f.type === 'InvalidBackfillInput');
      const problems = invalid ? [...matchesAll(invalid.message, names), ...(invalid.nonRetryable ? [] : ['InvalidBackfillInput is retryable'])] : [`not InvalidBackfillInput: ${err.message}`];
      return { label: `workflow: ${label}`, problems };
    }),
  );
}

async function cliCases(stack: ChaosStack): Promise<Trial[]> {
  const trials: Trial[] = [];
  // Two at a time: each spawn loads tsx and the CLI (about a second of CPU) on a 2-core machine.
  for (let i = 0; i < CLI_ARGS.length; i += 2) {
    trials.push(
      ...(await Promise.all(
        CLI_ARGS.slice(i, i + 2).map(async ([label, args, names]): Promise<Trial> => {
          // --no-wait: a flag that slips through must not block the suite on a whole backfill; the
          // started workflow is caught by the "nothing started" check below.
          const out = await stack.cli(args[0] === 'backfill' ? [...args, '--no-wait'] : args);
          // Bad input, from the parser or from validation, exits 2 (README).
          const problems = out.code === 2 ? matchesAll(out.stderr, [names]) : [`exit code ${String(out.code)}, expected 2`];
          return { label: `cli: ${label}`, problems };
        }),
      )),
    );
  }
  for (const [label, env, variable] of ENVIRONMENTS.slice(0, 2)) {
    const out = await stack.cli(['worker'], env);
    trials.push({ label: `cli worker: ${label}`, problems: out.code === 2 ? matchesAll(out.stderr, [new RegExp(variable)]) : [`exit code ${String(out.code)}, expected 2`] });
  }
  return trials;
}

function configCases(stack: ChaosStack): Trial[] {
  return ENVIRONMENTS.map(([label, env, variable]): Trial => ({ label: `env: ${label}`, problems: configProblems(stack, env, variable) }));
}

function configProblems(stack: ChaosStack, env: Record<string, string>, variable: string): string[] {
  try {
    loadConfig({ ...stack.env('chaos_config'), ...env });
    return ['accepted'];
  } catch (err) {
    if (!(err instanceof ConfigError)) return [`not a ConfigError: ${String(err)}`];
    const leaked = Object.values(env).filter((v) => v.includes('secret') && err.message.includes(v));
    return [...matchesAll(err.message, [new RegExp(`${variable}: `)]), ...leaked.map((v) => `echoes the secret ${v}`)];
  }
}

async function responseCases(stack: ChaosStack): Promise<Trial[]> {
  let body = '';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const trials: Trial[] = [];
  try {
    const fetchOnce = async (baseUrl: string) => {
      const client = new OpenF1Client({ baseUrl, rateLimit: false, maxAttempts: 1, requestTimeoutMs: 5_000 });
      return client.list('car_data', [{ field: 'session_key', op: '=', value: 7953 }, { field: 'driver_number', op: '=', value: 1 }]).then(() => undefined, (e: unknown) => e);
    };
    const judge = (label: string, err: unknown, names: RegExp): Trial => ({
      label,
      problems:
        err instanceof OpenF1Error
          ? [...matchesAll(err.message, [names]), ...(err.retryable ? ['retryable: asking again returns the same bytes'] : [])]
          : [`no OpenF1Error: ${String(err)}`],
    });
    for (const [label, text, names] of RESPONSES) {
      body = text;
      trials.push(judge(`response: ${label}`, await fetchOnce(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`), names));
    }
    // The emulator's own malformed rows, every row broken.
    stack.emulator.setFaults({ malformed: { rate: 1 } });
    trials.push(judge('response: emulator malformed rows', await fetchOnce(stack.emulator.url), /field "(speed|date)"/));
    stack.emulator.setFaults({});
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return trials;
}

/**
 * At least 40 refused inputs across workflow JSON, CLI arguments, environment and OpenF1
 * responses; afterwards nothing may have started: no round or unit workflow, no car_data request,
 * no CLI-started backfill (checked here; rows are checked by the caller for the whole database).
 */
export function badInput(): Scenario {
  return {
    name: 'bad input',
    async run({ stack }) {
      stack.emulator.resetStats();
      const trials = [...(await workflowCases(stack)), ...(await cliCases(stack)), ...configCases(stack), ...(await responseCases(stack))];
      const started: string[] = [];
      for await (const wf of stack.client.workflow.list({ query: `WorkflowType != 'seasonBackfill'` })) if (wf.workflowId.startsWith('chaos/bad/')) started.push(wf.workflowId);
      for await (const wf of stack.client.workflow.list({ query: `WorkflowType = 'seasonBackfill' AND ExecutionStatus = 'Running'` })) {
        if (!wf.workflowId.startsWith('f1/')) continue;
        started.push(wf.workflowId);
        // A CLI backfill that slipped through covers the whole season: stop it (and its children).
        await stack.client.workflow.getHandle(wf.workflowId).terminate('chaos: started by bad input');
      }
      // The response cases call car_data themselves (one request each on the emulator); nothing else may have.
      const calls = stack.emulator.stats().byEndpoint;
      const unexpected = Object.entries(calls).filter(([endpoint, n]) => endpoint !== 'car_data' || n !== 1);
      trials.push({
        label: 'nothing started',
        problems: [...started.map((id) => `${id} was started`), ...unexpected.map(([endpoint, n]) => `${n} requests to ${endpoint}`)],
      });
      return trials;
    },
  };
}
