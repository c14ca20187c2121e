import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { TargetName } from '../cps/options.ts';

/** How the rate of one target is searched. */
export interface TargetPlan {
  /** First rate of the coarse ladder (doubled until a failure). */
  start: number;
  /** Resolution of the fine search between the last pass and the first failure. */
  step: number;
}

/** What one `bench:dial-cps` run does; every field has a flag. */
export interface DialOptions {
  /** Length of one probe (calls = rate x seconds). */
  seconds: number;
  targets: TargetName[];
  /** How long a call stays up before the caller's BYE, ms. */
  holdMs: number;
  plans: Record<TargetName, TargetPlan>;
  /** An explicit ladder for every target, climbed until the first failure. */
  rates: number[] | null;
  maxRate: number;
  /** The light-load probe run first on each target, for its post-dial delay (rate 0 = none). */
  light: { rate: number; seconds: number };
  gapSeconds: number;
  /** A passing rate whose p99 post-dial delay (without webhook) is within this many ms is "within delay". */
  pddLimitMs: number;
  /** Calls of each probe's first seconds left out of the delay figures (JIT warm-up). */
  warmupSeconds: number;
  minRatio: number;
  retries: number;
  /** Kamailio UDP worker processes. */
  workers: number;
  bufSize: number;
  /** How long to wait after the last probe for Patchbay's calls, dialogs and endpoints to reach 0. */
  drainSeconds: number;
  /** PATCHBAY_RTP_PORTS: two ports per leg, two legs per call. */
  rtpPorts: string;
  /** PATCHBAY_LOG_LEVEL of the Patchbay process. */
  logLevel: string;
  out: string;
}

export const DIAL_TARGETS: readonly TargetName[] = ['kamailio', 'patchbay', 'sipp'];
const DEFAULT_TARGETS: TargetName[] = ['kamailio', 'patchbay'];
const DEFAULT_PLANS: Record<TargetName, TargetPlan> = {
  kamailio: { start: 1000, step: 500 },
  patchbay: { start: 150, step: 50 },
  sipp: { start: 2000, step: 1000 },
};

export const DIAL_USAGE = `usage: npm run bench:dial-cps -- [options]
  --seconds N          length of one probe in seconds (default 30)
  --targets LIST       comma list of kamailio,patchbay,sipp (default kamailio,patchbay;
                       sipp = SIPp caller -> SIPp callee directly, the measurement's floor)
  --hold-ms N          how long each call stays up before the caller's BYE (default 1000)
  --kamailio-start N   first rate of Kamailio's coarse ladder, doubled until a failure (default 1000)
  --kamailio-step N    resolution of Kamailio's fine search (default 500)
  --patchbay-start N   first rate of Patchbay's coarse ladder (default 150)
  --patchbay-step N    resolution of Patchbay's fine search (default 50)
  --sipp-start N, --sipp-step N   the same for sipp (defaults 2000, 1000)
  --rates LIST         explicit rates for every target, e.g. 100,200,300 (stops at the first failure)
  --max-rate N         highest rate ever tried (default 64000)
  --light-rate N       rate of the light-load probe run first on each target, for its
                       post-dial delay, and (unmeasured) after each restart of a target
                       that failed a probe, to warm it up again (default 100; 0 = none)
  --light-seconds N    length of that probe (default 10)
  --gap N              seconds between probes (default 3)
  --pdd-limit MS       also report the highest passing rate whose p99 post-dial delay
                       (webhook excluded) stays within MS (default 100)
  --warmup N           leave the calls of each probe's first N seconds out of the delay
                       figures, not of the rate (default 1)
  --min-ratio X        a probe achieving less than X x its rate fails as "behind" (default 0.95)
  --retries N          re-run a failed rate up to N times before calling it failed (default 0)
  --workers N          Kamailio worker processes (default: number of cores)
  --buff-size N        socket buffer bytes for SIPp and Kamailio (default 4194304)
  --drain N            seconds to wait for Patchbay's calls/dialogs/endpoints to reach 0 (default 30)
  --rtp-ports LOW-HIGH Patchbay's RTP range (default 10000-19999: 2,500 calls at 4 ports each)
  --log-level LEVEL    Patchbay's log level (default warn)
  --out FILE           results file (default bench/results/dial-cps.json)`;

export class DialUsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

const DEFAULT_OUT = new URL('../results/dial-cps.json', import.meta.url).pathname;

/** Parses the command line of bench/dial-cps.ts; throws DialUsageError on a bad flag. */
export function parseDialArgs(argv: string[]): DialOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new DialUsageError((err as Error).message);
  }
  const plan = (name: TargetName): TargetPlan => ({
    start: num(values[`${name}-start`], `${name}-start`, DEFAULT_PLANS[name].start),
    step: num(values[`${name}-step`], `${name}-step`, DEFAULT_PLANS[name].step),
  });
  const opts: DialOptions = {
    seconds: num(values.seconds, 'seconds', 30),
    targets: targetList(values.targets),
    holdMs: num(values['hold-ms'], 'hold-ms', 1000, true),
    plans: { kamailio: plan('kamailio'), patchbay: plan('patchbay'), sipp: plan('sipp') },
    rates: values.rates === undefined ? null : rateList(values.rates),
    maxRate: num(values['max-rate'], 'max-rate', 64000),
    light: {
      rate: num(values['light-rate'], 'light-rate', 100, true),
      seconds: num(values['light-seconds'], 'light-seconds', 10),
    },
    gapSeconds: num(values.gap, 'gap', 3, true),
    warmupSeconds: num(values.warmup, 'warmup', 1, true),
    pddLimitMs: num(values['pdd-limit'], 'pdd-limit', 100),
    minRatio: num(values['min-ratio'], 'min-ratio', 0.95, true),
    retries: num(values.retries, 'retries', 0, true),
    workers: num(values.workers, 'workers', availableParallelism()),
    bufSize: num(values['buff-size'], 'buff-size', 4194304),
    drainSeconds: num(values.drain, 'drain', 30, true),
    rtpPorts: values['rtp-ports'] ?? '10000-19999',
    logLevel: values['log-level'] ?? 'warn',
    out: values.out ?? DEFAULT_OUT,
  };
  if (opts.minRatio > 1) throw new DialUsageError('--min-ratio must be between 0 and 1');
  for (const [name, n] of [
    ['workers', opts.workers],
    ['retries', opts.retries],
    ['light-rate', opts.light.rate],
  ] as const) {
    if (!Number.isInteger(n)) throw new DialUsageError(`--${name} must be an integer`);
  }
  const range = /^(\d+)-(\d+)$/.exec(opts.rtpPorts);
  if (!range || Number(range[1]) >= Number(range[2]) || Number(range[2]) > 65535) {
    throw new DialUsageError(`--rtp-ports wants LOW-HIGH, got "${opts.rtpPorts}"`);
  }
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(opts.logLevel)) {
    throw new DialUsageError(`--log-level: unknown level "${opts.logLevel}"`);
  }
  return opts;
}

function parse(argv: string[]) {
  const str = { type: 'string' } as const;
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      seconds: str,
      targets: str,
      'hold-ms': str,
      'kamailio-start': str,
      'kamailio-step': str,
      'patchbay-start': str,
      'patchbay-step': str,
      'sipp-start': str,
      'sipp-step': str,
      rates: str,
      'max-rate': str,
      'light-rate': str,
      'light-seconds': str,
      gap: str,
      warmup: str,
      'pdd-limit': str,
      'min-ratio': str,
      retries: str,
      workers: str,
      'buff-size': str,
      drain: str,
      'rtp-ports': str,
      'log-level': str,
      out: str,
    },
  });
}

function num(raw: string | undefined, name: string, fallback: number, zeroOk = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) {
    throw new DialUsageError(`--${name} wants a positive number, got "${raw}"`);
  }
  return n;
}

function targetList(raw: string | undefined): TargetName[] {
  if (raw === undefined) return [...DEFAULT_TARGETS];
  const out: TargetName[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    const known = DIAL_TARGETS.find((t) => t === name);
    if (!known) throw new DialUsageError(`unknown target "${name}" (known: ${DIAL_TARGETS.join(', ')})`);
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

function rateList(raw: string): number[] {
  const rates = raw.split(',').map((part) => num(part.trim(), 'rates', 0));
  if (rates.some((r) => !Number.isInteger(r)))
    throw new DialUsageError('--rates wants whole calls per second');
  return [...new Set(rates)].sort((a, b) => a - b);
}
