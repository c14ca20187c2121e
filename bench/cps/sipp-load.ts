import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess, ProcessSet } from './process-set.ts';
import { parseSippStats, type SippStats } from './sipp-stats.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const UAC_SCENARIO = join(HERE, 'uac-load.xml');
export const UAS_SCENARIO = join(HERE, 'uas-load.xml');

export interface SippLoadOptions {
  role: 'uac' | 'uas';
  /** Local UDP port on 127.0.0.1. */
  port: number;
  /** host:port the UAC calls. */
  remote?: string;
  /** Calls per second (UAC). */
  rate?: number;
  /** Calls after which SIPp ends. */
  calls: number;
  /** Give up (exit 1) after this many seconds. */
  timeoutSec: number;
  /** -buff_size: SO_RCVBUF/SO_SNDBUF of SIPp's socket. */
  bufSize: number;
  /** Folder for the stat CSV, the error log and stderr. */
  dir: string;
}

/** A SIPp load process and the statistics file it writes once a second. */
export interface SippLoad {
  readonly process: ManagedProcess;
  /** The last row of the stat CSV so far (null before the first one). */
  stats(): SippStats | null;
  /** The first lines of SIPp's error log (unexpected messages, retransmission give-ups). */
  errors(): string;
}

/**
 * Starts SIPp with the bench's own scenarios, loopback only. Both sides get the big socket
 * buffers and high receive/schedule loop counts, without which SIPp itself drops datagrams
 * in bursts well below the machine's limit.
 */
export function startSippLoad(procs: ProcessSet, opts: SippLoadOptions): SippLoad {
  const stat = join(opts.dir, `${opts.role}-stat.csv`);
  const err = join(opts.dir, `${opts.role}-errors.log`);
  const args: string[] = [];
  if (opts.role === 'uac') args.push(opts.remote ?? '', '-sf', UAC_SCENARIO, '-s', 'bench');
  else args.push('-sf', UAS_SCENARIO, '-pause_msg_ign');
  args.push('-i', '127.0.0.1', '-p', String(opts.port), '-bind_local', '-t', 'u1', '-nostdin');
  args.push('-m', String(opts.calls), '-buff_size', String(opts.bufSize));
  args.push('-max_recv_loops', '10000', '-max_sched_loops', '10000');
  args.push('-timeout', `${opts.timeoutSec}s`, '-timeout_error');
  args.push('-trace_stat', '-stf', stat, '-fd', '1', '-trace_err', '-error_file', err);
  // -l caps open calls: far above rate x call length (ms) when healthy, a brake in a collapse.
  if (opts.role === 'uac') args.push('-r', String(opts.rate ?? 10), '-l', '10000');
  const process = procs.start(`sipp-${opts.role}`, 'sipp', args, {
    cwd: opts.dir,
    log: join(opts.dir, `${opts.role}-stderr.log`),
  });
  return {
    process,
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
