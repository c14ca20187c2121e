import { type Clock, systemClock, type TimerHandle } from '../util/clock.ts';

/**
 * Work done once per media period. Phases run in order within one tick: mixers compute
 * their output first, then endpoints send, then recorders and other listeners pull.
 */
export type TickPhase = 'mix' | 'send' | 'record';

export interface MediaTicker {
  /**
   * `tick` counts periods since the clock started; a skipped period leaves a gap in it.
   * A ticker that sends media calls MediaClock.sentMedia().
   */
  onTick(tick: number, nowMs: number): void;
}

export interface MediaClockStats {
  ticks: number;
  /** Periods dropped because the process fell too far behind (a long GC pause, a blocked loop). */
  skipped: number;
  /** Worst observed lateness of a tick, in ms. */
  maxLateMs: number;
  tickers: number;
}

const PHASES: readonly TickPhase[] = ['mix', 'send', 'record'];
/** Late by more than this many periods: skip ahead instead of bursting the backlog out. */
const MAX_CATCH_UP = 3;
/** How early the timer wakes before a period is due; the rest is stepped precisely. */
const SPIN_MS = 1;

/**
 * The one clock of the process's outgoing media. Period n is due at start + n * period,
 * computed from the start time so rounding never accumulates into drift; one timer serves
 * every call. The timer runs only while someone is registered.
 *
 * The last millisecond before a period is stepped with setImmediate (the loop spins) only
 * when the previous tick sent media: packets then leave on time to a fraction of a
 * millisecond. Ticks that send nothing (bridged calls relay as packets arrive; RTCP is
 * not that punctual) are left to the timer alone, up to a millisecond late, and the
 * process does not spin for them.
 */
export class MediaClock {
  readonly periodMs: number;
  private readonly clock: Clock;
  private readonly phases: Map<TickPhase, Set<MediaTicker>> = new Map(PHASES.map((p) => [p, new Set()]));
  private count = 0;
  private startMs = 0;
  private next = 0;
  private timer: TimerHandle | undefined;
  private readonly s: MediaClockStats = { ticks: 0, skipped: 0, maxLateMs: 0, tickers: 0 };
  private errorHandler: (err: unknown) => void = () => {};
  /** Only on the real clock: a test clock steps time itself. */
  private readonly spin: boolean;
  /** The last tick sent media: step the next one precisely. */
  private precise = true;
  private sentThisTick = false;
  private readonly fireBound = () => this.fire();

  constructor(opts: { periodMs?: number; clock?: Clock } = {}) {
    this.periodMs = opts.periodMs ?? 20;
    this.clock = opts.clock ?? systemClock;
    this.spin = this.clock === systemClock;
  }

  /** Called when a ticker throws; the tick goes on with the others. */
  onError(fn: (err: unknown) => void): void {
    this.errorHandler = fn;
  }

  /** Registers a ticker; returns the function that removes it. */
  add(ticker: MediaTicker, phase: TickPhase = 'send'): () => void {
    const set = this.phases.get(phase) as Set<MediaTicker>;
    if (!set.has(ticker)) {
      set.add(ticker);
      this.count++;
      if (this.count === 1) this.start();
    }
    return () => this.remove(ticker, phase);
  }

  remove(ticker: MediaTicker, phase: TickPhase = 'send'): void {
    const set = this.phases.get(phase) as Set<MediaTicker>;
    if (set.delete(ticker)) {
      this.count--;
      if (this.count === 0) this.stop();
    }
  }

  /** The index of the period in progress (or the last one run). */
  get currentTick(): number {
    return this.next - 1;
  }

  /** The time of the clock's source (ms): the base of the `nowMs` that tickers get. */
  now(): number {
    return this.clock.now();
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stats(): MediaClockStats {
    return { ...this.s, tickers: this.count };
  }

  private start(): void {
    this.startMs = this.clock.now();
    this.next = 0;
    this.arm();
  }

  private stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    const due = this.startMs + this.next * this.periodMs;
    // Node's timers have millisecond granularity and count from the loop's cached time: wake
    // a little early, then step the loop with setImmediate until the period is due.
    const early = this.spin && this.precise ? SPIN_MS : 0;
    const delay = Math.max(0, Math.floor(due - this.clock.now() - early));
    this.timer?.cancel();
    this.timer = this.clock.setTimer(delay, () => this.fire());
  }

  private fire(): void {
    const now = this.clock.now();
    if (this.spin && now < this.startMs + this.next * this.periodMs) {
      if (this.precise) setImmediate(this.fireBound);
      else this.arm();
      return;
    }
    const behind = Math.floor((now - this.startMs) / this.periodMs) - this.next;
    if (behind > MAX_CATCH_UP) {
      this.s.skipped += behind;
      this.next += behind;
    }
    // Run every period that is due (normally one).
    while (this.count > 0 && this.startMs + this.next * this.periodMs <= now) {
      const late = now - (this.startMs + this.next * this.periodMs);
      if (late > this.s.maxLateMs) this.s.maxLateMs = late;
      const tick = this.next++;
      this.s.ticks++;
      this.runTick(tick, now);
    }
    if (this.count > 0) this.arm();
    else this.timer = undefined;
  }

  /** A ticker sent media in the tick under way: the next tick is stepped precisely. */
  sentMedia(): void {
    this.sentThisTick = true;
  }

  private runTick(tick: number, now: number): void {
    this.sentThisTick = false;
    for (const phase of PHASES) {
      for (const t of this.phases.get(phase) as Set<MediaTicker>) {
        try {
          t.onTick(tick, now);
        } catch (err) {
          this.errorHandler(err);
        }
      }
    }
    this.precise = this.sentThisTick;
  }
}
