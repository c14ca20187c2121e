import type { CdrRecord, LiveCallRecord } from '../store/types.ts';
import { microsTime, secondsTime } from './time-format.ts';

/** Spec 2.2: a live (in-progress) call. STIR/SHAKEN is not checked here: "Not Applicable". */
export function liveCallObject(rec: LiveCallRecord): Record<string, unknown> {
  return {
    call_status: rec.call_status,
    call_uuid: rec.call_uuid,
    caller_name: rec.caller_name ?? '',
    direction: rec.direction,
    from: rec.from,
    parent_call_uuid: rec.parent_call_uuid ?? null,
    request_uuid: rec.request_uuid,
    session_start: microsTime(rec.answered_at ?? rec.initiated_at),
    stir_attestation: 'Not Applicable',
    stir_verification: 'Not Applicable',
    to: rec.to,
  };
}

/** Spec 2.3: a queued call (accepted, not answered yet; ringing included). */
export function queuedCallObject(rec: LiveCallRecord): Record<string, unknown> {
  return {
    call_status: 'queued',
    call_uuid: rec.call_uuid,
    caller_name: rec.caller_name ?? '',
    direction: rec.direction,
    from: rec.from,
    request_uuid: rec.request_uuid,
    to: rec.to,
  };
}

/**
 * Spec 2.10: the Plivo-compatible Call object of a completed call, built from its CDR. Patchbay
 * does not bill: the billed duration is the talk time and the amounts are zero.
 */
export function completedCallObject(cdr: CdrRecord, resourceUri: string): Record<string, unknown> {
  return {
    answer_time: cdr.answer_time ? secondsTime(cdr.answer_time) : null,
    bill_duration: cdr.billsec,
    billed_duration: cdr.billsec,
    call_direction: cdr.call_direction,
    call_duration: cdr.duration,
    call_uuid: cdr.uuid,
    end_time: secondsTime(cdr.end_time),
    from_number: cdr.caller_id_number,
    hangup_cause_code: cdr.hangup_cause_code,
    hangup_cause_name: cdr.hangup_cause_name,
    hangup_source: cdr.hangup_source,
    initiation_time: secondsTime(cdr.start_time),
    parent_call_uuid: cdr.parent_call_uuid ?? '',
    request_uuid: cdr.uuid,
    resource_uri: resourceUri,
    source_ip: '',
    stir_attestation: 'Not Applicable',
    stir_verification: 'Not Applicable',
    to_number: cdr.destination_number,
    total_amount: '0.00000',
    total_rate: '0.00000',
  };
}
