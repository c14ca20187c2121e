import { type Clock, systemClock } from './clock.ts';

/**
 * Lets at most `limit` log lines through per window; the rest are counted and reported as
 * one line when the next window opens. Keeps a flood of bad packets from flooding the log.
 */
export class LogThrottle {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly limit = 20,
    private readonly windowMs = 1000,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Whether this event may be logged. When a window opens after suppressed events,
   * `onSuppressed` gets their count first.
   */
  allow(onSuppressed?: (count: number) => void): boolean {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) onSuppressed?.(this.suppressed);
      this.windowStart = now;
      this.used = 0;
      this.suppressed = 0;
    }
    if (this.used < this.limit) {
      this.used++;
      return true;
    }
    this.suppressed++;
    return false;
  }
}
