import type { Call, CallEnd } from '../calls/call.ts';
import type { WebhookParams } from './verb.ts';

/** `YYYY-MM-DD HH:MM:SS` in UTC, the format of the hangup URL's times (rest-api 5.5). */
export function webhookTime(d: Date | undefined): string {
  if (!d) return '';
  const y = d.getUTCFullYear();
  // toISOString's form for years 0-9999 (others are not a call's times); the same digits, built directly.
  if (y < 0 || y > 9999) return d.toISOString().slice(0, 19).replace('T', ' ');
  return `${pad4(y)}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return n >= 1000 ? String(n) : String(n).padStart(4, '0');
}

/** SessionStart: `YYYY-MM-DD HH:mm:ss.ffffff` UTC. */
function sessionStart(d: Date): string {
  return `${webhookTime(d)}.${String(d.getUTCMilliseconds() * 1000).padStart(6, '0')}`;
}

/** The parameters of every request made for a call (spec 1.7). */
export function standardParams(call: Call, authId: string): WebhookParams {
  const p = call.parties;
  const params: WebhookParams = {
    CallUUID: call.uuid,
    RequestUUID: call.uuid,
    From: p.from,
    To: p.to,
    CallerName: p.callerName,
    Direction: call.direction,
    CallStatus: call.status,
    SessionStart: sessionStart(call.startedAt),
    STIRVerification: 'Not Applicable',
    ParentAuthID: authId,
  };
  if (call.direction === 'outbound') {
    // An API call is its own A-leg (rest-api 5.4).
    params.ALegUUID = call.uuid;
    params.ALegRequestUUID = call.uuid;
  }
  if (p.forwardedFrom) params.ForwardedFrom = p.forwardedFrom;
  for (const [name, value] of Object.entries(p.customHeaders)) params[name] = value;
  return params;
}

/** The hangup URL's parameters (spec 1.10, rest-api 5.5). */
export function hangupParams(call: Call, end: CallEnd, authId: string): WebhookParams {
  const endedAt = call.endedAt ?? new Date();
  const seconds = call.answeredAt ? Math.ceil((endedAt.getTime() - call.answeredAt.getTime()) / 1000) : 0;
  // Added to the standard set in place (a spread of it is a slow generic copy): CallStatus
  // keeps its place, the hangup's own keys follow.
  const params = standardParams(call, authId);
  params.Event = 'Hangup';
  params.CallStatus = finalStatus(call, end);
  params.HangupCause = end.cause.text;
  params.HangupCauseCode = String(end.cause.code);
  params.HangupCauseName = end.cause.name;
  params.HangupSource = end.source;
  params.Duration = String(seconds);
  params.BillDuration = String(seconds);
  params.StartTime = webhookTime(call.startedAt);
  params.AnswerTime = webhookTime(call.answeredAt);
  params.EndTime = webhookTime(endedAt);
  return params;
}

/**
 * `completed`, or for an API call that was never answered what became of it (rest-api 5.4:
 * busy, failed, timeout, no-answer).
 */
function finalStatus(call: Call, end: CallEnd): string {
  if (call.answered || call.direction === 'inbound') return 'completed';
  switch (end.cause.code) {
    case 3010:
    case 3100:
      return 'busy';
    case 3000:
    case 6010:
      return 'no-answer';
    case 3070:
      return 'timeout';
    case 1000:
      return 'completed';
    default:
      return 'failed';
  }
}
