import { parseArgs } from 'node:util';
import type { PortRange } from './protocol.ts';

export class MediaBenchUsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

export interface PlaybackOptions {
  /** Concurrent streams per step, climbed until the first failure and one step more. */
  ladder: number[];
  /** Climb the whole ladder whatever fails. */
  all: boolean;
  /** Pin the engine to CPU 0 and the receiver to CPU 1 (when taskset and 2 CPUs are there). */
  pin: boolean;
  clipSeconds: number;
  warmupSeconds: number;
  /** Receiver sockets the streams are spread over. */
  receivers: number;
  ports: PortRange;
  /** A step passes when the p99 deviation is at most this many ms. */
  maxP99Ms: number;
  /** Attempts more at a step that failed before calling it failed (a stall of the machine can sink one). */
  retries: number;
  out: string;
}

export interface RelayOptions {
  ladder: number[];
  all: boolean;
  /** Pin the engine to CPU 0 and the generator to CPU 1 (when taskset and 2 CPUs are there). */
  pin: boolean;
  /** Measured seconds per step, after the warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** Bridges of the extra PCMU <-> PCMA run; 0 leaves it out. */
  transcodeBridges: number;
  /** Bridges of the extra run with the endpoints' default in-band DTMF detection; 0 leaves it out. */
  inbandBridges: number;
  ports: PortRange;
  /** A step fails when more than this % of the packets sent is not received back. */
  maxLossPct: number;
  /** Relay latency (p99, phone to phone) a step should stay under; reported, not a failure. */
  maxLatencyMs: number;
  out: string;
}

export const PLAYBACK_USAGE = `usage: npm run bench:media-playback -- [options]
  --streams LIST      concurrent streams per step (default 100,250,500,750,1000,1250,1500,2000,2500,3000);
                      the climb stops one step after the first failure
  --all               climb the whole ladder whatever fails
  --no-pin            do not pin the engine to CPU 0 and the receiver to CPU 1
  --clip-seconds N    length of the clip every stream plays (default 10)
  --warmup-seconds N  seconds left out at the start of each step (default 1)
  --receivers N       receiver sockets, streams spread over them (default 4)
  --ports LOW-HIGH    RTP port range of the engine, 2 ports per stream (default 20000-29999)
  --max-p99 MS        a step passes when its p99 deviation is at most MS (default 2)
  --retries N         re-run a failed step up to N times before calling it failed (default 1)
  --out FILE          results file (default bench/results/media-playback.json)`;

export const RELAY_USAGE = `usage: npm run bench:media-relay -- [options]
  --bridges LIST          bridges per step (default 100,250,500,750,1000,1500,2000,2500);
                          the climb stops one step after the first failure
  --all                   climb the whole ladder whatever fails
  --no-pin                do not pin the engine to CPU 0 and the generator to CPU 1
  --seconds N             measured seconds per step, after the warm-up (default 8)
  --warmup-seconds N      seconds left out at the start of each step (default 1)
  --transcode-bridges N   bridges of the PCMU <-> PCMA run, 0 = none (default 500)
  --inband-bridges N      bridges of the run with in-band DTMF detection on, 0 = none (default 500)
  --ports LOW-HIGH        RTP port range of the engine, 4 ports per bridge (default 20000-29999)
  --max-loss PCT          a step fails above this loss in % (default 0.1)
  --max-latency MS        p99 relay latency a step should stay under, reported apart (default 20)
  --out FILE              results file (default bench/results/media-relay.json)`;

/** Parses `names` as string options, `--all` and `--no-pin` as flags. */
function parse(
  argv: string[],
  names: string[],
): { v: Record<string, string | undefined>; all: boolean; noPin: boolean } {
  try {
    const options: Record<string, { type: 'string' | 'boolean' }> = {
      all: { type: 'boolean' },
      'no-pin': { type: 'boolean' },
    };
    for (const n of names) options[n] = { type: 'string' };
    const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options });
    const v: Record<string, string | undefined> = {};
    for (const n of names) {
      const x = values[n];
      v[n] = typeof x === 'string' ? x : undefined;
    }
    return { v, all: values.all === true, noPin: values['no-pin'] === true };
  } catch (err) {
    throw new MediaBenchUsageError((err as Error).message);
  }
}

function num(v: string | undefined, name: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new MediaBenchUsageError(`--${name} must be a number >= ${min}`);
  return n;
}

function list(v: string | undefined, name: string, dflt: number[]): number[] {
  if (v === undefined) return dflt;
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new MediaBenchUsageError(`--${name} must be a comma list of positive integers`);
  }
  return xs;
}

function range(v: string | undefined): PortRange {
  if (v === undefined) return { low: 20000, high: 29999 };
  const m = /^(\d+)-(\d+)$/.exec(v);
  const low = Number(m?.[1]);
  const high = Number(m?.[2]);
  if (!m || low < 1024 || high > 65535 || low >= high) {
    throw new MediaBenchUsageError('--ports must be LOW-HIGH within 1024-65535');
  }
  return { low, high };
}

const resultsFile = (name: string) => new URL(`../results/${name}`, import.meta.url).pathname;

export function parsePlaybackArgs(argv: string[]): PlaybackOptions {
  const { v, all, noPin } = parse(argv, [
    'streams',
    'clip-seconds',
    'warmup-seconds',
    'receivers',
    'ports',
    'max-p99',
    'retries',
    'out',
  ]);
  const opts: PlaybackOptions = {
    ladder: list(v.streams, 'streams', [100, 250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000]),
    all,
    pin: !noPin,
    clipSeconds: num(v['clip-seconds'], 'clip-seconds', 10, 2),
    warmupSeconds: num(v['warmup-seconds'], 'warmup-seconds', 1),
    receivers: num(v.receivers, 'receivers', 4, 1),
    ports: range(v.ports),
    maxP99Ms: num(v['max-p99'], 'max-p99', 2),
    retries: Math.floor(num(v.retries, 'retries', 1)),
    out: v.out ?? resultsFile('media-playback.json'),
  };
  if (opts.warmupSeconds >= opts.clipSeconds - 1) {
    throw new MediaBenchUsageError('--warmup-seconds must leave at least 1 s of the clip to measure');
  }
  return opts;
}

export function parseRelayArgs(argv: string[]): RelayOptions {
  const { v, all, noPin } = parse(argv, [
    'bridges',
    'seconds',
    'warmup-seconds',
    'transcode-bridges',
    'inband-bridges',
    'ports',
    'max-loss',
    'max-latency',
    'out',
  ]);
  return {
    ladder: list(v.bridges, 'bridges', [100, 250, 500, 750, 1000, 1500, 2000, 2500]),
    all,
    pin: !noPin,
    seconds: num(v.seconds, 'seconds', 8, 1),
    warmupSeconds: num(v['warmup-seconds'], 'warmup-seconds', 1),
    transcodeBridges: num(v['transcode-bridges'], 'transcode-bridges', 500),
    inbandBridges: num(v['inband-bridges'], 'inband-bridges', 500),
    ports: range(v.ports),
    maxLossPct: num(v['max-loss'], 'max-loss', 0.1),
    maxLatencyMs: num(v['max-latency'], 'max-latency', 20),
    out: v.out ?? resultsFile('media-relay.json'),
  };
}
