import type { HistogramSummary } from './histogram.ts';
import type { ClockFigures, CpuFigures } from './protocol.ts';
import { fmt, formatTable } from './report.ts';

/** Everything one step of bench:media-playback measured (one element of `steps` in the JSON). */
export interface PlaybackStep {
  streams: number;
  /** 1 for the first run of a step, 2 for its retry ... */
  attempt: number;
  ok: boolean;
  /** Why it failed: p99 (timing), or the error that stopped the step. */
  reason: string | null;
  setupMs: number;
  packets: { expected: number; received: number; lossPct: number; receiverSocketDrops: number };
  /** |gap - 20 ms| at the receiver, inside the window, ms. */
  deviation: HistogramSummary | null;
  clock: ClockFigures | null;
  engine: {
    cpu: CpuFigures;
    windowPackets: number;
    usPerPacket: number;
    /** The engine's CPU with the same endpoints and nothing flowing, % of one core. */
    idlePercent: number;
    /** CPU per packet above that idle cost, us. */
    marginalUsPerPacket: number;
    /** CPU per stream: microseconds of CPU per second of one stream, and % of a core per 100 streams. */
    usPerStreamSecond: number;
    percentPer100Streams: number;
    playbacksFinished: number;
    heapUsedMb: number;
  } | null;
  receiver: { cpu: CpuFigures; saturated: boolean; rtcpPackets: number; minPerStream: number } | null;
  loadAverage: number;
}

/** One line per step, printed as the ladder climbs. */
export function playbackStepLine(s: PlaybackStep): string {
  if (!s.deviation || !s.engine || !s.clock || !s.receiver) return `${s.streams} streams: ERROR ${s.reason}`;
  const d = s.deviation;
  const e = s.engine.cpu;
  return (
    `${s.streams} streams${s.attempt > 1 ? ` (retry ${s.attempt - 1})` : ''}: ${s.ok ? 'pass' : `FAIL (${s.reason})`}; deviation p50 ${d.p50} p99 ${d.p99} max ${d.max} ms; ` +
    `received ${s.packets.received}/${s.packets.expected} (loss ${s.packets.lossPct} %, socket drops ${s.packets.receiverSocketDrops}); ` +
    `clock skipped ${s.clock.windowSkipped}, late p99 ${s.clock.late.p99} max ${s.clock.late.max} ms ` +
    `(stats(): skipped ${s.clock.stats.skipped}, maxLateMs ${s.clock.stats.maxLateMs}), work p50 ${s.clock.work.p50} p99 ${s.clock.work.p99} ms; ` +
    `engine ${e.percent} % (idle ${s.engine.idlePercent} %; ${s.engine.usPerPacket} us/packet, ${s.engine.marginalUsPerPacket} above idle; preempted ${e.preemptions} times); receiver ${s.receiver.cpu.percent} %` +
    `${s.receiver.saturated ? ' SATURATED' : ''}; load ${s.loadAverage}`
  );
}

/** The summary table (the one pasted into bench/README.md). */
export function playbackTable(steps: PlaybackStep[]): string {
  const rows = [
    [
      'streams',
      'received / expected',
      'deviation p50 / p99 / max ms',
      'skipped periods, late max ms (stats().maxLateMs)',
      'tick work p50 / p99 ms',
      'engine CPU % (idle)',
      'engine preempted',
      'us / packet (above idle)',
      '% core / 100 streams',
      'receiver CPU %',
      'p99 <= 2 ms',
    ],
  ];
  for (const s of steps) {
    if (!s.deviation || !s.engine || !s.clock || !s.receiver) {
      rows.push([String(s.streams), 'error', s.reason ?? '', '', '', '', '', '', '', '', '✗']);
      continue;
    }
    rows.push([
      `${fmt(s.streams)}${s.attempt > 1 ? ` (retry)` : ''}`,
      `${fmt(s.packets.received)} / ${fmt(s.packets.expected)}`,
      `${s.deviation.p50.toFixed(2)} / ${s.deviation.p99.toFixed(2)} / ${s.deviation.max.toFixed(1)}`,
      `${s.clock.windowSkipped}, ${s.clock.late.max.toFixed(1)} (${s.clock.stats.maxLateMs.toFixed(1)})`,
      `${s.clock.work.p50.toFixed(2)} / ${s.clock.work.p99.toFixed(2)}`,
      `${s.engine.cpu.percent.toFixed(1)} (${s.engine.idlePercent.toFixed(1)})`,
      fmt(s.engine.cpu.preemptions),
      `${s.engine.usPerPacket.toFixed(1)} (${s.engine.marginalUsPerPacket.toFixed(1)})`,
      s.engine.percentPer100Streams.toFixed(2),
      `${s.receiver.cpu.percent.toFixed(1)}${s.receiver.saturated ? ' (saturated)' : ''}`,
      s.ok ? '✓' : '✗',
    ]);
  }
  return formatTable(rows);
}
