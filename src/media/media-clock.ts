import { type Clock, systemClock, type TimerHandle } from '../util/clock.ts';

/**
 * Work done once per media period. Phases run in order within one tick: mixers compute
 * their output first, then endpoints send, then recorders and other listeners pull.
 * `idle` is for tickers with nothing to send for now (a bridged leg, whose audio is relayed
 * as it arrives) that still want a look now and then (RTCP reports, timeouts): each runs
 * once every IDLE_EVERY periods, in lane 0, spread so that a tenth of them run each period.
 */
export type TickPhase = 'mix' | 'send' | 'record' | 'idle';

/** An idle ticker runs once in this many periods (200 ms at 20 ms). */
export const IDLE_EVERY = 10;

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
  /** Senders in each lane, lane 0 first. */
  lanes: number[];
  /** Idle tickers (see TickPhase). */
  idle: number;
}

export interface MediaClockOptions {
  periodMs?: number;
  clock?: Clock;
  /** Lanes the period is divided into for senders (see the class comment). Default 4. */
  lanes?: number;
  /** Senders lane 0 takes before others are used. Default 32. */
  laneFill?: number;
}

/** Late by more than this many periods: skip ahead instead of bursting the backlog out. */
const MAX_CATCH_UP = 3;
/** How early the timer wakes before a slot is due; the rest is stepped precisely. */
const SPIN_MS = 1;

/**
 * The one clock of the process's outgoing media. Period n is due at start + n * period,
 * computed from the start time so rounding never accumulates into drift; one timer serves
 * every call. The timer runs only while someone is registered.
 *
 * Lanes: a period is cut into `lanes` slots and every sender keeps one slot, so with
 * hundreds of calls the tick's packets leave in a few short bursts spread over the period
 * instead of one long one that holds up every packet and frame arriving meanwhile. Lane 0
 * (at the period's start) takes the first `laneFill` senders, so a lightly loaded process
 * ticks once per period exactly as a single-lane clock does; after that each new sender
 * goes to the emptiest lane. Mixers run at the start of lane 0, before any sender of the
 * period, and recorders at its end: they read what lanes 1.. sent one period later, always
 * the same lag for a given sender.
 *
 * The last millisecond before a slot is stepped with setImmediate (the loop spins) only
 * when the slot sent media the last time it ran: packets then leave on time to a fraction
 * of a millisecond. Slots that send nothing (bridged calls relay as packets arrive; RTCP
 * is not that punctual) are left to the timer alone, up to a millisecond late, and the
 * process does not spin for them.
 */
export class MediaClock {
  readonly periodMs: number;
  private readonly clock: Clock;
  private readonly mixers = new Set<MediaTicker>();
  private readonly recorders = new Set<MediaTicker>();
  private readonly lanes: Array<Set<MediaTicker>>;
  private readonly laneOf = new Map<MediaTicker, number>();
  /** Idle tickers by the period (modulo IDLE_EVERY) they run in. */
  private readonly idle: Array<Set<MediaTicker>> = Array.from({ length: IDLE_EVERY }, () => new Set());
  private readonly idleOf = new Map<MediaTicker, number>();
  private idleCursor = 0;
  private readonly laneFill: number;
  private readonly slotMs: number;
  private count = 0;
  private startMs = 0;
  /** The next slot to run: period floor(slot / lanes), lane slot % lanes. */
  private next = 0;
  private timer: TimerHandle | undefined;
  private readonly s = { ticks: 0, skipped: 0, maxLateMs: 0 };
  private errorHandler: (err: unknown) => void = () => {};
  /** Only on the real clock: a test clock steps time itself. */
  private readonly spin: boolean;
  /** Per lane: the last run sent media, step its next one precisely. */
  private readonly precise: boolean[];
  private sentThisSlot = false;
  private readonly fireBound = () => this.fire();

  constructor(opts: MediaClockOptions = {}) {
    this.periodMs = opts.periodMs ?? 20;
    this.clock = opts.clock ?? systemClock;
    this.spin = this.clock === systemClock;
    const lanes = Math.max(1, Math.floor(opts.lanes ?? 4));
    this.lanes = Array.from({ length: lanes }, () => new Set<MediaTicker>());
    this.precise = this.lanes.map(() => true);
    this.laneFill = opts.laneFill ?? 32;
    this.slotMs = this.periodMs / lanes;
  }

  /** Called when a ticker throws; the tick goes on with the others. */
  onError(fn: (err: unknown) => void): void {
    this.errorHandler = fn;
  }

  /** Registers a ticker; returns the function that removes it. */
  add(ticker: MediaTicker, phase: TickPhase = 'send'): () => void {
    let added = false;
    if (phase === 'send') {
      if (!this.laneOf.has(ticker)) {
        const lane = this.pickLane();
        this.lanes[lane]?.add(ticker);
        this.laneOf.set(ticker, lane);
        added = true;
      }
    } else if (phase === 'idle') {
      if (!this.idleOf.has(ticker)) {
        const bucket = this.idleCursor++ % IDLE_EVERY;
        this.idle[bucket]?.add(ticker);
        this.idleOf.set(ticker, bucket);
        added = true;
      }
    } else {
      const set = phase === 'mix' ? this.mixers : this.recorders;
      if (!set.has(ticker)) {
        set.add(ticker);
        added = true;
      }
    }
    if (added && ++this.count === 1) this.start();
    return () => this.remove(ticker, phase);
  }

  remove(ticker: MediaTicker, phase: TickPhase = 'send'): void {
    let removed: boolean;
    if (phase === 'send') {
      const lane = this.laneOf.get(ticker);
      removed = lane !== undefined && this.laneOf.delete(ticker);
      if (removed) this.lanes[lane as number]?.delete(ticker);
    } else if (phase === 'idle') {
      const bucket = this.idleOf.get(ticker);
      removed = bucket !== undefined && this.idleOf.delete(ticker);
      if (removed) this.idle[bucket as number]?.delete(ticker);
    } else {
      removed = (phase === 'mix' ? this.mixers : this.recorders).delete(ticker);
    }
    if (removed && --this.count === 0) this.stop();
  }

  /** The index of the period in progress (or the last one run). */
  get currentTick(): number {
    return Math.floor((this.next - 1) / this.lanes.length);
  }

  /** The time of the clock's source (ms): the base of the `nowMs` that tickers get. */
  now(): number {
    return this.clock.now();
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stats(): MediaClockStats {
    return { ...this.s, tickers: this.count, lanes: this.lanes.map((l) => l.size), idle: this.idleOf.size };
  }

  /** A ticker sent media in the slot under way: the lane's next slot is stepped precisely. */
  sentMedia(): void {
    this.sentThisSlot = true;
  }

  private pickLane(): number {
    const first = this.lanes[0] as Set<MediaTicker>;
    if (first.size < this.laneFill) return 0;
    let best = 0;
    for (let i = 1; i < this.lanes.length; i++) {
      if ((this.lanes[i] as Set<MediaTicker>).size < (this.lanes[best] as Set<MediaTicker>).size) best = i;
    }
    return best;
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

  private dueOf(slot: number): number {
    return this.startMs + slot * this.slotMs;
  }

  /** Lane 0 always runs (mixers, recorders, the tick count); other lanes only when someone is in them. */
  private skipEmpty(): void {
    const n = this.lanes.length;
    while (this.next % n !== 0 && (this.lanes[this.next % n] as Set<MediaTicker>).size === 0) this.next++;
  }

  private arm(): void {
    this.skipEmpty();
    const due = this.dueOf(this.next);
    // Node's timers have millisecond granularity and count from the loop's cached time: wake
    // a little early, then step the loop with setImmediate until the slot is due.
    const early = this.spin && this.precise[this.next % this.lanes.length] ? SPIN_MS : 0;
    const delay = Math.max(0, Math.floor(due - this.clock.now() - early));
    this.timer?.cancel();
    this.timer = this.clock.setTimer(delay, () => this.fire());
  }

  private fire(): void {
    const now = this.clock.now();
    const n = this.lanes.length;
    if (this.spin && now < this.dueOf(this.next)) {
      if (this.precise[this.next % n]) setImmediate(this.fireBound);
      else this.arm();
      return;
    }
    const behind = Math.floor((now - this.startMs) / this.periodMs) - Math.floor(this.next / n);
    if (behind > MAX_CATCH_UP) {
      // Skip whole periods, to the same lane.
      this.s.skipped += behind;
      this.next += behind * n;
    }
    // Run every slot that is due (normally one).
    while (this.count > 0 && this.dueOf(this.next) <= now) {
      const late = now - this.dueOf(this.next);
      if (late > this.s.maxLateMs) this.s.maxLateMs = late;
      const slot = this.next++;
      this.runSlot(Math.floor(slot / n), slot % n, now);
      this.skipEmpty();
    }
    if (this.count > 0) this.arm();
    else this.timer = undefined;
  }

  private runSlot(tick: number, lane: number, now: number): void {
    this.sentThisSlot = false;
    if (lane === 0) {
      this.s.ticks++;
      this.runAll(this.mixers, tick, now);
      this.runAll(this.lanes[0] as Set<MediaTicker>, tick, now);
      this.runAll(this.idle[tick % IDLE_EVERY] as Set<MediaTicker>, tick, now);
      this.runAll(this.recorders, tick, now);
    } else {
      this.runAll(this.lanes[lane] as Set<MediaTicker>, tick, now);
    }
    this.precise[lane] = lane === 0 && this.sentThisSlot;
  }

  private runAll(set: Set<MediaTicker>, tick: number, now: number): void {
    for (const t of set) {
      try {
        t.onTick(tick, now);
      } catch (err) {
        this.errorHandler(err);
      }
    }
  }
}
