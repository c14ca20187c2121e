import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CpuMeter } from './cpu-meter.ts';
import { type ProcessSet, sleep, waitForUdpPort } from './process-set.ts';
import type { StateCounts, TargetRig } from './rig.ts';
import { type SippLoad, startSippLoad } from './sipp-load.ts';
import type { SippStats } from './sipp-stats.ts';

export interface ProbeContext {
  procs: ProcessSet;
  /** Length of the probe: the UAC places rate x seconds calls. */
  seconds: number;
  bufSize: number;
  /** Share of the rate the UAC must achieve. */
  minRatio: number;
  /** UDP port of the load UAC. */
  uacPort: number;
  /** Parent folder of the probe's logs and stat files. */
  dir: string;
}

/** What one probe at one rate measured. */
export interface ProbeResult {
  rate: number;
  ok: boolean;
  /** Why it failed: failed-calls, uac-exit-N, uas-exit, uas-failed, target-exit, incomplete, behind, timeout. */
  reason: string | null;
  /** Calls asked for (rate x seconds). */
  calls: number;
  /** Achieved calls per second: SIPp's CallRate(C) of the UAC. */
  cps: number;
  /** Wall seconds the CPU was sampled over (the UAC's run). */
  seconds: number;
  /** CPU by process group, % of one core. */
  cpu: Record<string, number>;
  uac: SippStats | null;
  /** The SIPp UAS of the references; null for Patchbay. */
  uas: SippStats | null;
  exitCodes: { uac: number; uas: number | null };
  /** Kernel UDP datagrams dropped on full receive buffers during the probe (all sockets). */
  udpRcvbufErrors: number;
  /** The same drops per socket of the probe: uac, uas (SIPp) and target (Kamailio, Patchbay). */
  socketDrops: Record<string, number>;
  /** 1-minute load average at the end: other work on the machine skews a probe. */
  loadAverage: number;
  /** What the target still held right after the probe (Patchbay's counts). */
  targetState: StateCounts | null;
  /** Head of SIPp's error log when the probe failed. */
  errors?: string;
  /** Folder with this probe's stat CSVs and logs. */
  logDir: string;
}

const SAMPLE_MS = 200;

/**
 * One run at one rate: starts a SIPp UAS when the rig needs one, then the load UAC; samples
 * CPU until the UAC ends; stops early at the first failed call. A probe passes when every
 * call succeeded on both SIPp ends, both exit 0, and the achieved rate is near the asked one.
 */
export async function runProbe(ctx: ProbeContext, rig: TargetRig, rate: number): Promise<ProbeResult> {
  const calls = Math.round(rate * ctx.seconds);
  const logDir = mkdtempSync(join(ctx.dir, `${rig.name}-${rate}-`));
  const common = { calls, bufSize: ctx.bufSize, dir: logDir };
  let uas: SippLoad | null = null;
  if (rig.sippUasPort !== null) {
    const port = rig.sippUasPort;
    uas = startSippLoad(ctx.procs, { ...common, role: 'uas', port, timeoutSec: ctx.seconds * 3 + 60 });
    const proc = uas.process;
    await waitForUdpPort(port, 10_000, () => proc.running);
  }
  const udpBefore = udpRcvbufErrors();
  const sockets = new SocketDrops({ uac: ctx.uacPort, uas: rig.sippUasPort, target: targetPort(rig) });
  const uac = startSippLoad(ctx.procs, {
    ...common,
    role: 'uac',
    port: ctx.uacPort,
    remote: rig.remote,
    rate,
    timeoutSec: ctx.seconds * 3 + 30,
  });
  const groups: Record<string, number[]> = { uac: [uac.process.pid] };
  if (uas) groups.uas = [uas.process.pid];
  const meter = new CpuMeter({ ...groups, ...rig.cpuGroups() });
  meter.sample();

  let abort: string | null = null;
  const deadline = performance.now() + (ctx.seconds * 3 + 45) * 1000;
  for (let tick = 1; uac.process.running; tick++) {
    await Promise.race([uac.process.exited, sleep(SAMPLE_MS)]);
    if (!uac.process.running) break;
    meter.sample();
    sockets.sample();
    if (tick % 5 !== 0) continue;
    // Once a second (SIPp's stat period): stop at the first failed call, no need to watch a collapse.
    if ((uac.stats()?.failed ?? 0) + (uas?.stats()?.failed ?? 0) > 0) abort = 'failed-calls';
    else if (uas && !uas.process.running) abort = 'uas-exit';
    else if (!rig.alive()) abort = 'target-exit';
    else if (performance.now() > deadline) abort = 'timeout';
    if (abort) await uac.process.stop('SIGTERM', 2000);
  }
  const uacCode = await uac.process.exited;

  let uasCode: number | null = null;
  if (uas) {
    // A complete UAS ends by itself after its last call's timewait.
    if (!abort) await Promise.race([uas.process.exited, sleep(10_000)]);
    uasCode = await uas.process.stop(abort ? 'SIGTERM' : 'SIGUSR1', 3000);
  }

  const result: ProbeResult = {
    rate,
    ok: false,
    reason: abort,
    calls,
    cps: 0,
    seconds: round1(meter.seconds),
    cpu: meter.percent(),
    uac: uac.stats(),
    uas: uas?.stats() ?? null,
    exitCodes: { uac: uacCode, uas: uasCode },
    udpRcvbufErrors: udpRcvbufErrors() - udpBefore,
    socketDrops: sockets.sample(),
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
    targetState: await rig.counts(),
    logDir,
  };
  result.cps = result.uac?.callRate ?? 0;
  result.reason = abort ?? (rig.alive() ? verdict(result, ctx.minRatio) : 'target-exit');
  result.ok = result.reason === null;
  if (!result.ok) result.errors = (uac.errors() + (uas ? uas.errors() : '')).slice(0, 4096);
  return result;
}

/** Why a finished probe failed, or null when it passed. */
export function verdict(r: ProbeResult, minRatio: number): string | null {
  if (!r.uac) return 'no-stats';
  if (r.uac.failed > 0) return 'failed-calls';
  if (r.exitCodes.uac !== 0) return `uac-exit-${r.exitCodes.uac}`;
  if (r.uac.successful < r.calls) return 'incomplete';
  if (r.exitCodes.uas !== null && (r.exitCodes.uas !== 0 || !r.uas || r.uas.failed > 0)) return 'uas-failed';
  if (r.cps < minRatio * r.rate) return 'behind';
  return null;
}

/** Kernel counter of UDP datagrams dropped because a socket's receive buffer was full. */
export function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith('Udp: ') || !lines[i + 1].startsWith('Udp: ')) continue;
    const names = lines[i].split(' ');
    const values = lines[i + 1].split(' ');
    return Number(values[names.indexOf('RcvbufErrors')]) || 0;
  }
  return 0;
}

/** The port of the system under test when it is not one of the SIPp ends. */
function targetPort(rig: TargetRig): number | null {
  if (rig.sippUasPort !== null && rig.remote.endsWith(`:${rig.sippUasPort}`)) return null;
  return Number(rig.remote.slice(rig.remote.lastIndexOf(':') + 1));
}

/**
 * Receive-buffer drops of given loopback UDP sockets (last column of /proc/net/udp), as
 * growth since the first sample: a long-lived target socket carries drops of earlier probes.
 */
class SocketDrops {
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();

  /** Sockets that exist now count from their current value, the others (not yet bound) from 0. */
  constructor(private readonly ports: Record<string, number | null>) {
    const now = this.read();
    for (const [name, port] of Object.entries(ports)) {
      if (port !== null) this.first.set(name, now.get(port) ?? 0);
    }
  }

  sample(): Record<string, number> {
    const now = this.read();
    const out: Record<string, number> = {};
    for (const [name, first] of this.first) {
      const drops = now.get(this.ports[name]!);
      if (drops !== undefined) this.last.set(name, drops);
      out[name] = Math.max(0, (this.last.get(name) ?? first) - first);
    }
    return out;
  }

  private read(): Map<number, number> {
    const byPort = new Map<number, number>();
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f.length < 13 || !f[1].startsWith('0100007F:')) continue;
      byPort.set(Number.parseInt(f[1].slice(9), 16), Number(f[12]));
    }
    return byPort;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
