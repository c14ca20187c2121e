import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const PROBE_MS = 20;

/**
 * How late the event loop has been lately, in two views. The worst delay of a native probe
 * timer over the current and the previous half second (monitorEventLoopDelay: a stall is
 * remembered for up to a second after the loop keeps up again). And how long ago a
 * JavaScript probe timer last ran: after a stall, libuv handles the sockets that became
 * readable before it runs the timers that fell due meanwhile, so a request read right after
 * a stall sees the stall only this way.
 */
export class LoopLag {
  private readonly histogram: IntervalHistogram;
  private previousMaxNs = 0;
  private lastProbe = performance.now();
  private readonly timers: NodeJS.Timeout[];

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timers = [
      setInterval(() => {
        this.previousMaxNs = this.histogram.max;
        this.histogram.reset();
      }, 500).unref(),
      setInterval(() => {
        this.lastProbe = performance.now();
      }, PROBE_MS).unref(),
    ];
  }

  /** The worst lateness of the last 0.5-1 s, or the current one if worse, in ms. */
  recentMs(): number {
    const remembered = Math.max(this.previousMaxNs, this.histogram.max) / 1e6 - 10;
    const current = performance.now() - this.lastProbe - PROBE_MS;
    return Math.max(0, remembered, current);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.histogram.disable();
  }
}
