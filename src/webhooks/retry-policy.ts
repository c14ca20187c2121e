/**
 * How long a webhook request may take and which failures are tried again.
 *
 * Defaults (chosen for Patchbay, spec vobizxml 1.6 / rest-api 5.1 give the ranges):
 *
 *   documents (answer, action, Redirect ... the caller is waiting on the line):
 *     connect 2000 ms, read 5000 ms, total 15000 ms, 2 retries (3 tries), retried on
 *     connect failure, read timeout and 5xx; back-off 250 ms, doubled each time.
 *     Shorter than the spec's "3 retries / 60 s": a caller hearing silence for a minute
 *     hangs up long before; the fallback URL is the better second chance.
 *   notifications (hangup_url, callbackUrl ... nobody waits on them):
 *     connect 2000 ms, read 5000 ms, total 30000 ms, 3 retries (spec 5.1: "retried up to
 *     3 times with exponential backoff"), retried on connect failure, read timeout, 5xx and
 *     429; back-off 1 s, doubled each time.
 *
 * A URL fragment overrides these per URL (spec 1.6): `#ct=..&rt=..&tt=..&rc=..&rp=..`.
 * DNS failures, forbidden addresses and invalid URLs are never retried (no condition names them).
 */

/** A retryable failure class: connect failure, read timeout, a 4xx / 5xx status, or 429 alone. */
export type RetryCondition = 'ct' | 'rt' | '4xx' | '5xx' | '429';

export interface RetryPolicy {
  /** TCP (and TLS) connect timeout, ms (`ct`). */
  connectTimeoutMs: number;
  /** Longest silence from the server once connected, ms (`rt`). */
  readTimeoutMs: number;
  /** Budget for all tries and back-offs together, ms (`tt`). */
  totalTimeoutMs: number;
  /** Tries after the first (`rc`). */
  retries: number;
  /** Failures tried again (`rp`). */
  retryOn: readonly RetryCondition[];
  /** Wait before the first retry, ms; multiplied by `backoffFactor` before each further one. */
  backoffMs: number;
  backoffFactor: number;
}

export const DOCUMENT_RETRY: Readonly<RetryPolicy> = Object.freeze<RetryPolicy>({
  connectTimeoutMs: 2000,
  readTimeoutMs: 5000,
  totalTimeoutMs: 15000,
  retries: 2,
  retryOn: ['ct', 'rt', '5xx'],
  backoffMs: 250,
  backoffFactor: 2,
});

export const NOTIFY_RETRY: Readonly<RetryPolicy> = Object.freeze<RetryPolicy>({
  connectTimeoutMs: 2000,
  readTimeoutMs: 5000,
  totalTimeoutMs: 30000,
  retries: 3,
  retryOn: ['ct', 'rt', '5xx', '429'],
  backoffMs: 1000,
  backoffFactor: 2,
});

/** Spec 1.6: the fragment keys with their allowed ranges. */
const NUMERIC_KEYS = {
  ct: { field: 'connectTimeoutMs', min: 100, max: 10000 },
  rt: { field: 'readTimeoutMs', min: 100, max: 40000 },
  tt: { field: 'totalTimeoutMs', min: 100, max: 55000 },
  rc: { field: 'retries', min: 0, max: 5 },
} as const;

const RP_VALUES: ReadonlySet<string> = new Set(['4xx', '5xx', 'ct', 'rt', 'all']);

export type PolicyWarning = (message: string, fields: Record<string, string>) => void;

/**
 * Applies a URL fragment (without the `#`) to `base`. Invalid keys or values are ignored,
 * each reported through `warn`; `er` (edge region) is accepted and has no meaning here.
 */
export function applyFragment(
  base: Readonly<RetryPolicy>,
  fragment: string,
  warn: PolicyWarning,
): RetryPolicy {
  const policy: RetryPolicy = { ...base, retryOn: [...base.retryOn] };
  if (!fragment) return policy;
  for (const [key, value] of new URLSearchParams(fragment)) {
    if (key === 'er') continue;
    if (key === 'rp') {
      const rp = parseRp(value);
      if (rp) policy.retryOn = rp;
      else warn('ignoring invalid retry policy in URL fragment', { key, value });
      continue;
    }
    if (!(key in NUMERIC_KEYS)) {
      warn('ignoring unknown key in URL fragment', { key, value });
      continue;
    }
    const spec = NUMERIC_KEYS[key as keyof typeof NUMERIC_KEYS];
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
      warn(`ignoring URL fragment value out of range ${spec.min}-${spec.max}`, { key, value });
      continue;
    }
    policy[spec.field] = n;
  }
  return policy;
}

function parseRp(value: string): RetryCondition[] | undefined {
  const items = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 0 || items.some((i) => !RP_VALUES.has(i))) return undefined;
  if (items.includes('all')) return ['ct', 'rt', '4xx', '5xx'];
  return [...new Set(items)] as RetryCondition[];
}

/** Whether a failure of class `cond` is tried again under `policy` (429 is also a 4xx). */
export function isRetryable(policy: Readonly<RetryPolicy>, cond: RetryCondition | undefined): boolean {
  if (!cond) return false;
  if (cond === '429') return policy.retryOn.includes('429') || policy.retryOn.includes('4xx');
  return policy.retryOn.includes(cond);
}

/** The failure class of an HTTP status, or undefined for a success / redirect. */
export function statusCondition(status: number): RetryCondition | undefined {
  if (status === 429) return '429';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500) return '5xx';
  return undefined;
}

/** Wait before retry number `n` (1-based). */
export function backoffDelay(policy: Readonly<RetryPolicy>, n: number): number {
  return Math.round(policy.backoffMs * policy.backoffFactor ** Math.max(0, n - 1));
}
