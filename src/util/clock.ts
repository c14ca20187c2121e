/**
 * The time source of every state machine. Production code uses `systemClock`; tests
 * inject a stepped clock so that timers fire exactly when the test says.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** A timer of the system clock: one object per timer, no closure (timers are many per call). */
class SystemTimer implements TimerHandle {
  private readonly t: NodeJS.Timeout;

  constructor(ms: number, fn: () => void) {
    this.t = setTimeout(fn, ms);
  }

  cancel(): void {
    clearTimeout(this.t);
  }
}

export const systemClock: Clock = {
  now() {
    return performance.now();
  },
  setTimer(ms, fn) {
    return new SystemTimer(ms, fn);
  },
};
