import { causeOfSipStatus, HANGUP_CAUSES, type HangupCause } from '../../calls/hangup-cause.ts';

/** DialStatus values of the spec (2.5). */
export type DialStatus = 'completed' | 'busy' | 'failed' | 'cancel' | 'timeout' | 'no-answer';

/** How one B-leg attempt ended before it was connected. */
export interface AttemptEnd {
  status?: number;
  /** Our ring timer expired (we cancelled). */
  ringTimeout?: boolean;
  /** The caller went away while it rang (we cancelled). */
  callerGone?: boolean;
  /** No trunk, a bad target, or an unusable answer. */
  error?: 'routing' | 'media' | 'confirm';
}

/** The DialStatus and hangup cause of a failed attempt (SIP finals per rest-api 6.4). */
export function attemptOutcome(end: AttemptEnd): { status: DialStatus; cause: HangupCause } {
  if (end.callerGone) return { status: 'cancel', cause: HANGUP_CAUSES.canceled };
  if (end.ringTimeout) return { status: 'no-answer', cause: HANGUP_CAUSES.ringTimeout };
  if (end.error === 'routing') return { status: 'failed', cause: HANGUP_CAUSES.routingError };
  if (end.error === 'confirm') return { status: 'no-answer', cause: HANGUP_CAUSES.confirmKeyFailed };
  if (end.error === 'media') return { status: 'failed', cause: HANGUP_CAUSES.internalError };
  const s = end.status;
  if (s === undefined) return { status: 'failed', cause: HANGUP_CAUSES.networkError };
  if (s === 486 || s === 600) return { status: 'busy', cause: causeOfSipStatus(s) };
  if (s === 408) return { status: 'timeout', cause: causeOfSipStatus(s) };
  if (s === 480 || s === 487) return { status: 'no-answer', cause: causeOfSipStatus(s) };
  return { status: 'failed', cause: causeOfSipStatus(s) };
}

/** The most telling status among the failed attempts of a parallel dial. */
export function overallStatus(statuses: DialStatus[]): DialStatus {
  for (const s of ['cancel', 'busy', 'no-answer', 'timeout', 'failed'] as const) {
    if (statuses.includes(s)) return s;
  }
  return 'failed';
}
