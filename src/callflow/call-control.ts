import type { HttpMethod } from '../store/types.ts';

/**
 * What the REST API asks of the call engine on this node: place calls and steer live ones.
 * Lookups of live calls, CDRs and recordings go to the store instead; this is for actions.
 * A method that names a call answers `false` / `undefined` when this node has no such live
 * call (the API answers 404); other refusals throw a CallControlError.
 */
export type Legs = 'aleg' | 'bleg' | 'both';

/** REST 2.1, parsed and defaulted. */
export interface MakeCallRequest {
  from: string;
  /** One or more destinations: E.164 numbers (with or without '+') or SIP URIs. */
  to: string[];
  answerUrl: string;
  answerMethod: HttpMethod;
  ringUrl?: string;
  ringMethod: HttpMethod;
  hangupUrl?: string;
  hangupMethod: HttpMethod;
  fallbackUrl?: string;
  fallbackMethod: HttpMethod;
  callerName?: string;
  sendDigits?: string;
  sendOnPreanswer: boolean;
  /** Seconds after answer. */
  timeLimit: number;
  /** Seconds from ringing until we give up. */
  hangupOnRing?: number;
  /** Seconds to wait for an answer. */
  ringTimeout: number;
  /** Custom headers by name, without prefix (sent as X-VH-<name>). */
  sipHeaders: Record<string, string>;
  parentCallUuid?: string;
  /** The API client's address (Call object source_ip). */
  sourceIp?: string;
}

export interface TransferRequest {
  legs: Legs;
  alegUrl?: string;
  alegMethod: HttpMethod;
  blegUrl?: string;
  blegMethod: HttpMethod;
}

export interface PlayRequest {
  urls: string[];
  /** Seconds; stop after this long. */
  length?: number;
  legs: Legs;
  loop: boolean;
  mix: boolean;
}

export interface SpeakRequest {
  text: string;
  voice: string;
  language: string;
  legs: Legs;
  loop: boolean;
  mix: boolean;
}

export interface DtmfRequest {
  /** `0-9*#`, with `w` (0.5 s) and `W` (1 s) pauses. */
  digits: string;
  leg: Legs;
}

export interface RecordRequest {
  /** Seconds. */
  timeLimit: number;
  fileFormat: 'mp3' | 'wav';
  callbackUrl?: string;
  callbackMethod: HttpMethod;
  channels: 'mono' | 'stereo';
  transcriptionType?: string;
  transcriptionUrl?: string;
  transcriptionMethod: HttpMethod;
}

export interface StartedRecording {
  recordingId: string;
  url: string;
}

/** REST 3.5 start parameters (XML `<Stream>` attributes map onto the same). */
export interface StreamRequest {
  serviceUrl: string;
  audioTrack: 'inbound' | 'outbound' | 'both';
  bidirectional: boolean;
  contentType: string;
  /** Seconds. */
  streamTimeout: number;
  statusCallbackUrl?: string;
  statusCallbackMethod: HttpMethod;
  /** From `extra_headers` (`name:value,name:value`). */
  extraHeaders: Record<string, string>;
}

/** REST 3.5 Stream object (without api_id / resource_uri). */
export interface StreamInfo {
  stream_id: string;
  call_uuid: string;
  service_url: string;
  audio_track: 'inbound' | 'outbound' | 'both';
  bidirectional: boolean;
  content_type: string;
  sampling_rate: number;
  stream_timeout: number;
  status_callback_url: string;
  status_callback_method: HttpMethod;
  status: 'in-progress' | 'completed' | 'failed';
  /** ISO 8601. */
  start_time: string;
  end_time: string | null;
}

export type CallControlErrorCode =
  /** The request cannot be carried out as asked (a destination we cannot route, ...). */
  | 'BAD_REQUEST'
  /** Not available in this version or configuration (the API answers 501 or 400 as the spec says). */
  | 'NOT_IMPLEMENTED'
  /** Over a limit (calls per second, concurrent calls): 429. */
  | 'BUSY'
  /** Shutting down, or the call is on another node that cannot be reached: 503. */
  | 'UNAVAILABLE';

export class CallControlError extends Error {
  constructor(
    readonly code: CallControlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CallControlError';
  }
}

export interface CallControl {
  /** Starts one call per destination; resolves with their request UUIDs (= call UUIDs) once queued. */
  makeCall(req: MakeCallRequest): Promise<string[]>;
  /** Hangs up a live call or cancels a queued one (REST 2.7). */
  hangup(callUuid: string): Promise<boolean>;
  /** Cancels a queued call request (REST 2.8). */
  cancelRequest(requestUuid: string): Promise<boolean>;
  /** Aborts what the leg(s) run and runs the new document (REST 2.9). */
  transfer(callUuid: string, req: TransferRequest): Promise<boolean>;
  play(callUuid: string, req: PlayRequest): Promise<boolean>;
  stopPlay(callUuid: string): Promise<boolean>;
  speak(callUuid: string, req: SpeakRequest): Promise<boolean>;
  stopSpeak(callUuid: string): Promise<boolean>;
  sendDigits(callUuid: string, req: DtmfRequest): Promise<boolean>;
  startRecording(callUuid: string, req: RecordRequest): Promise<StartedRecording | undefined>;
  /** Stops the recording at `url`, or all of the call's when none is given. */
  stopRecording(callUuid: string, url?: string): Promise<boolean>;
  startStream(callUuid: string, req: StreamRequest): Promise<StreamInfo | undefined>;
  /** Stops one stream (undefined when the call or the stream is unknown), or all when no id. */
  stopStream(callUuid: string, streamId?: string): Promise<boolean>;
  /** The call's streams, active and stopped; undefined when the call is unknown. */
  listStreams(callUuid: string): StreamInfo[] | undefined;
}
