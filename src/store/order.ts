/**
 * Ordering and paging shared by both backends, so that they return records in exactly the
 * same order. A record's position is (score, id): the score is its timestamp in epoch ms
 * (what the Redis backend stores as the sorted-set score), and ties at the same millisecond
 * are broken by id, compared as Redis compares equal-score members (byte order; ids are ASCII).
 */
import type { Page } from './types.ts';

/** A zone designator at the end: `Z`, `+00:00`, `+0000` or `+00`. */
const HAS_ZONE = /(Z|[+-]\d\d(:?\d\d)?)$/i;

/**
 * Epoch ms of an ISO 8601 timestamp or of the API's `2025-11-06 13:49:10.751756+00:00` form;
 * a date-time without a zone is taken as UTC. NaN when it does not parse.
 */
export function timeMs(value: string): number {
  let s = value.trim().replace(' ', 'T');
  if (s.includes('T') && !HAS_ZONE.test(s)) s += 'Z';
  return Date.parse(s);
}

/** The sort score of a timestamp: its epoch ms, or 0 when it does not parse. */
export function scoreOf(value: string): number {
  const ms = timeMs(value);
  return Number.isFinite(ms) ? ms : 0;
}

export interface SortKey {
  score: number;
  id: string;
}

/** Ascending (score, id): the order of ZRANGE. */
export function compareAsc(a: SortKey, b: SortKey): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** Descending (score, id): the order of ZREVRANGE. */
export function compareDesc(a: SortKey, b: SortKey): number {
  return compareAsc(b, a);
}

/** Offset and limit, clamped to sane values (negative means 0). */
export function normalizePage(page: Page): Page {
  const offset = Number.isFinite(page.offset) ? Math.max(0, Math.floor(page.offset)) : 0;
  const limit = Number.isFinite(page.limit) ? Math.max(0, Math.floor(page.limit)) : 0;
  return { offset, limit };
}

export function pageOf<T>(sorted: readonly T[], page: Page): T[] {
  const { offset, limit } = normalizePage(page);
  return sorted.slice(offset, offset + limit);
}
