/** The outcome of one probe at one call rate, as far as the search cares. */
export interface Verdict {
  rate: number;
  ok: boolean;
}

export interface SearchPlan {
  /** Explicit ladder: climbed in order, stops at the first failure. */
  rates: number[] | null;
  /** Coarse ladder: start, 2 x start, 4 x start ... until a failure or `max`. */
  start: number;
  /** Fine search: last pass + step, + 2 x step ... below the first failed coarse rate. */
  step: number;
  max: number;
  /** Lowest rate tried when the start rate already fails (halving down to it). */
  floor?: number;
}

export interface SearchResult<T extends Verdict> {
  /** Highest rate that passed, or null when none did. */
  best: number | null;
  /** Every probe in the order it ran. */
  probes: T[];
}

/**
 * Finds the highest call rate that passes. With an explicit ladder it climbs and stops at
 * the first failure. Otherwise a coarse ladder doubles from `start` to the first failure,
 * then a fine ladder climbs from the last pass in `step`s and stops at the first failure
 * (or just below the failed coarse rate). When `start` itself fails the rate is halved
 * until one passes or `floor` is reached.
 */
export async function searchRate<T extends Verdict>(
  plan: SearchPlan,
  probe: (rate: number) => Promise<T>,
): Promise<SearchResult<T>> {
  const probes: T[] = [];
  const run = async (rate: number): Promise<boolean> => {
    const verdict = await probe(rate);
    probes.push(verdict);
    return verdict.ok;
  };

  if (plan.rates) {
    let best: number | null = null;
    for (const rate of plan.rates) {
      if (rate > plan.max || !(await run(rate))) break;
      best = rate;
    }
    return { best, probes };
  }

  let best: number | null = null;
  let failedAt = Number.POSITIVE_INFINITY;
  for (let rate = plan.start; rate <= plan.max; rate *= 2) {
    if (!(await run(rate))) {
      failedAt = rate;
      break;
    }
    best = rate;
  }

  if (best === null) {
    const floor = plan.floor ?? 100;
    for (let rate = Math.floor(plan.start / 2); rate >= floor; rate = Math.floor(rate / 2)) {
      if (await run(rate)) return { best: rate, probes };
    }
    return { best: null, probes };
  }

  for (let rate = best + plan.step; rate < failedAt && rate <= plan.max; rate += plan.step) {
    if (!(await run(rate))) break;
    best = rate;
  }
  return { best, probes };
}
