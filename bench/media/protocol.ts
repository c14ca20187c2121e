/**
 * What the media benchmarks' processes say to each other over Node's IPC channel. Each child
 * gets its configuration as a JSON argument, answers `ready`, and reports once at the end;
 * the runner forwards the measuring window's start and end between them, so the engine and
 * the receiver (or generator) read their CPU over the same stretch of time.
 */
import type { HistogramSummary } from './histogram.ts';

export interface PortRange {
  low: number;
  high: number;
}

export type WindowPhase = 'start' | 'end';

/** CPU a process spent over the measuring window. */
export interface CpuFigures {
  /** Wall time of the window. */
  wallMs: number;
  /** user + system time of every thread of the process (GC threads included). */
  cpuMs: number;
  /** cpuMs / wallMs in % of one core. */
  percent: number;
  /**
   * Involuntary context switches of the main thread (the one running JavaScript): times the
   * kernel took its CPU away while it had work (another process, or the process's own GC
   * helper threads when they share its pinned core).
   */
  preemptions: number;
}

/** The engine's media clock over the window, from a probe registered on it (see tick-probe.ts). */
export interface ClockFigures {
  /** clock.stats() at the end of the run, setup included. */
  stats: { ticks: number; skipped: number; maxLateMs: number };
  /** Ticks run and periods skipped inside the window (from clock.stats() at both ends). */
  windowTicks: number;
  windowSkipped: number;
  /** How late each tick fired inside the window, ms. */
  late: HistogramSummary;
  /** How long each tick's work took (all tickers, then the sends they queued), ms. */
  work: HistogramSummary;
}

// ---- playback ---------------------------------------------------------------------------

export interface ReceiverConfig {
  /** Sockets to bind (the engine spreads its streams over them). */
  sockets: number;
  /** Streams expected; more are counted but not timed. */
  streams: number;
  /** Arrival slots per stream. */
  capacity: number;
  /** SO_RCVBUF of each socket. */
  bufferBytes: number;
}

export type ReceiverOut =
  | { type: 'ready'; ports: number[] }
  | { type: 'report'; report: ReceiverReport }
  | { type: 'error'; message: string };

export type ReceiverIn = { type: 'mark'; phase: WindowPhase } | { type: 'report' };

export interface ReceiverReport {
  streams: number;
  /** RTP packets received over the whole run (warm-up included). */
  packets: number;
  /** Packets from streams beyond the expected count. */
  strayPackets: number;
  rtcpPackets: number;
  /** Fewest and most packets of one stream. */
  minPerStream: number;
  maxPerStream: number;
  /** |gap - 20 ms| between consecutive packets of a stream, both inside the window. */
  deviation: HistogramSummary;
  cpu: CpuFigures;
}

export interface PlaybackEngineConfig {
  streams: number;
  ports: PortRange;
  receiverPorts: number[];
  clipMs: number;
  warmupMs: number;
  /** Pause after the last endpoint is created, then the idle measurement, then `ready`. */
  settleMs: number;
  idleMs: number;
}

export type PlaybackEngineIn = { type: 'play' };

export type PlaybackEngineOut =
  | { type: 'ready'; setupMs: number; idle: CpuFigures }
  | { type: 'window'; phase: WindowPhase }
  | { type: 'result'; result: PlaybackEngineResult }
  | { type: 'error'; message: string };

export interface PlaybackEngineResult {
  /** Packets the endpoints sent over the whole run (their RTP stats). */
  packetsSent: number;
  /** Packets sent inside the window: streams x ticks run in it. */
  windowPackets: number;
  playbacksFinished: number;
  cpu: CpuFigures;
  clock: ClockFigures;
  heapUsedMb: number;
}

// ---- relay ------------------------------------------------------------------------------

export type G711Name = 'PCMU' | 'PCMA';

export interface GeneratorConfig {
  bridges: number;
  codecA: G711Name;
  codecB: G711Name;
  warmupMs: number;
  measureMs: number;
  /** The 20 ms period is cut into this many send slots; each phone sends in one of them. */
  slots: number;
  /** The longest to keep receiving after the last send (it stops earlier once nothing comes). */
  drainMs: number;
}

export type GeneratorIn = { type: 'start'; endpointPorts: number[] } | { type: 'count' };

export type GeneratorOut =
  | { type: 'ready'; ports: number[] }
  | { type: 'window'; phase: WindowPhase }
  | { type: 'report'; report: GeneratorReport }
  /** Packets received so far (asked for after the engine's totals, to catch late arrivals). */
  | { type: 'count'; received: number }
  | { type: 'error'; message: string };

export interface GeneratorReport {
  /** Whole run, warm-up included; received counted after the drain. */
  sent: number;
  received: number;
  /** Sends the schedule dropped because the generator was more than 3 periods behind. */
  skippedSends: number;
  window: {
    seconds: number;
    sent: number;
    received: number;
    /** Send slots that fired late, ms (the generator's own lag). */
    slotLate: HistogramSummary;
    /** Send by the phone to receive by the other phone, through the bridge, ms. */
    latency: HistogramSummary;
  };
  /** Received packets with the marker bit set (each relayed packet should not carry one). */
  markers: number;
  /** Received packets whose payload did not decode to a packet index we sent. */
  unmatched: number;
  rtcpPackets: number;
  cpu: CpuFigures;
}

export interface RelayEngineConfig {
  bridges: number;
  ports: PortRange;
  /** Two per bridge: phone A then phone B. */
  phonePorts: number[];
  codecA: G711Name;
  codecB: G711Name;
  /** Leave the endpoints' in-band DTMF detector at its default (on: every received packet decoded). */
  inbandDtmf: boolean;
  settleMs: number;
  idleMs: number;
}

export type RelayEngineIn = { type: 'mark'; phase: WindowPhase } | { type: 'close' };

export type RelayEngineOut =
  | { type: 'ready'; setupMs: number; idle: CpuFigures; endpointPorts: number[]; relaying: boolean }
  | { type: 'marked'; phase: WindowPhase; tookMs: number }
  | { type: 'result'; result: RelayEngineResult }
  | { type: 'error'; message: string };

export interface RelayEngineResult {
  /** Packets the endpoints sent inside the window (each one a relayed packet). */
  windowSent: number;
  /** ... and over the whole run. */
  packetsSent: number;
  packetsReceived: number;
  cpu: CpuFigures;
  clock: ClockFigures;
  heapUsedMb: number;
}

// ---- machine noise ----------------------------------------------------------------------

export interface NoiseConfig {
  ms: number;
  /** The CPU the probe is pinned to, for the report (null: not pinned). */
  cpu: number | null;
}

export type NoiseOut = { type: 'report'; report: NoiseReport } | { type: 'error'; message: string };

/** How often a thread that never sleeps lost its CPU, and for how long. */
export interface NoiseReport {
  cpu: number | null;
  seconds: number;
  stallsOver1ms: number;
  stallsOver2ms: number;
  maxStallMs: number;
  /** Wall time lost in stalls over 0.1 ms, per second. */
  stolenMsPerSecond: number;
}
