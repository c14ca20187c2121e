/**
 * CDR filtering, ordering, paging and the summary (REST 4.6), shared by both backends so that
 * a query means the same whichever one answers it. A query reads matching records newest
 * first (by end_time, ties by uuid descending) into a `CdrQuery`, which keeps the requested
 * page and sums the whole filtered set.
 */
import { compareDesc, normalizePage, type SortKey, scoreOf, timeMs } from './order.ts';
import type { CdrFilter, CdrRecord, CdrSummary, Page } from './types.ts';

/** Newest first: the score is end_time in epoch ms (the Redis sorted-set score). */
export function cdrKey(cdr: CdrRecord): SortKey {
  return { score: scoreOf(cdr.end_time), id: cdr.uuid };
}

/**
 * The end_time window (epoch ms, inclusive) that holds every match: the end_time bounds,
 * and `startDate` (a call ends after it starts). The Redis backend scans only this window;
 * both backends also apply it in `matchesCdr`, so a record whose end_time does not parse
 * (score 0) is treated the same everywhere.
 */
export function cdrScoreWindow(filter: CdrFilter): { min: number; max: number } {
  let min = Number.NEGATIVE_INFINITY;
  let max = Number.POSITIVE_INFINITY;
  for (const bound of [filter.endTimeGt, filter.endTimeGte]) {
    if (bound !== undefined) min = Math.max(min, timeMs(bound));
  }
  if (filter.startDate !== undefined) min = Math.max(min, timeMs(filter.startDate));
  for (const bound of [filter.endTimeLt, filter.endTimeLte]) {
    if (bound !== undefined) max = Math.min(max, timeMs(bound));
  }
  // A bound that does not parse matches nothing (NaN compares false).
  return { min: Number.isNaN(min) ? Number.POSITIVE_INFINITY : min, max: Number.isNaN(max) ? -1 : max };
}

/** Numbers match as substrings, ignoring a leading `+` and case (SIP users are names). */
function numberContains(value: string, needle: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/^\+/, '');
  return norm(value).includes(norm(needle));
}

/** YYYY-MM-DD (UTC) of a timestamp, or undefined when it does not parse. */
function utcDate(value: string): string | undefined {
  const ms = timeMs(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : undefined;
}

function searchMatches(cdr: CdrRecord, text: string): boolean {
  const q = text.toLowerCase();
  const fields = [cdr.caller_id_name, cdr.uuid, cdr.sip_call_id].map((f) => f.toLowerCase());
  if (fields.some((f) => f.includes(q))) return true;
  return numberContains(cdr.caller_id_number, text) || numberContains(cdr.destination_number, text);
}

const EXACT: ReadonlyArray<[keyof CdrFilter, keyof CdrRecord]> = [
  ['callDirection', 'call_direction'],
  ['sipCallId', 'sip_call_id'],
  ['bridgeUuid', 'bridge_uuid'],
  ['hangupCause', 'hangup_cause'],
  ['hangupCauseCode', 'hangup_cause_code'],
  ['hangupSource', 'hangup_source'],
  ['hangupDisposition', 'hangup_disposition'],
  ['context', 'context'],
  ['parentCallUuid', 'parent_call_uuid'],
];

export function matchesCdr(cdr: CdrRecord, filter: CdrFilter): boolean {
  const window = cdrScoreWindow(filter);
  const score = scoreOf(cdr.end_time);
  if (score < window.min || score > window.max) return false;
  for (const [f, field] of EXACT) {
    if (filter[f] !== undefined && cdr[field] !== filter[f]) return false;
  }
  if (filter.fromNumber !== undefined && !numberContains(cdr.caller_id_number, filter.fromNumber))
    return false;
  if (filter.toNumber !== undefined && !numberContains(cdr.destination_number, filter.toNumber)) return false;
  if (filter.startDate !== undefined || filter.endDate !== undefined) {
    // Inclusive calendar days on start_time, UTC (REST 4.6).
    const day = utcDate(cdr.start_time);
    if (day === undefined) return false;
    if (filter.startDate !== undefined && day < filter.startDate) return false;
    if (filter.endDate !== undefined && day > filter.endDate) return false;
  }
  if (filter.minDuration !== undefined && !(cdr.duration >= filter.minDuration)) return false;
  if (filter.search !== undefined && !searchMatches(cdr, filter.search)) return false;
  if (filter.billsecGt !== undefined && !(cdr.billsec > filter.billsecGt)) return false;
  if (filter.billsecGte !== undefined && !(cdr.billsec >= filter.billsecGte)) return false;
  if (filter.billsecLt !== undefined && !(cdr.billsec < filter.billsecLt)) return false;
  if (filter.billsecLte !== undefined && !(cdr.billsec <= filter.billsecLte)) return false;
  const end = timeMs(cdr.end_time);
  if (filter.endTimeGt !== undefined && !(end > timeMs(filter.endTimeGt))) return false;
  if (filter.endTimeGte !== undefined && !(end >= timeMs(filter.endTimeGte))) return false;
  if (filter.endTimeLt !== undefined && !(end < timeMs(filter.endTimeLt))) return false;
  if (filter.endTimeLte !== undefined && !(end <= timeMs(filter.endTimeLte))) return false;
  return true;
}

export interface CdrQueryResult {
  data: CdrRecord[];
  total: number;
  summary: CdrSummary;
}

/**
 * Takes candidate records newest first (`push`), keeps the matches that fall in the page and
 * sums every match. `totalCalls` counts the filtered set; `answeredCalls` those with an
 * answer_time; `avgCallDuration` is the mean `duration` (ring + talk) over the set, rounded
 * to whole seconds; Patchbay does not bill, so `total_cost` is 0.
 */
export class CdrQuery {
  private readonly page: Page;
  private readonly data: CdrRecord[] = [];
  private total = 0;
  private answered = 0;
  private durationSum = 0;
  private billsecSum = 0;
  private last: { score: number; endTime: string } | undefined;

  constructor(
    private readonly filter: CdrFilter,
    page: Page,
  ) {
    this.page = normalizePage(page);
  }

  push(cdr: CdrRecord): void {
    if (!matchesCdr(cdr, this.filter)) return;
    const index = this.total++;
    if (index >= this.page.offset && index < this.page.offset + this.page.limit) this.data.push(cdr);
    if (cdr.answer_time !== null) this.answered++;
    this.durationSum += cdr.duration;
    this.billsecSum += cdr.billsec;
    const score = scoreOf(cdr.end_time);
    if (!this.last || score > this.last.score) this.last = { score, endTime: cdr.end_time };
  }

  result(): CdrQueryResult {
    const n = this.total;
    const summary: CdrSummary = {
      totalCalls: n,
      answeredCalls: this.answered,
      answerRate: n === 0 ? 0 : Math.round((this.answered / n) * 10000) / 100,
      avgCallDuration: `${n === 0 ? 0 : Math.round(this.durationSum / n)}s`,
      total_duration_seconds: this.durationSum,
      total_billable_seconds: this.billsecSum,
      total_cost: 0,
      last_call_at: this.last?.endTime ?? null,
    };
    return { data: this.data, total: n, summary };
  }
}

/** The whole query over records held in memory (any order). */
export function queryCdrs(records: Iterable<CdrRecord>, filter: CdrFilter, page: Page): CdrQueryResult {
  const sorted = [...records].sort((a, b) => compareDesc(cdrKey(a), cdrKey(b)));
  const q = new CdrQuery(filter, page);
  for (const cdr of sorted) q.push(cdr);
  return q.result();
}
