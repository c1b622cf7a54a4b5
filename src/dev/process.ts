import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What to run and how to tell that it is up. */
export interface ProcessSpec {
  /** Short label for errors and the log file name (`<logDir>/<name>.log`). */
  name: string;
  command: string;
  /** Arguments are written to the log; pass secrets through `env` instead. */
  args: readonly string[];
  /** Variables layered over the parent's environment. */
  env?: Readonly<Record<string, string>>;
  /** Directory for the log file (created if missing); stdout and stderr are appended across restarts. */
  logDir: string;
  /** Resolves true once the service answers. A rejection counts as "not yet"; each probe must bound its own duration. */
  isReady: () => Promise<boolean>;
  /** How long start/restart wait for `isReady`. Default 30 000 ms. */
  readyTimeoutMs?: number;
  /** Pause between readiness probes. Default 100 ms. */
  pollIntervalMs?: number;
  /** How long `stop()` waits after SIGTERM before sending SIGKILL. Default 5 000 ms. */
  stopGraceMs?: number;
}

/** Control over a supervised service process. */
export interface ProcessHandle {
  readonly name: string;
  readonly logFile: string;
  /** PID of the current incarnation, undefined when not running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. No-op when not running. */
  stop(): Promise<void>;
  /** SIGKILL without grace, as a crash would; resolves once the process is gone. For chaos tests. */
  kill(): Promise<void>;
  /** Stops the process if it runs, starts it again with the same spec and waits until ready. */
  restart(): Promise<void>;
}

export class ProcessStartError extends Error {
  readonly type = 'ProcessStartFailed';
  constructor(
    readonly processName: string,
    readonly reason: 'exited' | 'timeout',
    readonly logFile: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    logTail: string,
  ) {
    const how =
      reason === 'timeout'
        ? 'did not become ready in time (killed)'
        : `exited before becoming ready (code ${String(exitCode)}, signal ${String(signal)})`;
    super(`${processName} ${how}; log: ${logFile}${logTail ? `\n--- last log lines ---\n${logTail}` : ''}`);
    this.name = 'ProcessStartError';
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Spawns `spec.command` and resolves once `spec.isReady` does; on failure nothing is left running. */
export async function startProcess(spec: ProcessSpec): Promise<ProcessHandle> {
  const managed = new ManagedProcess(spec);
  await managed.start();
  return managed;
}

const DEFAULTS = { readyTimeoutMs: 30_000, pollIntervalMs: 100, stopGraceMs: 5_000 };

class ManagedProcess implements ProcessHandle {
  readonly name: string;
  readonly logFile: string;
  private readonly options: typeof DEFAULTS;
  private child: ChildProcess | undefined;
  private exit: Promise<Exit> | undefined;
  private exited: Exit | undefined;

  constructor(private readonly spec: ProcessSpec) {
    this.name = spec.name;
    this.logFile = join(spec.logDir, `${spec.name}.log`);
    this.options = {
      readyTimeoutMs: spec.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
      pollIntervalMs: spec.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      stopGraceMs: spec.stopGraceMs ?? DEFAULTS.stopGraceMs,
    };
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.exited === undefined;
  }

  async start(): Promise<void> {
    const exit = this.spawn();
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (;;) {
      if (this.exited) throw this.startError('exited');
      // A probe can hang until its own timeout; a process that died meanwhile should not wait for it.
      const ready = await Promise.race([this.spec.isReady().catch(() => false), exit.then(() => false)]);
      if (ready && !this.exited) return;
      if (Date.now() >= deadline) {
        await this.kill();
        throw this.startError('timeout');
      }
      // Racing the exit lets a crash at startup fail fast instead of after the whole timeout.
      await Promise.race([sleep(this.options.pollIntervalMs), exit]);
    }
  }

  async stop(): Promise<void> {
    if (!this.running || !this.child || !this.exit) return;
    this.child.kill('SIGTERM');
    if (!(await settlesWithin(this.exit, this.options.stopGraceMs))) await this.kill();
  }

  async kill(): Promise<void> {
    if (!this.running || !this.child || !this.exit) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Delivers `signal` without waiting; used by the parent-exit cleanup, which cannot await. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child?.kill(signal);
  }

  private spawn(): Promise<Exit> {
    mkdirSync(this.spec.logDir, { recursive: true });
    appendFileSync(this.logFile, `\n--- ${new Date().toISOString()} starting: ${this.spec.command} ${this.spec.args.join(' ')}\n`);
    // The child gets its own copy of the descriptor, so ours can be closed right after spawning.
    const fd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, this.spec.args, {
        env: { ...process.env, ...this.spec.env },
        stdio: ['ignore', fd, fd],
        // Own process group: a terminal's Ctrl-C reaches only us, and we stop services after the
        // work that depends on them.
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.exited = undefined;
    track(this);
    this.exit = new Promise<Exit>((resolve) => {
      const settle = (exit: Exit) => {
        this.exited = exit;
        untrack(this);
        resolve(exit);
      };
      child.once('exit', (code, signal) => settle({ code, signal }));
      child.on('error', (error) => {
        // With a pid the process runs and only a signal delivery failed; without one the spawn
        // itself failed (e.g. ENOENT) and no 'exit' will follow, so record why and settle here.
        if (child.pid !== undefined) return;
        appendFileSync(this.logFile, `spawn error: ${error.message}\n`);
        settle({ code: null, signal: null });
      });
    });
    return this.exit;
  }

  private startError(reason: 'exited' | 'timeout'): ProcessStartError {
    return new ProcessStartError(this.name, reason, this.logFile, this.exited?.code ?? null, this.exited?.signal ?? null, readTail(this.logFile));
  }
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const TAIL_BYTES = 4096;
const TAIL_LINES = 20;

function readTail(file: string): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/**
 * Children that must not outlive this process. The hooks are installed only while a child runs, so a
 * process without live children keeps Node's default signal behaviour.
 */
const liveProcesses = new Set<ManagedProcess>();

function track(managed: ManagedProcess): void {
  if (liveProcesses.size === 0) installCleanupHooks();
  liveProcesses.add(managed);
}

function untrack(managed: ManagedProcess): void {
  if (liveProcesses.delete(managed) && liveProcesses.size === 0) removeCleanupHooks();
}

const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

// 'exit' handlers cannot wait, and an orphaned service would hold its ports, so it is killed outright;
// both services tolerate that (it is what the crash tests exercise).
function killAllOnExit(): void {
  for (const managed of liveProcesses) managed.signal('SIGKILL');
}

function terminateAllOnSignal(signal: NodeJS.Signals): void {
  // Someone else handles the signal (e.g. a Temporal worker draining gracefully): the services must
  // outlive that shutdown, so their owner stops them in order; the 'exit' hook still guarantees
  // that none outlives this process.
  if (process.listenerCount(signal) > 1) return;
  for (const managed of liveProcesses) managed.signal('SIGTERM');
  // Registering a listener disables Node's default "terminate on signal"; restore it by re-raising.
  removeCleanupHooks();
  process.kill(process.pid, signal);
}

function installCleanupHooks(): void {
  process.on('exit', killAllOnExit);
  for (const signal of TERMINATING_SIGNALS) process.on(signal, terminateAllOnSignal);
}

function removeCleanupHooks(): void {
  process.off('exit', killAllOnExit);
  for (const signal of TERMINATING_SIGNALS) process.off(signal, terminateAllOnSignal);
}
