/** What a histogram reports: quantiles are the upper edge of their bin (rounded up, never flattered). */
export interface HistogramSummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Durations in ms counted into fixed bins (10 us wide up to 2 s by default). Adding a value
 * allocates nothing, so it can sit on a per-packet path without provoking the garbage
 * collector it is measuring; the exact maximum is kept apart.
 */
export class Histogram {
  private readonly bins: Uint32Array;
  private n = 0;
  private sum = 0;
  private top = 0;

  constructor(
    private readonly binMs = 0.01,
    maxMs = 2000,
  ) {
    this.bins = new Uint32Array(Math.ceil(maxMs / binMs) + 1);
  }

  add(ms: number): void {
    const v = ms < 0 ? 0 : ms;
    const i = Math.floor(v / this.binMs);
    this.bins[i < this.bins.length ? i : this.bins.length - 1]++;
    this.n++;
    this.sum += v;
    if (v > this.top) this.top = v;
  }

  get count(): number {
    return this.n;
  }

  /** The smallest bin edge below which at least `p` of the values lie. */
  quantile(p: number): number {
    if (this.n === 0) return 0;
    const want = Math.max(1, Math.ceil(p * this.n));
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i];
      if (seen >= want) return Math.min(this.top, (i + 1) * this.binMs);
    }
    return this.top;
  }

  summary(): HistogramSummary {
    return {
      count: this.n,
      p50: round3(this.quantile(0.5)),
      p99: round3(this.quantile(0.99)),
      max: round3(this.top),
      mean: this.n === 0 ? 0 : round3(this.sum / this.n),
    };
  }
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
