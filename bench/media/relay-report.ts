import type { HistogramSummary } from './histogram.ts';
import type { ClockFigures, CpuFigures } from './protocol.ts';
import { fmt, formatTable } from './report.ts';

export type RunKind = 'relay' | 'transcode' | 'relay+inband-dtmf';

/** Everything one run of bench:media-relay measured (one element of `steps` in the JSON). */
export interface RelayStep {
  kind: RunKind;
  bridges: number;
  ok: boolean;
  reason: string | null;
  setupMs: number;
  /** False when the two legs' codecs differ (every packet decoded and re-encoded). */
  relaying: boolean;
  /** What the schedule asks for: 2 directions x 50 pps per bridge. */
  nominalPps: number;
  window: { seconds: number; sentPps: number; relayedPps: number } | null;
  /** Whole run, warm-up included: packets sent by the phones that no phone received. */
  lossPct: number;
  /** Packets that reached the phones only after the generator's drain had ended (counted in). */
  lateArrivals: number;
  drops: { engineSockets: number; generatorSockets: number };
  /** Phone to phone through the bridge, ms (the generator's own lag included). */
  latency: HistogramSummary | null;
  /** p99 latency within --max-latency. */
  latencyOk: boolean;
  engine: {
    cpu: CpuFigures;
    windowRelayed: number;
    usPerPacket: number;
    /** Whole run: RTP packets the endpoints received from the phones and sent to them. */
    packetsReceived: number;
    packetsSent: number;
    /** The engine's CPU with the same endpoints and nothing flowing, % of one core. */
    idlePercent: number;
    /** CPU per packet above that idle cost, us. */
    marginalUsPerPacket: number;
    /** Packets the engine relayed per second of its CPU time: relayed pps / (CPU fraction of one core). */
    ppsPerCore: number;
    /** CPU per call (two directions, 100 packets/s relayed): % of a core per 100 calls' traffic. */
    percentPer100Calls: number;
    clock: ClockFigures;
    heapUsedMb: number;
  } | null;
  generator: {
    cpu: CpuFigures;
    /** It could not keep the schedule (skipped sends, or under 99 % of the nominal rate). */
    saturated: boolean;
    /** Over 90 % of a core: the latency figures include its own lag. */
    busy: boolean;
    skippedSends: number;
    slotLate: HistogramSummary;
    markers: number;
    unmatched: number;
  } | null;
  loadAverage: number;
}

/** One line per run, printed as the ladder climbs. */
export function relayStepLine(s: RelayStep): string {
  if (!s.window || !s.engine || !s.generator || !s.latency)
    return `${s.kind} ${s.bridges} bridges: ERROR ${s.reason}`;
  return (
    `${s.kind} ${s.bridges} bridges: ${s.ok ? 'pass' : `FAIL (${s.reason})`}; relayed ${fmt(s.window.relayedPps)} pps ` +
    `of ${fmt(s.window.sentPps)} sent (nominal ${fmt(s.nominalPps)}); loss ${s.lossPct} % (${s.lateArrivals} late; engine received ` +
    `${fmt(s.engine.packetsReceived)}, sent ${fmt(s.engine.packetsSent)}; socket drops engine ` +
    `${s.drops.engineSockets}, generator ${s.drops.generatorSockets}); latency p50 ${s.latency.p50} p99 ${s.latency.p99} ` +
    `max ${s.latency.max} ms; engine ${s.engine.cpu.percent} % (idle ${s.engine.idlePercent} %; ${s.engine.usPerPacket} us/packet, ` +
    `${s.engine.marginalUsPerPacket} above idle, clock ${s.engine.clock.windowTicks} ticks ` +
    `${s.engine.clock.windowSkipped} skipped, ` +
    `${fmt(s.engine.ppsPerCore)} pps/core, preempted ${s.engine.cpu.preemptions} times); generator ${s.generator.cpu.percent} %` +
    `${s.generator.saturated ? ' SATURATED' : s.generator.busy ? ' (busy: latency includes its lag)' : ''}; markers ${s.generator.markers}; load ${s.loadAverage}`
  );
}

/** The summary table (the one pasted into bench/README.md). */
export function relayTable(steps: RelayStep[], maxLatencyMs: number): string {
  const rows = [
    [
      'run',
      'bridges',
      'relayed pps (nominal)',
      'loss %',
      'latency p50 / p99 / max ms',
      `p99 <= ${maxLatencyMs} ms`,
      'engine CPU % (idle)',
      'us / packet (above idle)',
      'pps per core',
      '% core / 100 calls',
      'clock ticks / skipped',
      'generator CPU %',
      'verdict',
    ],
  ];
  for (const s of steps) {
    if (!s.window || !s.engine || !s.generator || !s.latency) {
      rows.push([s.kind, fmt(s.bridges), 'error', '', s.reason ?? '', '', '', '', '', '', '', '', '✗']);
      continue;
    }
    rows.push([
      s.kind,
      fmt(s.bridges),
      `${fmt(s.window.relayedPps)} (${fmt(s.nominalPps)})`,
      s.lossPct.toFixed(3),
      `${s.latency.p50.toFixed(2)} / ${s.latency.p99.toFixed(2)} / ${s.latency.max.toFixed(1)}`,
      s.latencyOk ? '✓' : '✗',
      `${s.engine.cpu.percent.toFixed(1)} (${s.engine.idlePercent.toFixed(1)})`,
      `${s.engine.usPerPacket.toFixed(1)} (${s.engine.marginalUsPerPacket.toFixed(1)})`,
      fmt(s.engine.ppsPerCore),
      s.engine.percentPer100Calls.toFixed(2),
      `${s.engine.clock.windowTicks} / ${s.engine.clock.windowSkipped}`,
      `${s.generator.cpu.percent.toFixed(1)}${s.generator.saturated ? ' (saturated)' : s.generator.busy ? ' (busy)' : ''}`,
      s.ok ? '✓' : `✗ ${s.reason}`,
    ]);
  }
  return formatTable(rows);
}

const TARGET_PPS_PER_CORE = 100_000;

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** What one engine figure was at a load: for the summary of the JSON and the closing lines. */
interface LoadPoint {
  bridges: number;
  relayedPps: number;
  enginePercent: number;
  usPerPacket: number;
  ppsPerCore: number;
  latencyP99: number;
}

function point(s: RelayStep | undefined): LoadPoint | null {
  if (!s?.engine || !s.window || !s.latency) return null;
  return {
    bridges: s.bridges,
    relayedPps: s.window.relayedPps,
    enginePercent: s.engine.cpu.percent,
    usPerPacket: s.engine.usPerPacket,
    ppsPerCore: s.engine.ppsPerCore,
    latencyP99: s.latency.p99,
  };
}

export interface RelaySummary {
  /** The largest step of the climb before the first failure (loss or a saturated generator). */
  best: LoadPoint | null;
  targetPpsPerCore: number;
  targetMet: boolean;
  maxLatencyMs: number;
  /** The same, among steps whose p99 relay latency stayed within maxLatencyMs. */
  bestWithinLatency: LoadPoint | null;
  /** The highest load relayed without loss, generator saturated or not: the engine's own cost there. */
  highestLoad: LoadPoint | null;
  generatorSaturatedAt: string[];
  /** Extra cost per packet against the relay step with the same number of bridges. */
  transcode: {
    bridges: number;
    usPerPacket: number;
    relayUsPerPacket: number;
    extraUsPerPacket: number;
  } | null;
  inbandDtmf: {
    bridges: number;
    usPerPacket: number;
    relayUsPerPacket: number;
    extraUsPerPacket: number;
  } | null;
}

export function relaySummary(steps: RelayStep[], maxLossPct: number, maxLatencyMs: number): RelaySummary {
  const relay = steps.filter((s) => s.kind === 'relay');
  const firstFail = relay.findIndex((s) => !s.ok);
  const clean = (firstFail < 0 ? relay : relay.slice(0, firstFail)).filter((s) => s.ok && s.engine);
  const prompt = clean.filter((s) => s.latencyOk);
  const loaded = relay
    .filter((s) => s.engine && s.window && s.lossPct <= maxLossPct)
    .sort((x, y) => (y.window?.relayedPps ?? 0) - (x.window?.relayedPps ?? 0))[0];
  const against = (kind: RunKind) => {
    const extra = steps.find((s) => s.kind === kind);
    const base = extra && relay.find((s) => s.bridges === extra.bridges);
    return extra?.engine && base?.engine
      ? {
          bridges: extra.bridges,
          usPerPacket: extra.engine.usPerPacket,
          relayUsPerPacket: base.engine.usPerPacket,
          extraUsPerPacket: round2(extra.engine.usPerPacket - base.engine.usPerPacket),
        }
      : null;
  };
  const best = point(clean[clean.length - 1]);
  return {
    best,
    targetPpsPerCore: TARGET_PPS_PER_CORE,
    targetMet: (best?.ppsPerCore ?? 0) >= TARGET_PPS_PER_CORE,
    maxLatencyMs,
    bestWithinLatency: point(prompt[prompt.length - 1]),
    highestLoad: point(loaded),
    generatorSaturatedAt: steps.filter((s) => s.generator?.saturated).map((s) => `${s.kind} ${s.bridges}`),
    transcode: against('transcode'),
    inbandDtmf: against('relay+inband-dtmf'),
  };
}

/** The closing lines of a run. */
export function summaryLines(sum: RelaySummary): string[] {
  const lines: string[] = [];
  const at = (p: LoadPoint) =>
    `${p.bridges} bridges, ${fmt(p.relayedPps)} pps relayed at ${p.enginePercent} % of a core ` +
    `(${p.usPerPacket} us/packet = ${fmt(p.ppsPerCore)} pps per core, p99 latency ${p.latencyP99} ms)`;
  if (sum.best) {
    lines.push(
      `largest clean step: ${at(sum.best)}; target ${fmt(sum.targetPpsPerCore)} pps per core ` +
        `${sum.targetMet ? 'met' : 'NOT met'}`,
    );
  }
  if (sum.bestWithinLatency) {
    lines.push(`largest clean step with p99 latency <= ${sum.maxLatencyMs} ms: ${at(sum.bestWithinLatency)}`);
  }
  if (sum.highestLoad) lines.push(`highest load relayed without loss: ${at(sum.highestLoad)}`);
  for (const [name, cmp] of [
    ['transcoding (PCMU <-> PCMA)', sum.transcode],
    ['in-band DTMF detection', sum.inbandDtmf],
  ] as const) {
    if (cmp) {
      lines.push(
        `${name} at ${cmp.bridges} bridges: ${cmp.usPerPacket} us/packet against ${cmp.relayUsPerPacket} ` +
          `relaying (${cmp.extraUsPerPacket >= 0 ? '+' : ''}${cmp.extraUsPerPacket} us)`,
      );
    }
  }
  if (sum.generatorSaturatedAt.length > 0) {
    lines.push(
      `the generator saturated at ${sum.generatorSaturatedAt.join(', ')}: the engine's us/packet there is its own cost`,
    );
  }
  return lines;
}
