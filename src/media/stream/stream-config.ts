import { StreamError } from './stream-error.ts';
import { parseStreamContentType, type StreamFormat } from './stream-format.ts';

/**
 * What a stream is asked to do, whoever asks: the `<Stream>` verb (its attributes, spec
 * 2.14) or the REST API (`StreamRequest`, rest-api 3.5; same field names, so a StreamRequest
 * is a StreamConfig). Defined here so the media layer does not import the call-flow layer.
 */
export interface StreamConfig {
  /** ws:// or wss:// (a `#...` fragment is dropped, spec 1.6). */
  serviceUrl: string;
  audioTrack: 'inbound' | 'outbound' | 'both';
  bidirectional: boolean;
  /** One of spec 3.1's four values (bare `audio/x-l16` / `audio/x-mulaw` read as 8000 Hz). */
  contentType: string;
  /** Seconds from the start until the stream stops by itself. */
  streamTimeout: number;
  statusCallbackUrl?: string;
  statusCallbackMethod: 'GET' | 'POST';
  /** Sent as headers of the WebSocket upgrade and in every message's `extra_headers`. */
  extraHeaders: Record<string, string>;
  /** Reconnections after a failed connect or a drop, each with a fresh `start` (2.14, 0-10). Default 0. */
  maxRetries?: number;
}

/** The REST Stream object (rest-api 3.5) without `api_id` / `resource_uri`. */
export interface StreamInfoRecord {
  stream_id: string;
  call_uuid: string;
  service_url: string;
  audio_track: 'inbound' | 'outbound' | 'both';
  bidirectional: boolean;
  content_type: string;
  sampling_rate: number;
  stream_timeout: number;
  status_callback_url: string;
  status_callback_method: 'GET' | 'POST';
  status: 'in-progress' | 'completed' | 'failed';
  /** ISO 8601. */
  start_time: string;
  end_time: string | null;
}

/** Bounds that keep one stream's memory and the engine safe from what an application sends. */
export interface StreamLimits {
  /**
   * Largest frame accepted from the application (ws `maxPayload`): a bigger one closes the
   * connection with 1009 "Message Too Big" and counts as a drop. 1 MiB holds 32 s of
   * 8 kHz L16 (base64) in one playAudio.
   */
  maxPayloadBytes: number;
  /** Socket send buffer (ws `bufferedAmount`) past which media frames are dropped and counted. */
  maxBufferedBytes: number;
  /** playAudio audio waiting to play, in ms of 8 kHz audio; more is refused and counted. */
  maxQueuedPlayoutMs: number;
  /** WebSocket opening handshake timeout. */
  connectTimeoutMs: number;
  /** First reconnection delay; doubles per attempt up to 5 s. */
  retryDelayMs: number;
}

export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxPayloadBytes: 1024 * 1024,
  maxBufferedBytes: 256 * 1024,
  maxQueuedPlayoutMs: 5 * 60 * 1000,
  connectTimeoutMs: 10_000,
  retryDelayMs: 500,
});

export const MAX_RETRY_DELAY_MS = 5_000;

/** The wait before reconnecting after attempt `attempt` (1-based): doubles, up to 5 s. */
export function retryDelay(limits: Pick<StreamLimits, 'retryDelayMs'>, attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, limits.retryDelayMs * 2 ** (attempt - 1));
}

/**
 * What a stream request must satisfy before anything connects (spec 2.14, rest-api 3.5):
 * a ws:// or wss:// URL (its `#fragment` dropped, spec 1.6), a contentType of spec 3.1,
 * a bidirectional stream on the inbound track only, a positive streamTimeout. Throws a
 * StreamError (BAD_URL / BAD_CONTENT_TYPE / BAD_REQUEST); returns the URL to open and the
 * format.
 */
export function checkStreamConfig(config: StreamConfig): { url: string; format: StreamFormat } {
  const format = parseStreamContentType(config.contentType);
  const url = config.serviceUrl.replace(/#.*$/, '');
  if (!/^wss?:\/\/[^\s/?#]+/i.test(url) || !URL.canParse(url)) {
    throw new StreamError(
      'BAD_URL',
      `stream URL must be ws:// or wss://, got ${JSON.stringify(config.serviceUrl)}`,
    );
  }
  // 2.14 / rest-api 3.5: a bidirectional stream forks the inbound track only.
  if (config.bidirectional && config.audioTrack !== 'inbound') {
    throw new StreamError(
      'BAD_REQUEST',
      `a bidirectional stream forks the inbound track only, not ${config.audioTrack}`,
    );
  }
  if (!(config.streamTimeout > 0)) {
    throw new StreamError(
      'BAD_REQUEST',
      `streamTimeout must be a positive number of seconds, got ${config.streamTimeout}`,
    );
  }
  return { url, format };
}

/** The REST Stream object (rest-api 3.5) of a stream's configuration and life so far. */
export function streamInfoRecord(s: {
  id: string;
  callUuid: string;
  config: StreamConfig;
  format: StreamFormat;
  status: StreamInfoRecord['status'];
  startedAt: number;
  endedAt: number | undefined;
}): StreamInfoRecord {
  const c = s.config;
  return {
    stream_id: s.id,
    call_uuid: s.callUuid,
    service_url: c.serviceUrl,
    audio_track: c.audioTrack,
    bidirectional: c.bidirectional,
    content_type: s.format.contentType,
    sampling_rate: s.format.sampleRate,
    stream_timeout: c.streamTimeout,
    status_callback_url: c.statusCallbackUrl ?? '',
    status_callback_method: c.statusCallbackMethod,
    status: s.status,
    start_time: new Date(s.startedAt).toISOString(),
    end_time: s.endedAt === undefined ? null : new Date(s.endedAt).toISOString(),
  };
}
