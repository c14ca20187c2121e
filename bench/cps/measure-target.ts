import type { CpsOptions, TargetName } from './options.ts';
import { type ProbeContext, type ProbeResult, runProbe } from './probe.ts';
import { sleep } from './process-set.ts';
import { searchRate } from './rate-search.ts';
import type { StateCounts, TargetRig } from './rig.ts';

/** Everything measured for one target. */
export interface TargetResult {
  target: TargetName;
  path: string;
  /** Highest passing rate, with what that probe achieved and cost; null when none passed. */
  best: { rate: number; cps: number; cpu: Record<string, number> } | null;
  probes: ProbeResult[];
  /** Patchbay: live state right after the last probe, and after waiting for its timers. */
  state?: { afterLastProbe: StateCounts | null; afterDrain: StateCounts | null; drainSeconds: number };
  /** Patchbay: its running totals (calls answered, BYEs ...) at the last count. */
  totals?: StateCounts;
  /** Set when the target could not be measured at all (did not start ...). */
  error?: string;
}

export const TARGET_PATHS: Record<TargetName, string> = {
  sipp: 'SIPp UAC -> SIPp UAS',
  kamailio: 'SIPp UAC -> Kamailio (stateful, record-route) -> SIPp UAS',
  patchbay: 'SIPp UAC -> Patchbay test UAS',
};

/**
 * Searches the highest clean rate of one target. The rig is restarted after a failed
 * probe, so that a collapse (thousands of transactions retransmitting) does not spill
 * into the next, lower rate.
 */
export async function measureTarget(
  rig: TargetRig,
  opts: CpsOptions,
  ctx: ProbeContext,
  log: (line: string) => void,
): Promise<TargetResult> {
  const result: TargetResult = { target: rig.name, path: TARGET_PATHS[rig.name], best: null, probes: [] };
  try {
    await rig.start();
    let dirty = false;
    const search = await searchRate(
      { rates: opts.rates, start: opts.start, step: opts.step, max: opts.maxRate },
      async (rate) => {
        let probe: ProbeResult;
        let attempt = 0;
        do {
          if (dirty) {
            await rig.stop();
            await rig.start();
          }
          probe = await runProbe(ctx, rig, rate);
          dirty = !probe.ok;
          result.probes.push(probe);
          log(probeLine(rig.name, probe));
          await sleep(opts.gapSeconds * 1000);
        } while (!probe.ok && attempt++ < opts.retries);
        return probe;
      },
    );
    const best = result.probes.find((p) => p.ok && p.rate === search.best);
    if (best) result.best = { rate: best.rate, cps: best.cps, cpu: best.cpu };
    const afterLastProbe = await rig.counts();
    if (afterLastProbe) result.state = await drain(rig, afterLastProbe, opts.drainSeconds, log);
  } catch (err) {
    result.error = (err as Error).message;
    log(`${rig.name}: ${result.error}`);
  } finally {
    await rig.stop();
  }
  return result;
}

/** Waits until every count is 0 (transaction and dialog timers have run out) or time is up. */
async function drain(
  rig: TargetRig,
  afterLastProbe: StateCounts,
  seconds: number,
  log: (line: string) => void,
): Promise<NonNullable<TargetResult['state']>> {
  const started = performance.now();
  let counts: StateCounts | null = afterLastProbe;
  log(`${rig.name}: after the last probe ${formatCounts(counts)}; waiting up to ${seconds} s for 0`);
  while (counts && !allZero(counts) && performance.now() - started < seconds * 1000) {
    await sleep(1000);
    counts = await rig.counts();
  }
  const drainSeconds = Math.round((performance.now() - started) / 100) / 10;
  log(`${rig.name}: after ${drainSeconds} s ${counts ? formatCounts(counts) : 'no answer'}`);
  return { afterLastProbe, afterDrain: counts, drainSeconds };
}

function allZero(counts: StateCounts): boolean {
  return Object.values(counts).every((n) => n === 0);
}

export function formatCounts(counts: StateCounts): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function probeLine(name: string, p: ProbeResult): string {
  const cpu = Object.entries(p.cpu)
    .map(([k, v]) => `${k} ${v}%`)
    .join(', ');
  const calls = p.uac ? `${p.uac.successful}/${p.calls} ok, ${p.uac.failed} failed` : 'no stats';
  const verdict = p.ok ? 'pass' : `FAIL (${p.reason})`;
  const drops = Object.entries(p.socketDrops)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${name} @ ${p.rate}/s: ${verdict}; ${calls}; ${p.cps} cps; cpu ${cpu}; udp drops ${drops}; load ${p.loadAverage}`;
}
