/**
 * bench:media-playback - how many concurrent playbacks one engine process (one core) sends
 * before their timing breaks. For N in a ladder: N endpoints of a fresh engine process play
 * a 10 s PCMU clip each towards a receiver in another process, which timestamps every packet.
 * Per step: |gap - 20 ms| between consecutive packets of a stream (p50, p99, max; the first
 * second left out for the JIT), packets received against expected, the media clock (skipped
 * periods, lateness, work per tick), the engine's CPU and the receiver's CPU. With two CPUs the
 * engine is pinned to CPU 0 and the receiver to CPU 1. Before the ladder, a busy loop on each
 * CPU measures the machine's own stalls. The climb stops one step after the first step whose
 * p99 exceeds 2 ms (a failed step is run once more first).
 * Usage: npm run bench:media-playback -- --help. Writes bench/results/media-playback.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BenchChild } from './media/child.ts';
import { marginalUsPerPacket } from './media/cpu-window.ts';
import {
  MediaBenchUsageError,
  PLAYBACK_USAGE,
  type PlaybackOptions,
  parsePlaybackArgs,
} from './media/options.ts';
import { type PlaybackStep, playbackStepLine, playbackTable } from './media/playback-report.ts';
import { boundPorts, socketDrops } from './media/proc-net-udp.ts';
import type {
  NoiseOut,
  NoiseReport,
  PlaybackEngineIn,
  PlaybackEngineOut,
  ReceiverIn,
  ReceiverOut,
} from './media/protocol.ts';
import { load1, type MachineInfo, machineInfo, sleep } from './media/report.ts';

/** Engine on CPU 0, receiver or generator on CPU 1: asked for, taskset(1) is there, and 2 CPUs. */
let PIN = false;

const log = (line: string) => console.log(`[media-playback] ${line}`);

const PERIOD_MS = 20;
const RECEIVER_BUFFER = 4 * 1024 * 1024;
/** The receiver is taken as saturated (its timestamps lag) above this % of one core. */
const RECEIVER_SATURATED_PCT = 90;
const NOISE_PROBE_MS = 3000;
/** After setup the engine rests, then measures its idle CPU (endpoints ticking, nothing sent). */
const SETTLE_MS = 300;
const IDLE_MS = 1000;

/** The machine's timing noise on each CPU the bench uses (see media/noise-probe.ts). */
async function probeNoise(): Promise<NoiseReport[]> {
  const out: NoiseReport[] = [];
  for (const cpu of PIN ? [0, 1] : [null]) {
    const probe = BenchChild.start<NoiseOut, { type: 'none' }>(
      'noise probe',
      new URL('./media/noise-probe.ts', import.meta.url),
      { ms: NOISE_PROBE_MS, cpu },
      { cpu: cpu ?? undefined },
    );
    try {
      out.push((await probe.next('report', NOISE_PROBE_MS + 30_000)).report);
    } finally {
      await probe.stop();
    }
  }
  return out;
}

function capacity(opts: PlaybackOptions, machine: MachineInfo): number {
  const first = opts.ports.low % 2 === 0 ? opts.ports.low : opts.ports.low + 1;
  const pairs = Math.floor((opts.ports.high - first + 1) / 2);
  // Two sockets per endpoint, and some room for the process's own descriptors.
  const byFiles =
    machine.openFiles === null ? Number.POSITIVE_INFINITY : Math.floor((machine.openFiles - 100) / 2);
  return Math.min(pairs, byFiles);
}

async function runStep(streams: number, attempt: number, opts: PlaybackOptions): Promise<PlaybackStep> {
  const clipMs = opts.clipSeconds * 1000;
  const frames = clipMs / PERIOD_MS;
  const step: PlaybackStep = {
    streams,
    attempt,
    ok: false,
    reason: null,
    setupMs: 0,
    packets: { expected: streams * frames, received: 0, lossPct: 100, receiverSocketDrops: 0 },
    deviation: null,
    clock: null,
    engine: null,
    receiver: null,
    loadAverage: 0,
  };
  const receiver = BenchChild.start<ReceiverOut, ReceiverIn>(
    'receiver',
    new URL('./media/timing-receiver.ts', import.meta.url),
    { sockets: opts.receivers, streams, capacity: frames + 50, bufferBytes: RECEIVER_BUFFER },
    { cpu: PIN ? 1 : undefined },
  );
  let engine: BenchChild<PlaybackEngineOut, PlaybackEngineIn> | undefined;
  try {
    const { ports } = await receiver.next('ready', 30_000);
    engine = BenchChild.start<PlaybackEngineOut, PlaybackEngineIn>(
      'engine',
      new URL('./media/playback-engine.ts', import.meta.url),
      {
        streams,
        ports: opts.ports,
        receiverPorts: ports,
        clipMs,
        warmupMs: opts.warmupSeconds * 1000,
        settleMs: SETTLE_MS,
        idleMs: IDLE_MS,
      },
      { cpu: PIN ? 0 : undefined },
    );
    engine.on('window', (m) => receiver.send({ type: 'mark', phase: m.phase }));
    const ready = await engine.next('ready', 120_000);
    step.setupMs = ready.setupMs;
    const idle = ready.idle;
    engine.send({ type: 'play' });
    const { result } = await engine.next('result', clipMs + 60_000);
    // Let the last packets land before the receiver counts.
    await sleep(300);
    step.packets.receiverSocketDrops = socketDrops(ports);
    receiver.send({ type: 'report' });
    const { report } = await receiver.next('report', 30_000);
    step.loadAverage = load1();
    const windowSeconds = result.cpu.wallMs / 1000;
    const cpuUs = result.cpu.cpuMs * 1000;
    step.packets.received = report.packets;
    step.packets.lossPct = round(100 * (1 - report.packets / step.packets.expected), 3);
    step.deviation = report.deviation;
    step.clock = result.clock;
    step.engine = {
      cpu: result.cpu,
      windowPackets: result.windowPackets,
      usPerPacket: result.windowPackets > 0 ? round(cpuUs / result.windowPackets, 2) : 0,
      idlePercent: idle.percent,
      marginalUsPerPacket: marginalUsPerPacket(result.cpu, idle, result.windowPackets),
      usPerStreamSecond: windowSeconds > 0 ? round(cpuUs / windowSeconds / streams, 1) : 0,
      percentPer100Streams: round((result.cpu.percent * 100) / streams, 2),
      playbacksFinished: result.playbacksFinished,
      heapUsedMb: result.heapUsedMb,
    };
    step.receiver = {
      cpu: report.cpu,
      saturated: report.cpu.percent >= RECEIVER_SATURATED_PCT,
      rtcpPackets: report.rtcpPackets,
      minPerStream: report.minPerStream,
    };
    step.ok = report.deviation.p99 <= opts.maxP99Ms;
    step.reason = step.ok ? null : `p99 ${report.deviation.p99} ms > ${opts.maxP99Ms} ms`;
  } catch (err) {
    step.reason = (err as Error).message;
  } finally {
    await Promise.all([engine?.stop(), receiver.stop()]);
  }
  return step;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(PLAYBACK_USAGE);
    return 0;
  }
  const opts = parsePlaybackArgs(argv);
  const machine = machineInfo();
  PIN = opts.pin && machine.cores >= 2 && BenchChild.canPin();
  const max = capacity(opts, machine);
  if (machine.rmemMax !== null && machine.rmemMax < RECEIVER_BUFFER) {
    log(`warning: net.core.rmem_max is ${machine.rmemMax}: receiver sockets get less than 4 MiB`);
  }
  if (machine.loadAtStart > 0.5)
    log(`warning: load average ${machine.loadAtStart}: other work skews the figures`);
  log(
    `${machine.cores} cores (${machine.cpu}), node ${process.version}; ports ${opts.ports.low}-${opts.ports.high} ` +
      `(room for ${max} streams); ${opts.clipSeconds} s clip, first ${opts.warmupSeconds} s left out`,
  );
  const noise = await probeNoise();
  for (const n of noise) {
    log(
      `machine noise${n.cpu === null ? '' : ` on CPU ${n.cpu}`}: ${n.stallsOver1ms} stalls > 1 ms, ${n.stallsOver2ms} > 2 ms ` +
        `in ${n.seconds} s (longest ${n.maxStallMs} ms) of a thread that never sleeps`,
    );
  }
  const busy = boundPorts(opts.ports.low, opts.ports.high);
  if (busy > 0)
    log(
      `${busy} ports of ${opts.ports.low}-${opts.ports.high} are held by other sockets: the pool skips them`,
    );
  const steps: PlaybackStep[] = [];
  let firstFailed = -1;
  for (let i = 0; i < opts.ladder.length; i++) {
    const n = opts.ladder[i];
    // One step more after the first failed one, then stop (unless --all).
    if (!opts.all && firstFailed >= 0 && i > firstFailed + 1) break;
    if (n > max) {
      log(`${n} streams: skipped, the port range or the open-files limit holds ${max}`);
      break;
    }
    let step: PlaybackStep;
    let attempt = 0;
    do {
      await sleep(1000);
      step = await runStep(n, ++attempt, opts);
      steps.push(step);
      log(playbackStepLine(step));
    } while (!step.ok && step.deviation && attempt <= opts.retries);
    if (!step.ok && firstFailed < 0) firstFailed = i;
  }
  // A step passes when one of its attempts passed.
  const passed = (n: number) => steps.some((s) => s.streams === n && s.ok);
  const ran = [...new Set(steps.map((s) => s.streams))];
  const breakIndex = ran.findIndex((n) => !passed(n));
  const cleanRun = breakIndex < 0 ? ran : ran.slice(0, breakIndex);
  const best = cleanRun.length > 0 ? cleanRun[cleanRun.length - 1] : null;
  const breaksAt = breakIndex < 0 ? null : ran[breakIndex];
  const saturated = [...new Set(steps.filter((s) => s.receiver?.saturated).map((s) => s.streams))];

  const result = {
    bench: 'media-playback',
    date: new Date().toISOString(),
    node: process.version,
    machine: { ...machine, loadAtEnd: load1() },
    settings: {
      ...opts,
      out: undefined,
      codec: 'PCMU',
      period: `${PERIOD_MS} ms`,
      receiverBufferBytes: RECEIVER_BUFFER,
      receiverSaturatedAbovePct: RECEIVER_SATURATED_PCT,
      processes:
        'runner; engine (one fresh process per step); receiver (one fresh process per step, several sockets)',
      pinned: PIN ? 'engine on CPU 0, receiver on CPU 1 (taskset)' : 'not pinned',
      warmup: 'gaps with an arrival in the first warmup seconds of playback are left out (JIT warm-up)',
    },
    bestStreams: best,
    breaksAtStreams: breaksAt,
    machineNoise: noise,
    receiverSaturatedAt: saturated,
    steps,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${playbackTable(steps)}\n`);
  log(
    best === null
      ? `no step met p99 <= ${opts.maxP99Ms} ms`
      : `largest N with p99 <= ${opts.maxP99Ms} ms: ${best} streams` +
          (breaksAt !== null ? ` (breaks at ${breaksAt})` : ' (did not break within the ladder)'),
  );
  if (saturated.length > 0) {
    log(
      `the receiver saturated (>= ${RECEIVER_SATURATED_PCT} % of a core) at ${saturated.join(', ')} streams`,
    );
  }
  log('CPU is % of one core; the machine has ' + `${machine.cores} x 100 %`);
  log(`results written to ${opts.out}`);
  return steps.some((s) => !s.deviation) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof MediaBenchUsageError)
      console.error(`media-playback: ${err.message}\n${PLAYBACK_USAGE}`);
    else console.error('media-playback:', err);
    process.exit(err instanceof MediaBenchUsageError ? 2 : 1);
  },
);
