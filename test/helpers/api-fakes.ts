import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { pino } from 'pino';
import { createApp } from '../../src/api/http-server.ts';
import { type RestApiDeps, restApi } from '../../src/api/rest-api.ts';
import {
  type CallControl,
  CallControlError,
  type DtmfRequest,
  type MakeCallRequest,
  type PlayRequest,
  type RecordRequest,
  type SpeakRequest,
  type StartedRecording,
  type StreamInfo,
  type StreamRequest,
  type TransferRequest,
} from '../../src/callflow/call-control.ts';
import { LocalRecordingFiles } from '../../src/calls/recording-files.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { CdrRecord, LiveCallRecord, RecordingRecord } from '../../src/store/types.ts';

export const AUTH_ID = 'MA_TEST0001';
export const AUTH_TOKEN = 'secret-token-of-the-test-account';
export const NODE_ID = 'node-a';
export const BASE = `/api/v1/Account/${AUTH_ID}`;
/** The credential headers of the test account. */
export const AUTH = { 'X-Auth-ID': AUTH_ID, 'X-Auth-Token': AUTH_TOKEN } as const;

type Invocation = { method: keyof CallControl; callUuid?: string; arg?: unknown };

/**
 * A CallControl that knows the live calls it is told about (`addCall`) and records every
 * invocation. `failNext(code)` makes the next command throw that CallControlError.
 */
export class FakeCallControl implements CallControl {
  readonly invocations: Invocation[] = [];
  readonly calls = new Map<string, { streams: StreamInfo[]; recordings: string[] }>();
  private failure?: CallControlError;

  addCall(uuid: string): void {
    this.calls.set(uuid, { streams: [], recordings: [] });
  }

  failNext(code: CallControlError['code'], message = `fake ${code}`): void {
    this.failure = new CallControlError(code, message);
  }

  last(method: keyof CallControl): Invocation | undefined {
    return this.invocations.filter((i) => i.method === method).at(-1);
  }

  private note(method: keyof CallControl, callUuid?: string, arg?: unknown): void {
    this.invocations.push({ method, callUuid, arg });
    const f = this.failure;
    this.failure = undefined;
    if (f) throw f;
  }

  async makeCall(req: MakeCallRequest): Promise<string[]> {
    this.note('makeCall', undefined, req);
    return req.to.map(() => randomUUID());
  }
  async hangup(callUuid: string): Promise<boolean> {
    this.note('hangup', callUuid);
    return this.calls.delete(callUuid);
  }
  async cancelRequest(requestUuid: string): Promise<boolean> {
    this.note('cancelRequest', requestUuid);
    return this.calls.delete(requestUuid);
  }
  async transfer(callUuid: string, req: TransferRequest): Promise<boolean> {
    this.note('transfer', callUuid, req);
    return this.calls.has(callUuid);
  }
  async play(callUuid: string, req: PlayRequest): Promise<boolean> {
    this.note('play', callUuid, req);
    return this.calls.has(callUuid);
  }
  async stopPlay(callUuid: string): Promise<boolean> {
    this.note('stopPlay', callUuid);
    return this.calls.has(callUuid);
  }
  async speak(callUuid: string, req: SpeakRequest): Promise<boolean> {
    this.note('speak', callUuid, req);
    return this.calls.has(callUuid);
  }
  async stopSpeak(callUuid: string): Promise<boolean> {
    this.note('stopSpeak', callUuid);
    return this.calls.has(callUuid);
  }
  async sendDigits(callUuid: string, req: DtmfRequest): Promise<boolean> {
    this.note('sendDigits', callUuid, req);
    return this.calls.has(callUuid);
  }
  async startRecording(callUuid: string, req: RecordRequest): Promise<StartedRecording | undefined> {
    this.note('startRecording', callUuid, req);
    const call = this.calls.get(callUuid);
    if (!call) return undefined;
    const recordingId = randomUUID();
    const url = `http://127.0.0.1:1/api/v1/Account/${AUTH_ID}/Recording/${recordingId}.wav`;
    call.recordings.push(url);
    return { recordingId, url };
  }
  async stopRecording(callUuid: string, url?: string): Promise<boolean> {
    this.note('stopRecording', callUuid, url);
    const call = this.calls.get(callUuid);
    if (!call) return false;
    if (url === undefined) {
      call.recordings = [];
      return true;
    }
    const at = call.recordings.indexOf(url);
    if (at < 0) return false;
    call.recordings.splice(at, 1);
    return true;
  }
  async startStream(callUuid: string, req: StreamRequest): Promise<StreamInfo | undefined> {
    this.note('startStream', callUuid, req);
    const call = this.calls.get(callUuid);
    if (!call) return undefined;
    const info: StreamInfo = {
      stream_id: randomUUID(),
      call_uuid: callUuid,
      service_url: req.serviceUrl,
      audio_track: req.audioTrack,
      bidirectional: req.bidirectional,
      content_type: req.contentType,
      sampling_rate: req.contentType.endsWith('16000') ? 16000 : 8000,
      stream_timeout: req.streamTimeout,
      status_callback_url: req.statusCallbackUrl ?? '',
      status_callback_method: req.statusCallbackMethod,
      status: 'in-progress',
      start_time: new Date().toISOString(),
      end_time: null,
    };
    call.streams.push(info);
    return info;
  }
  async stopStream(callUuid: string, streamId?: string): Promise<boolean> {
    this.note('stopStream', callUuid, streamId);
    const call = this.calls.get(callUuid);
    if (!call) return false;
    const targets = call.streams.filter(
      (s) => s.status === 'in-progress' && (!streamId || s.stream_id === streamId),
    );
    if (streamId && targets.length === 0) return false;
    for (const s of targets) {
      s.status = 'completed';
      s.end_time = new Date().toISOString();
    }
    return true;
  }
  listStreams(callUuid: string): StreamInfo[] | undefined {
    this.invocations.push({ method: 'listStreams', callUuid });
    return this.calls.get(callUuid)?.streams.map((s) => ({ ...s }));
  }
}

export function liveCall(over: Partial<LiveCallRecord> = {}): LiveCallRecord {
  const uuid = over.call_uuid ?? randomUUID();
  return {
    call_uuid: uuid,
    request_uuid: uuid,
    direction: 'outbound',
    from: '14155550100',
    to: '14155550199',
    caller_name: '',
    call_status: 'in-progress',
    initiated_at: '2026-06-11T16:03:20.000Z',
    answered_at: '2026-06-11T16:03:28.586Z',
    node_id: NODE_ID,
    ...over,
  };
}

export function cdr(over: Partial<CdrRecord> = {}): CdrRecord {
  return {
    uuid: randomUUID(),
    account_id: AUTH_ID,
    call_direction: 'outbound',
    caller_id_name: '',
    caller_id_number: '14155550100',
    destination_number: '14155550199',
    start_time: '2026-06-11T16:03:20.000Z',
    progress_time: '2026-06-11T16:03:21.000Z',
    answer_time: '2026-06-11T16:03:25.000Z',
    end_time: '2026-06-11T16:04:25.000Z',
    duration: 65,
    billsec: 60,
    ring_time: 5,
    hangup_cause: 'NORMAL_CLEARING',
    hangup_cause_code: 4000,
    hangup_cause_name: 'Normal Hangup',
    hangup_source: 'Caller',
    hangup_disposition: 'recv_bye',
    sip_call_id: 'abc@127.0.0.1',
    sip_user_agent: 'SIPp',
    codec: 'PCMU',
    network_addr: '127.0.0.1:5070',
    context: 'voice-api',
    parent_call_uuid: null,
    bridge_uuid: null,
    mos: 4.4,
    jitter: 0,
    packet_loss: 0,
    created_at: '2026-06-11T16:04:25.000Z',
    updated_at: '2026-06-11T16:04:25.000Z',
    ...over,
  };
}

export function recording(over: Partial<RecordingRecord> = {}): RecordingRecord {
  const id = over.recording_id ?? randomUUID();
  return {
    recording_id: id,
    recording_url: `http://127.0.0.1:1/api/v1/Account/${AUTH_ID}/Recording/${id}.wav`,
    recording_format: 'wav',
    recording_type: 'call',
    call_uuid: randomUUID(),
    conference_name: null,
    from_number: '14155550100',
    to_number: '14155550199',
    add_time: '2026-06-11 16:04:25.000000+00:00',
    recording_start_ms: '1781193860000.00000',
    recording_end_ms: '1781193870000.00000',
    recording_duration_ms: '10000.00000',
    rounded_recording_duration: 60,
    node_id: NODE_ID,
    ...over,
  };
}

export interface ApiFixture {
  app: Express;
  store: MemoryStore;
  control: FakeCallControl;
  files: LocalRecordingFiles;
  /** Lines the API logged, as objects. */
  logged: Record<string, unknown>[];
  /** Puts a live call in the store and, when it is on this node, in the engine. */
  addCall(over?: Partial<LiveCallRecord>): Promise<LiveCallRecord>;
  close(): void;
}

/** The REST API on an express app, over a memory store, a fake engine and a temp data dir. */
export function apiFixture(over: Partial<RestApiDeps> = {}): ApiFixture {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-api-'));
  const store = new MemoryStore();
  const control = new FakeCallControl();
  const files = new LocalRecordingFiles(dir, 'http://127.0.0.1:1', AUTH_ID);
  const logged: Record<string, unknown>[] = [];
  // A real pino logger whose destination keeps the lines.
  const log = pino({ level: 'debug' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const app = createApp();
  app.use(
    restApi({
      authId: AUTH_ID,
      authToken: AUTH_TOKEN,
      store,
      control,
      recordings: files,
      log,
      nodeId: NODE_ID,
      now: () => new Date('2026-06-20T10:00:00.000Z'),
      ...over,
    }),
  );
  return {
    app,
    store,
    control,
    files,
    logged,
    async addCall(o = {}) {
      const rec = liveCall(o);
      await store.calls.put(rec);
      if (rec.node_id === NODE_ID) control.addCall(rec.call_uuid);
      return rec;
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
