import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of the utime/stime fields of /proc/PID/stat. */
export const CLOCK_TICKS: number = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process (all its threads), in clock ticks; null once it is gone. */
export function cpuTicks(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

/** Parent pid of a process, or null once it is gone. */
function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** The process and all its descendants (Kamailio's workers are children of its main process). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = parentPid(pid);
    if (ppid !== null) parents.set(pid, ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

interface Track {
  first: number;
  last: number;
}

/**
 * CPU use of named groups of processes over a window: each `sample()` reads utime+stime of
 * every pid; `percent()` gives, per group, the ticks spent between its first and last
 * sample divided by the wall time between the first and last sample, in % of one core
 * (a two-core machine has 200 %). A process that exits keeps its last sampled value.
 */
export class CpuMeter {
  private readonly tracks = new Map<string, Map<number, Track>>();
  private firstAt = Number.NaN;
  private lastAt = Number.NaN;

  constructor(
    private readonly groups: Record<string, number[]>,
    private readonly now: () => number = () => performance.now(),
  ) {
    for (const name of Object.keys(groups)) this.tracks.set(name, new Map());
  }

  sample(): void {
    const at = this.now();
    for (const [name, pids] of Object.entries(this.groups)) {
      const tracks = this.tracks.get(name)!;
      for (const pid of pids) {
        const ticks = cpuTicks(pid);
        if (ticks === null) continue;
        const track = tracks.get(pid);
        if (track) track.last = ticks;
        else tracks.set(pid, { first: ticks, last: ticks });
      }
    }
    if (Number.isNaN(this.firstAt)) this.firstAt = at;
    this.lastAt = at;
  }

  /** Wall seconds between the first and the last sample. */
  get seconds(): number {
    return Number.isNaN(this.firstAt) ? 0 : (this.lastAt - this.firstAt) / 1000;
  }

  percent(): Record<string, number> {
    const out: Record<string, number> = {};
    const wall = this.seconds;
    for (const [name, tracks] of this.tracks) {
      let ticks = 0;
      for (const t of tracks.values()) ticks += t.last - t.first;
      out[name] = wall > 0 ? round1((100 * ticks) / CLOCK_TICKS / wall) : 0;
    }
    return out;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
