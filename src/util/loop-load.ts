import { performance } from 'node:perf_hooks';

/** Cumulative milliseconds the event loop spent waiting for events (idle) and not (active). */
export interface LoopTimes {
  idle: number;
  active: number;
}

export interface LoopLoadOptions {
  /** Sampling period, ms. Default 250. */
  sampleMs?: number;
  /** Samples the window holds: 8 of 250 ms, the last two seconds. */
  samples?: number;
  /** Where the times come from; default the process's event-loop utilization. */
  source?: () => LoopTimes;
  /** Sample on a timer of our own (default); false: the owner calls sample(). */
  timer?: boolean;
}

const fromProcess = (): LoopTimes => {
  const u = performance.eventLoopUtilization();
  return { idle: u.idle, active: u.active };
};

/**
 * How busy the event loop has been over the last two seconds: the share of the time it was
 * not waiting for events (Node's event-loop utilization). At 1 for seconds on end the process
 * no longer keeps up: what arrives waits in the socket buffers while callers retransmit,
 * which adds work. A lateness probe (LoopLag) sees a stall; this sees saturation that stalls
 * nothing for long but never ends.
 */
export class LoopLoad {
  private readonly source: () => LoopTimes;
  private readonly idle: number[];
  private readonly active: number[];
  private at = 0;
  private last: LoopTimes;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(opts: LoopLoadOptions = {}) {
    this.source = opts.source ?? fromProcess;
    const n = Math.max(1, opts.samples ?? 8);
    this.idle = new Array<number>(n).fill(0);
    this.active = new Array<number>(n).fill(0);
    this.last = this.source();
    this.timer =
      opts.timer === false ? undefined : setInterval(() => this.sample(), opts.sampleMs ?? 250).unref();
  }

  /** Closes a sampling period. */
  sample(): void {
    const now = this.source();
    this.idle[this.at] = now.idle - this.last.idle;
    this.active[this.at] = now.active - this.last.active;
    this.at = (this.at + 1) % this.idle.length;
    this.last = now;
  }

  /** The busy share (0-1) of the window; 0 before any time has passed. */
  recent(): number {
    let idle = 0;
    let active = 0;
    for (let i = 0; i < this.idle.length; i++) {
      idle += this.idle[i] as number;
      active += this.active[i] as number;
    }
    const total = idle + active;
    return total > 0 ? active / total : 0;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
