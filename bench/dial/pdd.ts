/**
 * Post-dial delay of bench:dial-cps from three timing logs, all on this host's wall clock:
 *   caller (SIPp, uac-dial.xml)  `invite N <date> <time> EPOCH`    right after the INVITE left
 *                                `answered N <date> <time> EPOCH`  the 200 arrived
 *   callee (SIPp, uas-dial.xml)  `invite N <date> <time> EPOCH`    the B-leg INVITE arrived
 *   webhook app (webhook-app.ts) `answer N IN OUT`                  request in, response out
 * N is the caller's call number (its From user c<N>, which Patchbay's B-leg and a proxy keep),
 * EPOCH/IN/OUT epoch seconds with microseconds.
 *
 * Post-dial delay = callee INVITE - caller INVITE; without the webhook = that minus the
 * webhook app's own time (OUT - IN) for the same call, since Patchbay waits for the
 * document before it dials. The calls of the first `warmupSeconds` of a probe are left out
 * of the distributions (a fresh process compiles its hot paths then), not of the rate.
 */

/** A distribution in milliseconds (nearest-rank percentiles). */
export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PddReport {
  /** INVITEs the caller logged. */
  calls: number;
  /** Of those, how many fell in the warm-up and are not in the distributions. */
  warmup: number;
  /** Of the others, how many reached the callee (have a B-leg INVITE). */
  reachedCallee: number;
  /** A INVITE out -> B INVITE in. */
  pdd: Distribution | null;
  /** The webhook app's time per answer request (request in -> response out); null without one. */
  webhook: Distribution | null;
  /** Per call: pdd - webhook (equals pdd when there is no webhook in the path). */
  pddWithoutWebhook: Distribution | null;
  /** A INVITE out -> webhook request in (Patchbay before the fetch: INVITE, media, HTTP request). */
  beforeWebhook: Distribution | null;
  /** Webhook response out -> B INVITE in (Patchbay after the fetch: parse, Dial, B-leg media, INVITE). */
  afterWebhook: Distribution | null;
  /** A INVITE out -> 200 in at the caller (the callee answers at once). */
  setup: Distribution | null;
  /** Calls with every caller stamp, for the achieved rate: first INVITE, last 200 (epoch s). */
  span: { firstInvite: number; lastAnswer: number; answered: number } | null;
}

/** `kind key ... epoch` lines of a SIPp <log> action, by kind then key (the last field is the epoch). */
export function parseSippTiming(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3) continue;
    const at = Number(fields[fields.length - 1]);
    if (!Number.isFinite(at)) continue;
    let byKey = out.get(fields[0]);
    if (!byKey) {
      byKey = new Map();
      out.set(fields[0], byKey);
    }
    // A retransmitted INVITE is logged again: the first stamp counts.
    if (!byKey.has(fields[1])) byKey.set(fields[1], at);
  }
  return out;
}

/** `answer KEY IN OUT` lines of the webhook app, by key. */
export function parseWebhookTiming(text: string): Map<string, { in: number; out: number }> {
  const out = new Map<string, { in: number; out: number }>();
  for (const line of text.split('\n')) {
    const [kind, key, a, b] = line.trim().split(/\s+/);
    if (kind !== 'answer' || !key || key === '-') continue;
    const span = { in: Number(a), out: Number(b) };
    if (Number.isFinite(span.in) && Number.isFinite(span.out) && !out.has(key)) out.set(key, span);
  }
  return out;
}

/** Nearest-rank percentiles of values in ms, rounded to 0.01 ms; null for no values. */
export function distribution(values: number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  let sum = 0;
  for (const v of sorted) sum += v;
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    count: sorted.length,
    p50: r(rank(0.5)),
    p90: r(rank(0.9)),
    p99: r(rank(0.99)),
    max: r(sorted[sorted.length - 1]),
    mean: r(sum / sorted.length),
  };
}

/** Joins the logs call by call (texts as read from the files; webhook null without one). */
export function computePdd(
  caller: string,
  callee: string,
  webhook: string | null,
  warmupSeconds = 0,
): PddReport {
  const a = parseSippTiming(caller);
  const b = parseSippTiming(callee).get('invite') ?? new Map<string, number>();
  const hooks = webhook === null ? null : parseWebhookTiming(webhook);
  const invites = a.get('invite') ?? new Map<string, number>();
  const answers = a.get('answered') ?? new Map<string, number>();
  const ms = (from: number, to: number) => (to - from) * 1000;
  const pdd: number[] = [];
  const hook: number[] = [];
  const net: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  const setup: number[] = [];
  let firstInvite = Number.POSITIVE_INFINITY;
  for (const sent of invites.values()) firstInvite = Math.min(firstInvite, sent);
  let lastAnswer = Number.NEGATIVE_INFINITY;
  let answeredCalls = 0;
  let warmup = 0;
  for (const [key, sent] of invites) {
    const answered = answers.get(key);
    if (answered !== undefined) {
      answeredCalls++;
      lastAnswer = Math.max(lastAnswer, answered);
    }
    if (sent < firstInvite + warmupSeconds) {
      warmup++;
      continue;
    }
    if (answered !== undefined) setup.push(ms(sent, answered));
    const arrived = b.get(key);
    if (arrived === undefined) continue;
    const d = ms(sent, arrived);
    pdd.push(d);
    if (!hooks) {
      net.push(d);
      continue;
    }
    const h = hooks.get(key);
    if (!h) continue;
    hook.push(ms(h.in, h.out));
    net.push(d - ms(h.in, h.out));
    before.push(ms(sent, h.in));
    after.push(ms(h.out, arrived));
  }
  return {
    calls: invites.size,
    warmup,
    reachedCallee: pdd.length,
    pdd: distribution(pdd),
    webhook: hooks ? distribution(hook) : null,
    pddWithoutWebhook: distribution(net),
    beforeWebhook: hooks ? distribution(before) : null,
    afterWebhook: hooks ? distribution(after) : null,
    setup: distribution(setup),
    span: answeredCalls > 0 ? { firstInvite, lastAnswer, answered: answeredCalls } : null,
  };
}
