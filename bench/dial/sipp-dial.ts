import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess, ProcessSet } from '../cps/process-set.ts';
import { parseSippStats, type SippStats } from '../cps/sipp-stats.ts';

export const UAC_DIAL_SCENARIO = fileURLToPath(new URL('uac-dial.xml', import.meta.url));
export const UAS_DIAL_SCENARIO = fileURLToPath(new URL('uas-dial.xml', import.meta.url));

export interface SippDialOptions {
  role: 'uac' | 'uas';
  /** Local UDP port on 127.0.0.1. */
  port: number;
  /** host:port the UAC calls. */
  remote?: string;
  /** Calls per second (UAC). */
  rate?: number;
  /** How long the caller talks before its BYE, ms (UAC, -d). */
  holdMs?: number;
  /** Calls after which SIPp ends. */
  calls: number;
  /** Give up (exit 1) after this many seconds. */
  timeoutSec: number;
  /** -buff_size: SO_RCVBUF/SO_SNDBUF of SIPp's socket. */
  bufSize: number;
  /** Folder for the stat CSV, the timing log, the error log and stderr. */
  dir: string;
}

/** A SIPp end of a dial probe: its process, statistics and the timing lines of its scenario. */
export interface SippDial {
  readonly process: ManagedProcess;
  /** The file the scenario's <log> actions write to (complete once SIPp has exited). */
  readonly timingLog: string;
  /** The last row of the stat CSV so far (null before the first one). */
  stats(): SippStats | null;
  /** The first lines of SIPp's error log. */
  errors(): string;
}

/**
 * Starts SIPp with bench/dial/uac-dial.xml (caller) or uas-dial.xml (callee), loopback only,
 * with the same socket and loop settings as bench/cps/sipp-load.ts (big buffers, high
 * receive/schedule loop counts) plus -trace_logs for the post-dial-delay timestamps.
 */
export function startSippDial(procs: ProcessSet, opts: SippDialOptions): SippDial {
  const stat = join(opts.dir, `${opts.role}-stat.csv`);
  const err = join(opts.dir, `${opts.role}-errors.log`);
  const timingLog = join(opts.dir, `${opts.role}-timing.log`);
  const args: string[] = [];
  if (opts.role === 'uac') args.push(opts.remote ?? '', '-sf', UAC_DIAL_SCENARIO, '-s', 'bench');
  else args.push('-sf', UAS_DIAL_SCENARIO);
  args.push('-i', '127.0.0.1', '-p', String(opts.port), '-bind_local', '-t', 'u1', '-nostdin');
  args.push('-m', String(opts.calls), '-buff_size', String(opts.bufSize));
  args.push('-max_recv_loops', '10000', '-max_sched_loops', '10000');
  args.push('-timeout', `${opts.timeoutSec}s`, '-timeout_error');
  args.push('-trace_stat', '-stf', stat, '-fd', '1', '-trace_err', '-error_file', err);
  args.push('-trace_logs', '-log_file', timingLog);
  // -l caps open calls: far above rate x call length when healthy, a brake in a collapse.
  if (opts.role === 'uac') {
    args.push('-r', String(opts.rate ?? 10), '-d', String(opts.holdMs ?? 1000), '-l', '10000');
  }
  const process = procs.start(`sipp-${opts.role}`, 'sipp', args, {
    cwd: opts.dir,
    log: join(opts.dir, `${opts.role}-stderr.log`),
  });
  return {
    process,
    timingLog,
    stats: () => (existsSync(stat) ? parseSippStats(readFileSync(stat, 'utf8')) : null),
    errors: () => head(err, 4096),
  };
}

/** The first `bytes` of a file that may be large (a collapsing run logs every failed call). */
function head(path: string, bytes: number): string {
  if (!existsSync(path)) return '';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
