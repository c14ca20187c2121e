import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CpuMeter } from '../cps/cpu-meter.ts';
import { udpRcvbufErrors } from '../cps/probe.ts';
import { type ProcessSet, sleep, waitForUdpPort } from '../cps/process-set.ts';
import type { StateCounts, TargetRig } from '../cps/rig.ts';
import type { SippStats } from '../cps/sipp-stats.ts';
import { computePdd, type PddReport } from './pdd.ts';
import { startSippDial } from './sipp-dial.ts';
import { SocketDrops } from './socket-drops.ts';

export interface DialProbeContext {
  procs: ProcessSet;
  /** Length of the probe: the caller places rate x seconds calls. */
  seconds: number;
  /** How long each call stays up before the caller's BYE, ms. */
  holdMs: number;
  bufSize: number;
  /** Share of the rate the calls must achieve (see DialProbeResult.cps). */
  minRatio: number;
  /** UDP port of the caller's SIPp. */
  uacPort: number;
  /** Parent folder of the probe's logs and stat files. */
  dir: string;
  /** Calls of the first seconds left out of the delay figures (JIT warm-up of a fresh process). */
  warmupSeconds: number;
}

/** A rig whose webhook app can log the time of each answer request (Patchbay's). */
export interface WebhookTimingRig extends TargetRig {
  recordWebhookTiming(file: string): Promise<void>;
  stopWebhookTiming(): Promise<number | null>;
}

/** What one probe at one rate measured. */
export interface DialProbeResult {
  rate: number;
  ok: boolean;
  /** Why it failed: failed-calls, uac-exit-N, uas-failed, target-exit, incomplete, behind, timeout, no-stats. */
  reason: string | null;
  /** Calls asked for (rate x seconds). */
  calls: number;
  /**
   * Achieved calls per second: answered calls / (last 200 at the caller - first INVITE + one
   * interval). A target that falls behind answers the last calls late. SIPp's own CallRate(C)
   * counts each call's hold and teardown into the run and is kept apart as `sippCallRate`.
   */
  cps: number;
  sippCallRate: number;
  /** Wall seconds the CPU was sampled over (the caller's run). */
  seconds: number;
  /** CPU by process group, % of one core over the caller's run. */
  cpu: Record<string, number>;
  /** CPU time per completed call by process group, ms (all the CPU of the run / its calls). */
  cpuMsPerCall: Record<string, number>;
  uac: SippStats | null;
  uas: SippStats | null;
  exitCodes: { uac: number; uas: number };
  /** Kernel UDP datagrams dropped on full receive buffers during the probe (all sockets). */
  udpRcvbufErrors: number;
  /**
   * The same drops per socket: uac, uas (SIPp) and target (Kamailio, Patchbay), read every
   * DROPS_EVERY samples and at the end (a SIPp socket's last seconds may be missed; the
   * machine-wide count above has every drop).
   */
  socketDrops: Record<string, number>;
  /** 1-minute load average at the end: other work on the machine skews a probe. */
  loadAverage: number;
  /** What the target still held right after the probe (Patchbay's counts). */
  targetState: StateCounts | null;
  /** Post-dial delay and setup times from the timing logs. */
  pdd: PddReport | null;
  /** Head of SIPp's error logs when the probe failed. */
  errors?: string;
  /** Folder with this probe's stat CSVs, timing logs and SIPp logs. */
  logDir: string;
}

const SAMPLE_MS = 200;
/**
 * /proc/net/udp lists every socket on the machine, and the kernel formats it anew on each
 * read: with Patchbay's RTP sockets (four per call, thousands at high rates) five reads a
 * second cost the bench about a fifth of a core, taken from the target. Once every 5 s.
 */
const DROPS_EVERY = 25;

function hasWebhookTiming(rig: TargetRig): rig is WebhookTimingRig {
  return 'recordWebhookTiming' in rig && 'stopWebhookTiming' in rig;
}

function readIfThere(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * One run at one rate: a fresh SIPp callee, the webhook timing log when the rig has one,
 * then the SIPp caller; samples CPU until the caller ends; stops early at the first failed
 * call. Passes when every call succeeded on both SIPp ends, both exit 0, the target still
 * runs, and the achieved rate is near the asked one.
 */
export async function runDialProbe(
  ctx: DialProbeContext,
  rig: TargetRig,
  rate: number,
): Promise<DialProbeResult> {
  const calleePort = rig.sippUasPort;
  if (calleePort === null) throw new Error(`${rig.name}: a dial probe needs a SIPp callee`);
  const calls = Math.round(rate * ctx.seconds);
  const logDir = mkdtempSync(join(ctx.dir, `${rig.name}-${rate}-`));
  const common = { calls, bufSize: ctx.bufSize, dir: logDir };
  const holdSec = ctx.holdMs / 1000;
  const uas = startSippDial(ctx.procs, {
    ...common,
    role: 'uas',
    port: calleePort,
    timeoutSec: ctx.seconds * 3 + 60,
  });
  await waitForUdpPort(calleePort, 10_000, () => uas.process.running);
  const webhookLog = join(logDir, 'webhook-timing.log');
  const timing = hasWebhookTiming(rig) ? rig : null;
  await timing?.recordWebhookTiming(webhookLog);

  const udpBefore = udpRcvbufErrors();
  const targetPort = Number(rig.remote.slice(rig.remote.lastIndexOf(':') + 1));
  const sockets = new SocketDrops({ uac: ctx.uacPort, uas: calleePort, target: targetPort });
  const uac = startSippDial(ctx.procs, {
    ...common,
    role: 'uac',
    port: ctx.uacPort,
    remote: rig.remote,
    rate,
    holdMs: ctx.holdMs,
    timeoutSec: Math.ceil(ctx.seconds * 3 + holdSec + 30),
  });
  const meter = new CpuMeter({ uac: [uac.process.pid], uas: [uas.process.pid], ...rig.cpuGroups() });
  meter.sample();

  let abort: string | null = null;
  const deadline = performance.now() + (ctx.seconds * 3 + holdSec + 45) * 1000;
  for (let tick = 1; uac.process.running; tick++) {
    await Promise.race([uac.process.exited, sleep(SAMPLE_MS)]);
    if (!uac.process.running) break;
    meter.sample();
    if (tick % DROPS_EVERY === 0) sockets.sample();
    if (tick % 5 !== 0) continue;
    // Once a second (SIPp's stat period): stop at the first failed call, no need to watch a collapse.
    if ((uac.stats()?.failed ?? 0) + (uas.stats()?.failed ?? 0) > 0) abort = 'failed-calls';
    else if (!uas.process.running) abort = 'uas-exit';
    else if (!rig.alive()) abort = 'target-exit';
    else if (performance.now() > deadline) abort = 'timeout';
    if (abort) await uac.process.stop('SIGTERM', 2000);
  }
  const uacCode = await uac.process.exited;
  // A complete callee ends by itself after its last call's timewait (2 s).
  if (!abort) await Promise.race([uas.process.exited, sleep(10_000)]);
  const uasCode = await uas.process.stop(abort ? 'SIGTERM' : 'SIGUSR1', 3000);
  await timing?.stopWebhookTiming();

  const pdd = computePdd(
    readIfThere(uac.timingLog),
    readIfThere(uas.timingLog),
    timing ? readIfThere(webhookLog) : null,
    ctx.warmupSeconds,
  );
  const uacStats = uac.stats();
  const completed = uacStats?.successful ?? 0;
  const cpu = meter.percent();
  const cpuMsPerCall: Record<string, number> = {};
  for (const [name, pct] of Object.entries(cpu)) {
    cpuMsPerCall[name] = completed > 0 ? round2(((pct / 100) * meter.seconds * 1000) / completed) : 0;
  }
  const result: DialProbeResult = {
    rate,
    ok: false,
    reason: abort,
    calls,
    cps: achievedRate(pdd, rate),
    sippCallRate: uacStats?.callRate ?? 0,
    seconds: Math.round(meter.seconds * 10) / 10,
    cpu,
    cpuMsPerCall,
    uac: uacStats,
    uas: uas.stats(),
    exitCodes: { uac: uacCode, uas: uasCode },
    udpRcvbufErrors: udpRcvbufErrors() - udpBefore,
    socketDrops: sockets.sample(),
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
    targetState: await rig.counts(),
    pdd,
    logDir,
  };
  result.reason = abort ?? (rig.alive() ? dialVerdict(result, ctx.minRatio) : 'target-exit');
  result.ok = result.reason === null;
  if (!result.ok) result.errors = (uac.errors() + uas.errors()).slice(0, 4096);
  return result;
}

/** Answered calls per second from the caller's stamps (see DialProbeResult.cps); 0 without them. */
export function achievedRate(pdd: PddReport, rate: number): number {
  const span = pdd.span;
  if (!span) return 0;
  const seconds = span.lastAnswer - span.firstInvite + 1 / rate;
  return seconds > 0 ? round2(span.answered / seconds) : 0;
}

/** Why a finished probe failed, or null when it passed. */
export function dialVerdict(r: DialProbeResult, minRatio: number): string | null {
  if (!r.uac) return 'no-stats';
  if (r.uac.failed > 0) return 'failed-calls';
  if (r.exitCodes.uac !== 0) return `uac-exit-${r.exitCodes.uac}`;
  if (r.uac.successful < r.calls) return 'incomplete';
  if (r.exitCodes.uas !== 0 || !r.uas || r.uas.failed > 0 || r.uas.successful < r.calls) return 'uas-failed';
  if (r.cps < minRatio * r.rate) return 'behind';
  return null;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
