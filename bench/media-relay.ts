/**
 * bench:media-relay - packets per second one engine process relays through bridges. For K in
 * a ladder: a fresh engine process with K bridges (endpoint A <-> endpoint B, both PCMU, so
 * packets are relayed without decoding) and a generator process playing both phones of every
 * bridge at 50 packets per second per direction. Per step: packets relayed per second (sent
 * by one phone, received by the other), loss, relay latency (send to receive, through the
 * engine), the engine's CPU (% of one core, us per relayed packet, pps per core) and the
 * generator's CPU. With two CPUs the engine is pinned to CPU 0 and the generator to CPU 1.
 * Then one run with transcoding (A PCMU, B PCMA) and one with the endpoints' default in-band
 * DTMF detection, for their cost per packet.
 * Usage: npm run bench:media-relay -- --help. Writes bench/results/media-relay.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BenchChild } from './media/child.ts';
import { marginalUsPerPacket } from './media/cpu-window.ts';
import { MediaBenchUsageError, parseRelayArgs, RELAY_USAGE, type RelayOptions } from './media/options.ts';
import { boundPorts, socketDrops } from './media/proc-net-udp.ts';
import type { G711Name, GeneratorIn, GeneratorOut, RelayEngineIn, RelayEngineOut } from './media/protocol.ts';
import {
  type RelayStep,
  type RunKind,
  relayStepLine,
  relaySummary,
  relayTable,
  summaryLines,
} from './media/relay-report.ts';
import { load1, type MachineInfo, machineInfo, sleep } from './media/report.ts';

/** Engine on CPU 0, receiver or generator on CPU 1: asked for, taskset(1) is there, and 2 CPUs. */
let PIN = false;

const log = (line: string) => console.log(`[media-relay] ${line}`);

/** Packets per second per direction of one call (20 ms packetization). */
const PPS_PER_DIRECTION = 50;
/** Send slots per 20 ms period in the generator. */
const SLOTS = 10;
/**
 * Above this % of one core the generator is busy: it still sends on time, but its receive
 * timestamps (the latency figures) carry its own lag. It is saturated when it cannot keep
 * the schedule: it skipped sends, or sent less than 99 % of the nominal rate.
 */
const GENERATOR_BUSY_PCT = 90;
/** After setup the engine rests, then measures its idle CPU (endpoints ticking, nothing relayed). */
const SETTLE_MS = 300;
const IDLE_MS = 1000;

interface RunSpec {
  kind: RunKind;
  bridges: number;
  codecB: G711Name;
  inbandDtmf: boolean;
}

function capacity(opts: RelayOptions, machine: MachineInfo): number {
  const first = opts.ports.low % 2 === 0 ? opts.ports.low : opts.ports.low + 1;
  const pairs = Math.floor((opts.ports.high - first + 1) / 2);
  // Four sockets per bridge in the engine, two in the generator: the engine is the limit.
  const byFiles =
    machine.openFiles === null ? Number.POSITIVE_INFINITY : Math.floor((machine.openFiles - 100) / 4);
  return Math.min(Math.floor(pairs / 2), byFiles);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

async function runStep(spec: RunSpec, opts: RelayOptions): Promise<RelayStep> {
  const { bridges } = spec;
  const step: RelayStep = {
    kind: spec.kind,
    bridges,
    ok: false,
    reason: null,
    setupMs: 0,
    relaying: spec.codecB === 'PCMU',
    nominalPps: bridges * 2 * PPS_PER_DIRECTION,
    window: null,
    lossPct: 100,
    lateArrivals: 0,
    drops: { engineSockets: 0, generatorSockets: 0 },
    latency: null,
    latencyOk: false,
    engine: null,
    generator: null,
    loadAverage: 0,
  };
  const generator = BenchChild.start<GeneratorOut, GeneratorIn>(
    'generator',
    new URL('./media/phone-generator.ts', import.meta.url),
    {
      bridges,
      codecA: 'PCMU',
      codecB: spec.codecB,
      warmupMs: opts.warmupSeconds * 1000,
      measureMs: opts.seconds * 1000,
      slots: SLOTS,
      drainMs: 10_000,
    },
    { cpu: PIN ? 1 : undefined },
  );
  let engine: BenchChild<RelayEngineOut, RelayEngineIn> | undefined;
  try {
    const phones = await generator.next('ready', 120_000);
    engine = BenchChild.start<RelayEngineOut, RelayEngineIn>(
      'engine',
      new URL('./media/relay-engine.ts', import.meta.url),
      {
        bridges,
        ports: opts.ports,
        phonePorts: phones.ports,
        codecA: 'PCMU',
        codecB: spec.codecB,
        inbandDtmf: spec.inbandDtmf,
        settleMs: SETTLE_MS,
        idleMs: IDLE_MS,
      },
      { cpu: PIN ? 0 : undefined },
    );
    const eng = engine;
    const ready = await eng.next('ready', 120_000);
    step.setupMs = ready.setupMs;
    step.relaying = ready.relaying;
    generator.on('window', (m) => eng.send({ type: 'mark', phase: m.phase }));
    generator.send({ type: 'start', endpointPorts: ready.endpointPorts });
    const runMs = (opts.warmupSeconds + opts.seconds) * 1000;
    const { report } = await generator.next('report', runMs + 60_000);
    step.drops.engineSockets = socketDrops(ready.endpointPorts);
    step.drops.generatorSockets = socketDrops(phones.ports);
    eng.send({ type: 'close' });
    const { result } = await eng.next('result', 30_000);
    // Packets the engine relayed after the generator's drain ended still count as received.
    await sleep(500);
    generator.send({ type: 'count' });
    const { received } = await generator.next('count', 30_000);
    step.lateArrivals = received - report.received;
    step.loadAverage = load1();

    const w = report.window;
    const relayedPps = w.seconds > 0 ? w.received / w.seconds : 0;
    step.window = {
      seconds: round(w.seconds, 2),
      sentPps: Math.round(w.seconds > 0 ? w.sent / w.seconds : 0),
      relayedPps: Math.round(relayedPps),
    };
    step.lossPct = report.sent > 0 ? round(100 * (1 - received / report.sent), 3) : 100;
    step.latency = w.latency;
    step.latencyOk = w.latency.p99 <= opts.maxLatencyMs;
    step.engine = {
      cpu: result.cpu,
      windowRelayed: result.windowSent,
      usPerPacket: result.windowSent > 0 ? round((result.cpu.cpuMs * 1000) / result.windowSent, 2) : 0,
      packetsReceived: result.packetsReceived,
      packetsSent: result.packetsSent,
      idlePercent: ready.idle.percent,
      marginalUsPerPacket: marginalUsPerPacket(result.cpu, ready.idle, result.windowSent),
      // The engine's own count over its own window, so both figures of the ratio come from it.
      ppsPerCore: result.cpu.cpuMs > 0 ? Math.round((1000 * result.windowSent) / result.cpu.cpuMs) : 0,
      // Per 100 calls' worth of what was relayed (a call is 2 x 50 pps), not per bridge set up.
      percentPer100Calls:
        relayedPps > 0 ? round((result.cpu.percent * 100 * 2 * PPS_PER_DIRECTION) / relayedPps, 2) : 0,
      clock: result.clock,
      heapUsedMb: result.heapUsedMb,
    };
    const saturated = report.skippedSends > 0 || w.sent < 0.99 * step.nominalPps * w.seconds;
    step.generator = {
      cpu: report.cpu,
      saturated,
      busy: report.cpu.percent >= GENERATOR_BUSY_PCT,
      skippedSends: report.skippedSends,
      slotLate: w.slotLate,
      markers: report.markers,
      unmatched: report.unmatched,
    };
    if (step.lossPct > opts.maxLossPct) step.reason = `loss ${step.lossPct} % > ${opts.maxLossPct} %`;
    else if (saturated) step.reason = 'generator saturated';
    step.ok = step.reason === null;
  } catch (err) {
    step.reason = (err as Error).message;
  } finally {
    await Promise.all([engine?.stop(), generator.stop()]);
  }
  return step;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(RELAY_USAGE);
    return 0;
  }
  const opts = parseRelayArgs(argv);
  const machine = machineInfo();
  PIN = opts.pin && machine.cores >= 2 && BenchChild.canPin();
  const max = capacity(opts, machine);
  if (machine.loadAtStart > 0.5)
    log(`warning: load average ${machine.loadAtStart}: other work skews the figures`);
  log(
    `${machine.cores} cores (${machine.cpu}), node ${process.version}; ports ${opts.ports.low}-${opts.ports.high} ` +
      `(room for ${max} bridges); ${opts.seconds} s measured after ${opts.warmupSeconds} s of warm-up`,
  );
  const busy = boundPorts(opts.ports.low, opts.ports.high);
  if (busy > 0)
    log(
      `${busy} ports of ${opts.ports.low}-${opts.ports.high} are held by other sockets: the pool skips them`,
    );
  const steps: RelayStep[] = [];
  let failed = false;
  for (const bridges of opts.ladder) {
    if (bridges > max) {
      log(`${bridges} bridges: skipped, the port range or the open-files limit holds ${max}`);
      break;
    }
    const step = await runStep({ kind: 'relay', bridges, codecB: 'PCMU', inbandDtmf: false }, opts);
    steps.push(step);
    log(relayStepLine(step));
    // Stop one step after the first failure (unless --all).
    if (failed && !opts.all) break;
    if (!step.ok) failed = true;
    await sleep(1000);
  }
  const extras: RunSpec[] = [];
  if (opts.transcodeBridges > 0) {
    extras.push({ kind: 'transcode', bridges: opts.transcodeBridges, codecB: 'PCMA', inbandDtmf: false });
  }
  if (opts.inbandBridges > 0) {
    extras.push({ kind: 'relay+inband-dtmf', bridges: opts.inbandBridges, codecB: 'PCMU', inbandDtmf: true });
  }
  for (const spec of extras) {
    await sleep(1000);
    const step = await runStep(spec, opts);
    steps.push(step);
    log(relayStepLine(step));
  }

  const summary = relaySummary(steps, opts.maxLossPct, opts.maxLatencyMs);
  const result = {
    bench: 'media-relay',
    date: new Date().toISOString(),
    node: process.version,
    machine: { ...machine, loadAtEnd: load1() },
    settings: {
      ...opts,
      out: undefined,
      ppsPerDirection: PPS_PER_DIRECTION,
      generatorSlots: SLOTS,
      generatorBusyAbovePct: GENERATOR_BUSY_PCT,
      pinned: PIN ? 'engine on CPU 0, generator on CPU 1 (taskset)' : 'not pinned',
      processes: 'runner; engine (one fresh process per run); generator (one fresh process per run)',
      warmup: 'packets sent or received in the first warmup seconds are left out of rates, CPU and latency',
    },
    summary,
    steps,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${relayTable(steps, opts.maxLatencyMs)}\n`);
  for (const line of summaryLines(summary)) log(line);
  log(`CPU is % of one core; the machine has ${machine.cores} x 100 %`);
  log(`results written to ${opts.out}`);
  return steps.some((s) => !s.engine) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof MediaBenchUsageError) console.error(`media-relay: ${err.message}\n${RELAY_USAGE}`);
    else console.error('media-relay:', err);
    process.exit(err instanceof MediaBenchUsageError ? 2 : 1);
  },
);
