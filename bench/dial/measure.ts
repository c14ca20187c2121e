import { CpuMeter } from '../cps/cpu-meter.ts';
import type { TargetName } from '../cps/options.ts';
import { sleep } from '../cps/process-set.ts';
import { searchRate } from '../cps/rate-search.ts';
import type { StateCounts, TargetRig } from '../cps/rig.ts';
import type { DialOptions } from './options.ts';
import { type DialProbeContext, type DialProbeResult, runDialProbe } from './probe.ts';

/** Everything measured for one target. */
export interface DialTargetResult {
  target: TargetName;
  path: string;
  /** Highest passing rate, with what that probe achieved, cost and its post-dial delay; null when none passed. */
  best: Pick<DialProbeResult, 'rate' | 'cps' | 'cpu' | 'cpuMsPerCall' | 'pdd'> | null;
  /** Highest passing rate whose p99 post-dial delay (webhook excluded) is within --pdd-limit. */
  bestWithinPdd: { rate: number; pddP99: number } | null;
  /** CPU of the target's processes with no call, % of one core (media clock, timers). */
  idleCpu: Record<string, number> | null;
  /** The light-load probe (--light-rate), run first: the post-dial delay without queueing. */
  light: DialProbeResult | null;
  /** The rate search, in the order it ran. */
  probes: DialProbeResult[];
  /** Patchbay: live state right after the last probe, and after waiting for it to empty. */
  state?: { afterLastProbe: StateCounts | null; afterDrain: StateCounts | null; drainSeconds: number };
  /** Patchbay: running totals (SIP counters, media clock, webhook requests served) at the last count. */
  totals?: StateCounts;
  /** Set when the target could not be measured at all (did not start ...). */
  error?: string;
}

export const DIAL_PATHS: Record<TargetName, string> = {
  sipp: 'SIPp caller -> SIPp callee',
  kamailio: 'SIPp caller -> Kamailio (stateful, record-route) -> SIPp callee',
  patchbay: 'SIPp caller -> Patchbay (answer URL -> <Dial><User>) -> SIPp callee',
};

/** Counts that say a call is still held (transactions linger 32 s by design, RFC 3261 17). */
const HELD = ['calls', 'dialogs', 'endpoints', 'bridges', 'webhooks'];

/**
 * The light-load probe, then the rate search of one target. The rig is restarted after a
 * failed probe, so that a collapse does not spill into the next, lower rate, and warmed up
 * again with the light load (unmeasured) before that next probe.
 */
export async function measureDialTarget(
  rig: TargetRig & { lastTotals?: StateCounts | null },
  opts: DialOptions,
  ctx: DialProbeContext,
  log: (line: string) => void,
): Promise<DialTargetResult> {
  const result: DialTargetResult = {
    target: rig.name,
    path: DIAL_PATHS[rig.name],
    best: null,
    bestWithinPdd: null,
    idleCpu: null,
    light: null,
    probes: [],
  };
  let dirty = false;
  const light = { ...ctx, seconds: opts.light.seconds };
  const probe = async (rate: number, c: DialProbeContext, label: string): Promise<DialProbeResult> => {
    if (dirty) {
      await rig.stop();
      await rig.start();
      dirty = false;
      // A fresh process first gets the light load again, unmeasured: the rate search is of
      // sustained rates, and a cold Node process runs its first second at about twice its
      // cost per call (not yet optimised by the JIT), enough to start a collapse near the edge.
      if (opts.light.rate > 0) await probe(opts.light.rate, light, ' (warm-up after restart)');
    }
    const p = await runDialProbe(c, rig, rate);
    dirty = !p.ok;
    log(probeLine(`${rig.name}${label}`, p));
    await sleep(opts.gapSeconds * 1000);
    return p;
  };
  try {
    await rig.start();
    result.idleCpu = await idleCpu(rig);
    if (opts.light.rate > 0) {
      result.light = await probe(opts.light.rate, light, ' (light)');
    }
    const plan = opts.plans[rig.name];
    const search = await searchRate(
      { rates: opts.rates, start: plan.start, step: plan.step, max: opts.maxRate },
      async (rate) => {
        let p: DialProbeResult;
        let attempt = 0;
        do {
          p = await probe(rate, ctx, '');
          result.probes.push(p);
        } while (!p.ok && attempt++ < opts.retries);
        return p;
      },
    );
    const best = result.probes.find((p) => p.ok && p.rate === search.best);
    if (best) {
      const { rate, cps, cpu, cpuMsPerCall, pdd } = best;
      result.best = { rate, cps, cpu, cpuMsPerCall, pdd };
    }
    result.bestWithinPdd = bestWithin(result.probes, opts.pddLimitMs);
    const afterLastProbe = await rig.counts();
    if (afterLastProbe) result.state = await drain(rig, afterLastProbe, opts.drainSeconds, log);
    if (rig.lastTotals) result.totals = rig.lastTotals;
  } catch (err) {
    result.error = (err as Error).message;
    log(`${rig.name}: ${result.error}`);
  } finally {
    await rig.stop();
  }
  return result;
}

/** The highest passing probe whose p99 post-dial delay (webhook excluded) is within `limitMs`. */
export function bestWithin(probes: DialProbeResult[], limitMs: number): DialTargetResult['bestWithinPdd'] {
  let best: DialTargetResult['bestWithinPdd'] = null;
  for (const p of probes) {
    const p99 = p.pdd?.pddWithoutWebhook?.p99;
    if (!p.ok || p99 === undefined || p99 > limitMs) continue;
    if (!best || p.rate > best.rate) best = { rate: p.rate, pddP99: p99 };
  }
  return best;
}

/** CPU of the rig's own processes over 2 s without calls, 1 s after its start. */
async function idleCpu(rig: TargetRig): Promise<Record<string, number> | null> {
  const groups = rig.cpuGroups();
  if (Object.keys(groups).length === 0) return null;
  await sleep(1000);
  const meter = new CpuMeter(groups);
  meter.sample();
  await sleep(2000);
  meter.sample();
  return meter.percent();
}

/** Waits until nothing is held any more (calls, dialogs, media endpoints ...) or time is up. */
async function drain(
  rig: TargetRig,
  afterLastProbe: StateCounts,
  seconds: number,
  log: (line: string) => void,
): Promise<NonNullable<DialTargetResult['state']>> {
  const started = performance.now();
  let counts: StateCounts | null = afterLastProbe;
  log(`${rig.name}: after the last probe ${formatCounts(counts)}; waiting up to ${seconds} s for 0`);
  while (counts && !idle(counts) && performance.now() - started < seconds * 1000) {
    await sleep(1000);
    counts = await rig.counts();
  }
  const drainSeconds = Math.round((performance.now() - started) / 100) / 10;
  log(`${rig.name}: after ${drainSeconds} s ${counts ? formatCounts(counts) : 'no answer'}`);
  return { afterLastProbe, afterDrain: counts, drainSeconds };
}

function idle(counts: StateCounts): boolean {
  return HELD.every((k) => !counts[k]);
}

function formatCounts(counts: StateCounts): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function probeLine(name: string, p: DialProbeResult): string {
  const cpu = Object.entries(p.cpu)
    .map(([k, v]) => `${k} ${v}% (${p.cpuMsPerCall[k]} ms/call)`)
    .join(', ');
  const calls = p.uac ? `${p.uac.successful}/${p.calls} ok, ${p.uac.failed} failed` : 'no stats';
  const verdict = p.ok ? 'pass' : `FAIL (${p.reason})`;
  const pdd = p.pdd?.pdd;
  const net = p.pdd?.pddWithoutWebhook;
  const delay = pdd
    ? `pdd p50/p99 ${pdd.p50}/${pdd.p99} ms${p.pdd?.webhook && net ? ` (${net.p50}/${net.p99} without webhook)` : ''}`
    : 'no pdd';
  const drops = Object.entries(p.socketDrops)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${name} @ ${p.rate}/s: ${verdict}; ${calls}; ${p.cps} cps; ${delay}; cpu ${cpu}; udp drops ${drops}; load ${p.loadAverage}`;
}
