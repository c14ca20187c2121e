import type { MediaClock, MediaClockStats } from '../../src/media/media-clock.ts';
import { Histogram } from './histogram.ts';
import type { ClockFigures } from './protocol.ts';

/**
 * Watches the engine's media clock from inside: one ticker in the first phase ('mix') and
 * one in the last ('record'), so every tick is bracketed by the work of all endpoints.
 *
 * `MediaClock.stats().maxLateMs` counts from the clock's start, setup included; the probe
 * measures lateness inside the window only. Period n is due at start + n * period; the start
 * is private, so the probe takes the smallest `now - n * period` it has seen (a tick that
 * fired on time) as the start.
 */
export class TickProbe {
  private readonly late = new Histogram();
  private readonly work = new Histogram();
  private origin = Number.POSITIVE_INFINITY;
  private tickStartedAt = 0;
  private tickLate = 0;
  private recording = false;
  private stats0: MediaClockStats | undefined;
  private stats1: MediaClockStats | undefined;
  private readonly removers: Array<() => void>;
  private readonly tickDone = () => {
    this.work.add(performance.now() - this.tickStartedAt);
    this.late.add(this.tickLate);
  };

  constructor(private readonly clock: MediaClock) {
    const period = clock.periodMs;
    this.removers = [
      clock.add(
        {
          onTick: (tick, nowMs) => {
            const offset = nowMs - tick * period;
            if (offset < this.origin) this.origin = offset;
            this.tickLate = offset - this.origin;
            this.tickStartedAt = performance.now();
          },
        },
        'mix',
      ),
      clock.add(
        {
          onTick: () => {
            // The sockets' sends run as process.nextTick callbacks queued during the tick
            // (dgram resolves the address first); one queued now runs after all of them.
            if (this.recording) process.nextTick(this.tickDone);
          },
        },
        'record',
      ),
    ];
  }

  start(): void {
    this.stats0 = this.clock.stats();
    this.recording = true;
  }

  stop(): void {
    this.recording = false;
    this.stats1 = this.clock.stats();
  }

  /** Ticks run inside the window. */
  get windowTicks(): number {
    return this.stats0 && this.stats1 ? this.stats1.ticks - this.stats0.ticks : 0;
  }

  figures(): ClockFigures {
    const end = this.clock.stats();
    return {
      stats: { ticks: end.ticks, skipped: end.skipped, maxLateMs: Math.round(end.maxLateMs * 1000) / 1000 },
      windowTicks: this.windowTicks,
      windowSkipped: this.stats0 && this.stats1 ? this.stats1.skipped - this.stats0.skipped : 0,
      late: this.late.summary(),
      work: this.work.summary(),
    };
  }

  remove(): void {
    for (const r of this.removers) r();
  }
}
