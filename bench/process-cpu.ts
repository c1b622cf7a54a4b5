import { readFileSync } from 'node:fs';

/**
 * CPU time of the processes a bench run spreads over (worker, chDB process, Temporal server, MinIO,
 * this process with the OpenF1 emulator), read from /proc: on a machine whose cores are all busy,
 * end-to-end time is their sum over the cores, so this says where a workload's time goes.
 */

/** /proc counts CPU time in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds `pid` has used so far (all its threads), or this process's with `self`. */
export function cpuSecondsOf(pid: number | 'self'): number {
  if (pid === 'self') {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is parenthesised and may itself hold spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); the slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds each named process used between `start` and `stop`. */
export class CpuMeter<K extends string> {
  private readonly startedAt: Record<K, number>;

  private constructor(private readonly pids: Record<K, number | 'self'>) {
    this.startedAt = this.read();
  }

  static start<K extends string>(pids: Record<K, number | 'self' | undefined>): CpuMeter<K> {
    for (const [name, pid] of Object.entries(pids)) if (pid === undefined) throw new Error(`cpu meter: ${name} is not running`);
    return new CpuMeter(pids as Record<K, number | 'self'>);
  }

  stop(): Record<K, number> {
    const now = this.read();
    return Object.fromEntries(Object.keys(now).map((k) => [k, now[k as K] - this.startedAt[k as K]])) as Record<K, number>;
  }

  private read(): Record<K, number> {
    return Object.fromEntries(Object.entries(this.pids).map(([k, pid]) => [k, cpuSecondsOf(pid as number | 'self')])) as Record<K, number>;
  }
}
