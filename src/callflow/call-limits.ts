import type { Logger } from '../util/log.ts';
import { CallControlError } from './call-control.ts';

/**
 * The two capacity limits of rest-api 1.8: calls up at once (`concurrency`) and call starts per
 * second (`cps`), and the process's own: an event loop running late or saturated (`overload`). 0 means no
 * limit. Over one, a new call is refused before anything is spent on it: an inbound INVITE
 * with 503 and Retry-After, a REST call with 429 (503 for overload).
 */
export interface CallLimitSettings {
  maxCalls: number;
  maxCps: number;
  /** Refuse new calls while the event loop has lately been this many ms late. */
  maxLoopLagMs?: number;
  /** Refuse new calls while the event loop has been busy this % of the last two seconds. */
  maxLoopLoad?: number;
}

/** Why a start was refused, as the 429 body's `details` carries it (rest-api 1.8). */
export interface LimitRefusal {
  limitType: 'concurrency' | 'cps' | 'overload';
  limit: number;
  current: number;
  /** Seconds after which trying again may succeed. */
  retryAfter: number;
  /** For overload: what `limit` and `current` measure (ms late, or % busy). Default lag. */
  measure?: 'lag' | 'load';
}

/** A REST start over a limit: 429 with the refusal as `details` and a Retry-After header. */
export class CallLimitError extends CallControlError {
  constructor(readonly refusal: LimitRefusal) {
    const r = refusal;
    super(
      r.limitType === 'overload' ? 'UNAVAILABLE' : 'BUSY',
      r.limitType === 'cps'
        ? `calls per second limit reached (${r.current} of ${r.limit} in the last second)`
        : r.limitType === 'overload'
          ? r.measure === 'load'
            ? `overloaded: the event loop was busy ${r.current} % of the last seconds (limit ${r.limit} %)`
            : `overloaded: the event loop ran ${r.current} ms late (limit ${r.limit} ms)`
          : `concurrent calls limit reached (${r.current} of ${r.limit} up)`,
    );
  }
}

const WINDOW_MS = 1000;

export class CallLimits {
  /** Start times of the last second, oldest first (at most maxCps of them). */
  private starts: number[] = [];
  private head = 0;

  constructor(
    private readonly settings: CallLimitSettings,
    /** Calls up now (queued, ringing and answered, inbound and outbound). */
    private readonly current: () => number,
    private readonly now: () => number = () => performance.now(),
    /** The event loop's recent lateness in ms (LoopLag), for maxLoopLagMs. */
    private readonly loopLagMs: () => number = () => 0,
    /** The event loop's recent busy share, 0-1 (LoopLoad), for maxLoopLoad. */
    private readonly loopLoad: () => number = () => 0,
  ) {}

  get maxCalls(): number {
    return this.settings.maxCalls;
  }

  /**
   * Takes `n` starts now (a REST request may place several calls) or none: the refusal when
   * they would pass a limit.
   */
  admit(n = 1): LimitRefusal | undefined {
    const { maxCalls, maxCps, maxLoopLagMs = 0, maxLoopLoad = 0 } = this.settings;
    if (maxLoopLagMs > 0) {
      const lag = this.loopLagMs();
      // Already behind: a new call would only add to the queue every call waits in.
      if (lag > maxLoopLagMs)
        return { limitType: 'overload', limit: maxLoopLagMs, current: Math.round(lag), retryAfter: 1 };
    }
    if (maxLoopLoad > 0) {
      // Saturated: refusing a call costs a fraction of taking it, so the calls up get through.
      const busy = this.loopLoad() * 100;
      if (busy >= maxLoopLoad)
        return {
          limitType: 'overload',
          limit: maxLoopLoad,
          current: Math.floor(busy),
          retryAfter: 1,
          measure: 'load',
        };
    }
    if (maxCalls > 0) {
      const up = this.current();
      if (up + n > maxCalls) return { limitType: 'concurrency', limit: maxCalls, current: up, retryAfter: 1 };
    }
    if (maxCps > 0) {
      const now = this.now();
      while (this.head < this.starts.length && (this.starts[this.head] as number) <= now - WINDOW_MS)
        this.head++;
      if (this.head > 64 && this.head * 2 > this.starts.length) {
        this.starts = this.starts.slice(this.head);
        this.head = 0;
      }
      const recent = this.starts.length - this.head;
      if (recent + n > maxCps) {
        // Room comes back as the oldest starts leave the second.
        const oldest = this.starts[this.head + Math.max(0, recent + n - maxCps - 1)] ?? now;
        const retryAfter = Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
        return { limitType: 'cps', limit: maxCps, current: recent, retryAfter };
      }
      for (let i = 0; i < n; i++) this.starts.push(now);
    }
    return undefined;
  }
}

/**
 * Logs refused starts without flooding: the first of a burst at once, then at most one line
 * a second with how many were refused meanwhile.
 */
export class RefusalLog {
  private lastMs = Number.NEGATIVE_INFINITY;
  private quiet = 0;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  note(refusal: LimitRefusal, callId?: string): void {
    const now = this.now();
    if (now - this.lastMs < 1000) {
      this.quiet++;
      return;
    }
    this.log.warn(
      { ...refusal, callId, refusedSinceLastLine: this.quiet },
      'call refused: over a capacity limit',
    );
    this.lastMs = now;
    this.quiet = 0;
  }
}
