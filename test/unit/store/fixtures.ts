/** Records for the store tests: valid defaults, overridden per test. */
import type {
  ApplicationRecord,
  CdrRecord,
  LiveCallRecord,
  NodeRecord,
  RecordingRecord,
} from '../../../src/store/types.ts';

export function liveCall(uuid: string, over: Partial<LiveCallRecord> = {}): LiveCallRecord {
  return {
    call_uuid: uuid,
    request_uuid: uuid,
    direction: 'inbound',
    from: '14155550100',
    to: '14155550199',
    caller_name: 'Alice',
    call_status: 'in-progress',
    initiated_at: '2026-01-10T10:00:00.000Z',
    answered_at: '2026-01-10T10:00:02.000Z',
    node_id: 'node-a',
    ...over,
  };
}

export function cdr(uuid: string, over: Partial<CdrRecord> = {}): CdrRecord {
  return {
    uuid,
    account_id: 'MA_TEST0001',
    call_direction: 'inbound',
    caller_id_name: 'Alice',
    caller_id_number: '+14155550100',
    destination_number: '14155550199',
    start_time: '2026-01-10T10:00:00.000Z',
    progress_time: null,
    answer_time: '2026-01-10T10:00:05.000Z',
    end_time: '2026-01-10T10:01:00.000Z',
    duration: 60,
    billsec: 55,
    ring_time: 5,
    hangup_cause: 'NORMAL_CLEARING',
    hangup_cause_code: 4000,
    hangup_cause_name: 'Normal Hangup',
    hangup_source: 'Caller',
    hangup_disposition: 'recv_bye',
    sip_call_id: `sip-${uuid}@127.0.0.1`,
    sip_user_agent: 'SIPp',
    codec: 'PCMU',
    network_addr: '127.0.0.1:5070',
    context: 'voice-api',
    parent_call_uuid: null,
    bridge_uuid: null,
    mos: 4.4,
    jitter: 0,
    packet_loss: 0,
    created_at: '2026-01-10T10:01:00.000Z',
    updated_at: '2026-01-10T10:01:00.000Z',
    ...over,
  };
}

export function recording(id: string, over: Partial<RecordingRecord> = {}): RecordingRecord {
  return {
    recording_id: id,
    recording_url: `http://127.0.0.1/rec/${id}.wav`,
    recording_format: 'wav',
    recording_type: 'call',
    call_uuid: 'call-1',
    conference_name: null,
    from_number: '14155550100',
    to_number: '14155550199',
    add_time: '2026-01-10 10:00:00.000000+00:00',
    recording_start_ms: '1768039200000.00000',
    recording_end_ms: '1768039210000.00000',
    recording_duration_ms: '10000.00000',
    rounded_recording_duration: 60,
    node_id: 'node-a',
    ...over,
  };
}

export function application(id: string, over: Partial<ApplicationRecord> = {}): ApplicationRecord {
  return {
    app_id: id,
    app_name: `app_${id}`,
    answer_url: `http://127.0.0.1/answer/${id}`,
    answer_method: 'POST',
    hangup_url: `http://127.0.0.1/hangup/${id}`,
    hangup_method: 'POST',
    fallback_answer_url: null,
    fallback_method: 'POST',
    message_url: null,
    message_method: 'POST',
    default_number_app: false,
    default_endpoint_app: false,
    sub_account: null,
    application_type: 'XML',
    default_app: false,
    enabled: true,
    log_incoming_message: true,
    public_uri: false,
    sip_transfer_url: null,
    sip_transfer_method: 'POST',
    sip_uri: `sip:${id}@127.0.0.1`,
    created_at: '2026-01-10 10:00:00.000000+00:00',
    updated_at: '2026-01-10 10:00:00.000000+00:00',
    ...over,
  };
}

export function node(id: string, over: Partial<NodeRecord> = {}): NodeRecord {
  return {
    node_id: id,
    api_url: `http://127.0.0.1:8080/${id}`,
    started_at: '2026-01-10T09:00:00.000Z',
    ...over,
  };
}
