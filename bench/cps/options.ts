import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

export type TargetName = 'sipp' | 'kamailio' | 'patchbay';

export const TARGET_NAMES: readonly TargetName[] = ['sipp', 'kamailio', 'patchbay'];

/** What one `bench:sip-cps` run does; every field has a flag. */
export interface CpsOptions {
  /** Length of one probe (calls = rate x seconds). */
  seconds: number;
  targets: TargetName[];
  /** An explicit ladder, climbed until the first failure; replaces the coarse/fine search. */
  rates: number[] | null;
  /** First rate of the coarse ladder (doubled until a failure). */
  start: number;
  /** Resolution of the fine search between the last pass and the first failure. */
  step: number;
  /** No probe above this rate. */
  maxRate: number;
  /** Pause between probes, so retransmissions and timewaits of the last one die out. */
  gapSeconds: number;
  /** A probe whose achieved rate is below this share of its target rate fails ("behind"). */
  minRatio: number;
  /**
   * Extra attempts at a rate that failed, each after a rig restart: on a shared machine a
   * burst of other work can sink one probe. 0 = the first failure stops the climb.
   */
  retries: number;
  /** Kamailio UDP worker processes. */
  workers: number;
  /** SO_RCVBUF/SO_SNDBUF for SIPp (-buff_size) and Kamailio's receive-buffer cap (-b). */
  bufSize: number;
  /** How long to wait, after the last probe, for Patchbay's transactions and dialogs to reach 0. */
  drainSeconds: number;
  /** The Patchbay UAS sends from its UDP send thread. */
  sendThread: boolean;
  /** Where the results JSON goes. */
  out: string;
}

export const CPS_USAGE = `usage: npm run bench:sip-cps -- [options]
  --seconds N        length of one probe in seconds (default 20)
  --targets LIST     comma list of sipp,kamailio,patchbay (default all three)
  --rates LIST       explicit rates to climb, e.g. 1000,2000,3000 (stops at the first failure)
  --start N          first rate of the coarse ladder, doubled until a failure (default 1000)
  --step N           resolution of the fine search after the coarse ladder (default 1000)
  --max-rate N       highest rate ever tried (default 64000)
  --gap N            seconds between probes (default 3)
  --min-ratio X      a probe achieving less than X x its rate fails as "behind" (default 0.95)
  --retries N        re-run a failed rate up to N times before calling it failed (default 0)
  --workers N        Kamailio worker processes (default: number of cores)
  --buff-size N      socket buffer bytes for SIPp and Kamailio (default 4194304)
  --drain N          seconds to wait for Patchbay's transactions/dialogs to reach 0 (default 90)
  --send-thread      the Patchbay UAS sends from its UDP send thread (PATCHBAY_SIP_SEND_THREAD)
  --out FILE         results file (default bench/results/sip-cps.json)`;

export class CpsUsageError extends Error {
  readonly code = 'BENCH_USAGE';
}

const DEFAULT_OUT = new URL('../results/sip-cps.json', import.meta.url).pathname;

/** Parses the command line of bench/sip-cps.ts; throws CpsUsageError on a bad flag. */
export function parseCpsArgs(argv: string[]): CpsOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new CpsUsageError((err as Error).message);
  }
  const opts: CpsOptions = {
    seconds: num(values.seconds, 'seconds', 20),
    targets: targetList(values.targets),
    rates: values.rates === undefined ? null : rateList(values.rates),
    start: num(values.start, 'start', 1000),
    step: num(values.step, 'step', 1000),
    maxRate: num(values['max-rate'], 'max-rate', 64000),
    gapSeconds: num(values.gap, 'gap', 3, true),
    minRatio: num(values['min-ratio'], 'min-ratio', 0.95, true),
    retries: num(values.retries, 'retries', 0, true),
    workers: num(values.workers, 'workers', availableParallelism()),
    bufSize: num(values['buff-size'], 'buff-size', 4194304),
    drainSeconds: num(values.drain, 'drain', 90, true),
    sendThread: values['send-thread'] === true,
    out: values.out ?? DEFAULT_OUT,
  };
  if (opts.minRatio > 1) throw new CpsUsageError('--min-ratio must be between 0 and 1');
  if (!Number.isInteger(opts.workers)) throw new CpsUsageError('--workers must be an integer');
  if (!Number.isInteger(opts.retries)) throw new CpsUsageError('--retries must be an integer');
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
      rates: str,
      start: str,
      step: str,
      'max-rate': str,
      gap: str,
      'min-ratio': str,
      retries: str,
      workers: str,
      'buff-size': str,
      drain: str,
      'send-thread': { type: 'boolean' },
      out: str,
    },
  });
}

function num(raw: string | undefined, name: string, fallback: number, zeroOk = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) {
    throw new CpsUsageError(`--${name} wants a positive number, got "${raw}"`);
  }
  return n;
}

function targetList(raw: string | undefined): TargetName[] {
  if (raw === undefined) return [...TARGET_NAMES];
  const out: TargetName[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    const known = TARGET_NAMES.find((t) => t === name);
    if (!known) throw new CpsUsageError(`unknown target "${name}" (known: ${TARGET_NAMES.join(', ')})`);
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

function rateList(raw: string): number[] {
  const rates = raw.split(',').map((part) => num(part.trim(), 'rates', 0));
  if (rates.some((r) => !Number.isInteger(r)))
    throw new CpsUsageError('--rates wants whole calls per second');
  return [...new Set(rates)].sort((a, b) => a - b);
}
