/**
 * The state another node would need: live calls (and which node runs each), CDRs, the
 * recording index, applications and the registry of running nodes. Records use the field
 * names of the REST API's objects (snake_case, `../spec` sections 2.2, 4.1, 4.5, 4.6) so the
 * API serves them without mapping; filters and options are ours (camelCase). Every method is
 * async: the Redis backend is a network away. Backends: memory (the default) and Redis
 * (`PATCHBAY_REDIS_URL`).
 */

export type Direction = 'inbound' | 'outbound';
export type HttpMethod = 'GET' | 'POST';

/** `queued`: accepted by the API, not yet ringing; `ringing`; `in-progress`: answered. */
export type LiveCallStatus = 'queued' | 'ringing' | 'in-progress';

/** A call that has not ended (REST 2.2 / 2.3 fields, plus the node that runs it). */
export interface LiveCallRecord {
  call_uuid: string;
  request_uuid: string;
  direction: Direction;
  from: string;
  to: string;
  caller_name: string;
  call_status: LiveCallStatus;
  /** ISO 8601: when the request was accepted or the INVITE arrived. */
  initiated_at: string;
  /** ISO 8601, once answered. */
  answered_at?: string;
  parent_call_uuid?: string;
  /** The node that runs the call: REST commands for it are its to carry out. */
  node_id: string;
}

export interface LiveCallFilter {
  status?: LiveCallStatus | LiveCallStatus[];
  direction?: Direction;
  /** Exact match on `from` / `to`. */
  from?: string;
  to?: string;
  nodeId?: string;
}

export interface CallStore {
  /** Creates or replaces the record. */
  put(call: LiveCallRecord): Promise<void>;
  get(callUuid: string): Promise<LiveCallRecord | undefined>;
  /** Removes it; true when it was there. */
  remove(callUuid: string): Promise<boolean>;
  /** Oldest first. */
  list(filter?: LiveCallFilter): Promise<LiveCallRecord[]>;
}

/** A completed call (REST 4.6 CDR object; the fields Patchbay can know). Timestamps ISO 8601. */
export interface CdrRecord {
  uuid: string;
  account_id: string;
  call_direction: Direction;
  caller_id_name: string;
  caller_id_number: string;
  destination_number: string;
  /** When the call was initiated (INVITE received or API request accepted). */
  start_time: string;
  /** First 18x, if any. */
  progress_time: string | null;
  answer_time: string | null;
  end_time: string;
  /** Seconds from start to end (ring + talk). */
  duration: number;
  /** Talk seconds (answer to end). */
  billsec: number;
  /** Seconds from start until answer or end. */
  ring_time: number;
  /** e.g. NORMAL_CLEARING (REST 6.3). */
  hangup_cause: string;
  hangup_cause_code: number;
  hangup_cause_name: string;
  /** Caller, Callee, Vobiz, API Request, Answer XML, Error, Unknown. */
  hangup_source: string;
  /** send_bye, recv_bye, send_cancel, recv_cancel, send_refuse, recv_refuse. */
  hangup_disposition: string;
  sip_call_id: string;
  sip_user_agent: string;
  /** PCMU / PCMA, or "" when there was no media. */
  codec: string;
  /** The peer's signalling address. */
  network_addr: string;
  /** voice-api. */
  context: string;
  parent_call_uuid: string | null;
  bridge_uuid: string | null;
  mos: number;
  jitter: number;
  packet_loss: number;
  created_at: string;
  updated_at: string;
}

export interface CdrFilter {
  /** Substring match. */
  fromNumber?: string;
  toNumber?: string;
  /** YYYY-MM-DD, inclusive, on start_time (UTC). */
  startDate?: string;
  endDate?: string;
  callDirection?: Direction;
  /** duration >= this many seconds. */
  minDuration?: number;
  sipCallId?: string;
  bridgeUuid?: string;
  hangupCause?: string;
  hangupCauseCode?: number;
  hangupSource?: string;
  hangupDisposition?: string;
  context?: string;
  parentCallUuid?: string;
  /** Free text over numbers, names, uuid and the SIP Call-ID. */
  search?: string;
  /** billsec comparisons (Plivo-style bill_duration filters). */
  billsecGt?: number;
  billsecGte?: number;
  billsecLt?: number;
  billsecLte?: number;
  /** end_time comparisons, ISO 8601. */
  endTimeGt?: string;
  endTimeGte?: string;
  endTimeLt?: string;
  endTimeLte?: string;
}

export interface CdrSummary {
  totalCalls: number;
  answeredCalls: number;
  /** Percent, 0-100, two decimals. */
  answerRate: number;
  /** e.g. "28s". */
  avgCallDuration: string;
  total_duration_seconds: number;
  total_billable_seconds: number;
  total_cost: number;
  /** ISO 8601 of the newest end_time, or null. */
  last_call_at: string | null;
}

export interface Page {
  offset: number;
  limit: number;
}

export interface CdrStore {
  /** Never loses a record: a backend that cannot write now keeps it and writes it later. */
  add(cdr: CdrRecord): Promise<void>;
  get(uuid: string): Promise<CdrRecord | undefined>;
  /** Newest first (by end_time); summary over the whole filtered set. */
  query(filter: CdrFilter, page: Page): Promise<{ data: CdrRecord[]; total: number; summary: CdrSummary }>;
}

/** REST 4.5 Recording object (without api_id / resource_uri, which the API adds). */
export interface RecordingRecord {
  recording_id: string;
  recording_url: string;
  recording_format: 'mp3' | 'wav';
  recording_type: 'call' | 'conference' | 'trunk';
  call_uuid: string;
  conference_name: string | null;
  from_number: string;
  to_number: string;
  /** `2025-11-06 13:49:10.751756+00:00`. */
  add_time: string;
  /** Epoch ms as a decimal string, `"1762436939422.00000"`. */
  recording_start_ms: string | null;
  recording_end_ms: string | null;
  recording_duration_ms: string;
  /** Seconds, rounded up to a whole minute (billing convention). */
  rounded_recording_duration: number;
  /** The node whose data directory holds the file. */
  node_id: string;
}

export interface RecordingFilter {
  callUuid?: string;
  recordingType?: RecordingRecord['recording_type'];
}

export interface RecordingStore {
  add(rec: RecordingRecord): Promise<void>;
  get(recordingId: string): Promise<RecordingRecord | undefined>;
  /** Newest first (by add_time). */
  list(filter: RecordingFilter, page: Page): Promise<{ objects: RecordingRecord[]; total: number }>;
  remove(recordingId: string): Promise<boolean>;
}

/** REST 4.1 Application object (without api_id / resource_uri). */
export interface ApplicationRecord {
  app_id: string;
  app_name: string;
  answer_url: string;
  answer_method: HttpMethod;
  hangup_url: string;
  hangup_method: HttpMethod;
  fallback_answer_url: string | null;
  fallback_method: HttpMethod;
  message_url: string | null;
  message_method: HttpMethod;
  default_number_app: boolean;
  default_endpoint_app: boolean;
  sub_account: string | null;
  application_type: string;
  default_app: boolean;
  enabled: boolean;
  log_incoming_message: boolean;
  public_uri: boolean;
  sip_transfer_url: string | null;
  sip_transfer_method: HttpMethod;
  sip_uri: string;
  /** `2026-04-02 12:11:19.740666+00:00`. */
  created_at: string;
  updated_at: string;
}

export interface ApplicationStore {
  /** Fails with StoreError CONFLICT when app_id exists. */
  create(app: ApplicationRecord): Promise<void>;
  get(appId: string): Promise<ApplicationRecord | undefined>;
  /** Oldest first (by created_at). */
  list(page: Page): Promise<{ objects: ApplicationRecord[]; total: number }>;
  /** Applies the fields given; returns the result, or undefined when there is no such app. */
  update(
    appId: string,
    patch: Partial<Omit<ApplicationRecord, 'app_id' | 'created_at'>>,
  ): Promise<ApplicationRecord | undefined>;
  /** Fails with StoreError CONFLICT while numbers are attached; true when it was there. */
  remove(appId: string): Promise<boolean>;
  /** Routes a number or SIP user (the Request-URI user, e.g. `14155550100` or `alice`) to an app. */
  attachNumber(number: string, appId: string): Promise<void>;
  detachNumber(number: string): Promise<boolean>;
  /** The numbers attached to an app. */
  numbersOf(appId: string): Promise<string[]>;
  /** The app a number routes to: attached, else the one with `default_app`, else undefined. */
  route(number: string): Promise<ApplicationRecord | undefined>;
}

/**
 * A running node, as other nodes find it (DESIGN 3: REST commands for a call owned by another
 * node are forwarded to that node). Published at start, kept alive by a heartbeat, withdrawn on
 * a clean shutdown; a node that dies drops out within the TTL (60 s with Redis).
 */
export interface NodeRecord {
  node_id: string;
  /** Base URL of the node's HTTP API (its `PATCHBAY_PUBLIC_URL`), without a trailing slash. */
  api_url: string;
  /** ISO 8601: when the node started. */
  started_at: string;
}

export interface NodeRegistry {
  /**
   * Publishes a node (creates or replaces). This store keeps its own node (the node id it was
   * opened with) alive until `remove`; another node's record is written once and expires unless
   * that node refreshes it.
   */
  register(node: NodeRecord): Promise<void>;
  get(nodeId: string): Promise<NodeRecord | undefined>;
  /** Oldest first (by started_at, ties by node_id). */
  list(): Promise<NodeRecord[]>;
  /** Withdraws it (clean shutdown); true when it was there. */
  remove(nodeId: string): Promise<boolean>;
}

export type StoreErrorCode = 'CONFLICT' | 'NOT_FOUND' | 'UNAVAILABLE';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Store {
  readonly kind: 'memory' | 'redis';
  readonly calls: CallStore;
  readonly cdrs: CdrStore;
  readonly recordings: RecordingStore;
  readonly applications: ApplicationStore;
  readonly nodes: NodeRegistry;
  /** Writes what is pending (best effort, bounded) and disconnects. */
  close(): Promise<void>;
}
