import type { Clock, TimerHandle } from '../../util/clock.ts';

export type TickListener = (nowMs: number) => void;

/**
 * One 20 ms timer for every stream on a clock (instead of one timer per stream): period n
 * is due at start + n * period, so rounding never adds up to drift. It runs only while
 * someone listens. A listener that throws is reported and the others still run.
 */
export class FrameTicker {
  private readonly listeners = new Set<TickListener>();
  private timer: TimerHandle | undefined;
  private startMs = 0;
  private n = 0;

  constructor(
    private readonly clock: Clock,
    readonly periodMs = 20,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  add(listener: TickListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.startMs = this.clock.now();
      this.n = 0;
      this.arm();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.timer?.cancel();
        this.timer = undefined;
      }
    };
  }

  get size(): number {
    return this.listeners.size;
  }

  private arm(): void {
    this.n++;
    const due = this.startMs + this.n * this.periodMs;
    this.timer = this.clock.setTimer(Math.max(0, due - this.clock.now()), () => this.fire());
  }

  private fire(): void {
    const now = this.clock.now();
    // Behind by several periods (a stalled loop): skip to the present instead of bursting.
    const behind = Math.floor((now - this.startMs) / this.periodMs);
    if (behind > this.n) this.n = behind;
    for (const l of [...this.listeners]) {
      try {
        l(now);
      } catch (err) {
        this.onError(err);
      }
    }
    if (this.listeners.size > 0) this.arm();
    else this.timer = undefined;
  }
}

const shared = new WeakMap<Clock, FrameTicker>();

/** The ticker of `clock`, made on first use. */
export function sharedTicker(clock: Clock): FrameTicker {
  let t = shared.get(clock);
  if (!t) {
    t = new FrameTicker(clock);
    shared.set(clock, t);
  }
  return t;
}
