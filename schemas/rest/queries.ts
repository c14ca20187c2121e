import { z } from 'zod';
import type { CdrFilter, Direction, RecordingFilter } from '../../src/store/types.ts';
import { expected, int, oneOf, opt, pattern, withDefault } from './codecs.ts';

/**
 * Query strings of the list and lookup routes. Values arrive as strings; unknown parameters are
 * ignored. Each list says its pagination style (spec 1.7).
 */

const direction = () => opt(oneOf(['inbound', 'outbound'] as const));
const text = (max = 128) =>
  opt(z.string({ error: expected('a string') }).max(max, { error: expected(`at most ${max} characters`) }));

/** GET Call/{call_uuid}/ (spec 2.2, 2.3, 2.6): `status` picks the live or queued view; none = the CDR. */
export const CallGetQuery = z.object({ status: opt(oneOf(['live', 'queued'] as const)) });

/** `YYYY-MM-DD HH:MM[:ss[.uuuuuu]]` (spec 2.6), UTC; also ISO 8601 with `T` / `Z`. */
const PLIVO_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(\.\d{1,6})?)?Z?$/;

/** A point in time and the width of the precision it was written with (for exact matches). */
interface TimeSpan {
  from: string;
  to: string;
}

const plivoTime = () =>
  pattern(PLIVO_TIME, 'a time YYYY-MM-DD HH:MM[:ss[.uuuuuu]]', 40).transform((s, ctx): TimeSpan => {
    const m = PLIVO_TIME.exec(s)!;
    const iso = `${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 7) : ''}Z`;
    const t = Date.parse(iso);
    if (Number.isNaN(t)) {
      ctx.addIssue({ code: 'custom', message: `not a valid time: ${JSON.stringify(s)}` });
      return z.NEVER;
    }
    // `end_time=2024-01-01 10:00` matches the whole minute; with seconds, that second.
    const width = m[4] ? 0.001 : m[3] ? 1000 : 60_000;
    return { from: new Date(t).toISOString(), to: new Date(t + Math.max(1, width)).toISOString() };
  });

/**
 * GET Call/ (spec 2.4-2.6). With `status` it lists live or queued UUIDs (style F) filtered by
 * direction and numbers; without, it lists completed calls from the CDRs (Plivo filters,
 * `limit` 1-20, `offset`).
 */
export const CallListQuery = z
  .object({
    status: opt(oneOf(['live', 'queued'] as const)),
    call_direction: direction(),
    from_number: text(64),
    to_number: text(64),
    subaccount: text(64),
    parent_call_uuid: text(64),
    hangup_cause_code: opt(int({ min: 0, max: 99999 })),
    hangup_source: text(64),
    bill_duration: opt(int({ min: 0 })),
    bill_duration__gt: opt(int({ min: 0 })),
    bill_duration__gte: opt(int({ min: 0 })),
    bill_duration__lt: opt(int({ min: 0 })),
    bill_duration__lte: opt(int({ min: 0 })),
    end_time: opt(plivoTime()),
    end_time__gt: opt(plivoTime()),
    end_time__gte: opt(plivoTime()),
    end_time__lt: opt(plivoTime()),
    end_time__lte: opt(plivoTime()),
    limit: withDefault(int({ min: 1, max: 20 }), 20),
    offset: withDefault(int({ min: 0 }), 0),
  })
  .transform((q) => {
    const cdr: CdrFilter = {
      callDirection: q.call_direction,
      fromNumber: q.from_number,
      toNumber: q.to_number,
      parentCallUuid: q.parent_call_uuid,
      hangupCauseCode: q.hangup_cause_code,
      hangupSource: q.hangup_source,
      billsecGt: q.bill_duration__gt,
      billsecGte: q.bill_duration__gte ?? q.bill_duration,
      billsecLt: q.bill_duration__lt,
      billsecLte: q.bill_duration__lte ?? q.bill_duration,
      endTimeGt: q.end_time__gt?.from,
      endTimeGte: q.end_time__gte?.from ?? q.end_time?.from,
      endTimeLt: q.end_time__lt?.from ?? q.end_time?.to,
      endTimeLte: q.end_time__lte?.from,
    };
    return {
      status: q.status,
      direction: q.call_direction as Direction | undefined,
      from: q.from_number,
      to: q.to_number,
      cdr,
      limit: q.limit,
      offset: q.offset,
    };
  });

/** Style A paging (spec 1.7): `limit` 1-100 (default 20), `offset` (default 0). */
export const PageQuery = z.object({
  limit: withDefault(int({ min: 1, max: 100 }), 20),
  offset: withDefault(int({ min: 0 }), 0),
});

/** GET Recording/ (spec 4.5): style A, filters `call_uuid` and `recording_type`. */
export const RecordingListQuery = PageQuery.extend({
  call_uuid: text(64),
  recording_type: opt(oneOf(['call', 'conference', 'trunk'] as const)),
}).transform((q) => {
  const filter: RecordingFilter = { callUuid: q.call_uuid, recordingType: q.recording_type };
  return { filter, limit: q.limit, offset: q.offset };
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * GET cdr, cdr/search, cdr/export (spec 4.6): filters, and style D paging (`page` from 1,
 * `per_page` 1-100, default 20). `start_date` and `end_date` must be sent together.
 */
export const CdrQuery = z
  .object({
    from_number: text(64),
    to_number: text(64),
    start_date: opt(pattern(DATE, 'a date YYYY-MM-DD', 10).refine((s) => !Number.isNaN(Date.parse(s)))),
    end_date: opt(pattern(DATE, 'a date YYYY-MM-DD', 10).refine((s) => !Number.isNaN(Date.parse(s)))),
    call_direction: direction(),
    min_duration: opt(int({ min: 0 })),
    sip_call_id: text(256),
    bridge_uuid: text(64),
    hangup_cause: text(64),
    hangup_disposition: text(64),
    context: text(64),
    campaign_id: text(64),
    search: text(256),
    page: withDefault(int({ min: 1, max: 1_000_000 }), 1),
    per_page: withDefault(int({ min: 1, max: 100 }), 20),
  })
  .superRefine((q, ctx) => {
    if ((q.start_date === undefined) !== (q.end_date === undefined)) {
      const missing = q.start_date === undefined ? 'start_date' : 'end_date';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'start_date and end_date must be sent together',
      });
    }
  })
  .transform((q) => {
    const filter: CdrFilter = {
      fromNumber: q.from_number,
      toNumber: q.to_number,
      startDate: q.start_date,
      endDate: q.end_date,
      callDirection: q.call_direction,
      minDuration: q.min_duration,
      sipCallId: q.sip_call_id,
      bridgeUuid: q.bridge_uuid,
      hangupCause: q.hangup_cause,
      hangupDisposition: q.hangup_disposition,
      context: q.context,
      search: q.search,
    };
    return {
      filter,
      campaignId: q.campaign_id,
      page: q.page,
      perPage: q.per_page,
      // Echoed by cdr/search (empty -> "", spec 4.6).
      echo: {
        call_direction: q.call_direction ?? '',
        from_number: q.from_number ?? '',
        hangup_cause: q.hangup_cause ?? '',
        to_number: q.to_number ?? '',
      },
    };
  });

/** GET cdr/recent (spec 4.6): `limit` 1-100, default 20. */
export const CdrRecentQuery = z.object({ limit: withDefault(int({ min: 1, max: 100 }), 20) });
