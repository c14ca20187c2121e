import { randomUUID } from 'node:crypto';
import { type Clock, systemClock, type TimerHandle } from '../../util/clock.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { LogThrottle } from '../../util/log-throttle.ts';
import type { MediaEndpoint } from '../media-engine.ts';
import { type FrameTicker, sharedTicker } from './frame-ticker.ts';
import {
  DEFAULT_STREAM_LIMITS,
  MAX_RETRY_DELAY_MS,
  type StreamConfig,
  type StreamInfoRecord,
  type StreamLimits,
} from './stream-config.ts';
import { type GarbageKind, StreamConnection } from './stream-connection.ts';
import { StreamError } from './stream-error.ts';
import { parseStreamContentType, type StreamFormat } from './stream-format.ts';
import { extraHeadersField, tracksOf } from './stream-protocol.ts';
import { emptyStreamStats, type StreamStats } from './stream-stats.ts';
import { STATUS_ERRORS, type StreamNotify, StreamStatus } from './stream-status.ts';

/**
 * A stream's life (spec/vobizxml.md 2.14):
 *
 *            start()            open
 *   idle ───────────▶ connecting ─────▶ streaming
 *                      ▲      │           │
 *          retry timer │      │ failed    │ dropped (abnormal close, 1009 ...)
 *                      │      ▼           ▼
 *                      └── retrying ◀─────┘   (while maxRetries last)
 *
 *   connecting | retrying | streaming ──▶ ended   on: app `stop`, a clean close by the app,
 *   streamTimeout, stop() (REST / call end), or a failure with no retry left.
 */
export type StreamState = 'idle' | 'connecting' | 'streaming' | 'retrying' | 'ended';

const LEGAL: Readonly<Record<StreamState, readonly StreamState[]>> = {
  idle: ['connecting', 'ended'],
  connecting: ['streaming', 'retrying', 'ended'],
  streaming: ['retrying', 'ended'],
  retrying: ['connecting', 'ended'],
  ended: [],
};

export type StreamEndReason =
  /** The application sent `stop`. */
  | 'stop'
  /** The application closed the socket cleanly (1000 / 1001). */
  | 'closed'
  | 'timeout'
  /** stop() from the REST API (or the call's code). */
  | 'api'
  | 'call-ended'
  /** Never connected, retries spent. */
  | 'failed'
  /** Dropped, retries spent. */
  | 'dropped';

export interface StreamEnd {
  reason: StreamEndReason;
  status: 'completed' | 'failed';
  /** The id of the last connection. */
  streamId: string;
}

export interface StreamSessionDeps {
  callUuid: string;
  /** `start.accountId` and `ParentAuthID` (the auth id). */
  accountId: string;
  endpoint: MediaEndpoint;
  clock?: Clock;
  /** Epoch ms, for `media.timestamp` and callback times. */
  wallClock?: () => number;
  log?: Logger;
  notify?: StreamNotify;
  limits?: Partial<StreamLimits>;
  ticker?: FrameTicker;
  /** Ends the stream with `call-ended` when it aborts. */
  signal?: AbortSignal;
  /** The first stream id (tests); a random UUID otherwise. */
  streamId?: string;
}

const CLEAN_CLOSE = new Set([1000, 1001]);

/**
 * One `<Stream>` (or REST-started stream) on a call: connects, reconnects per `maxRetries`
 * with a fresh `start` and streamId each time, stops on `streamTimeout`, on the app's
 * `stop`, on stop() or when the call ends, and reports to `statusCallbackUrl`.
 * `id` is the first streamId and names the stream in the REST API for its whole life.
 */
export class StreamSession {
  readonly id: string;
  readonly format: StreamFormat;
  readonly done: Promise<StreamEnd>;
  private stateValue: StreamState = 'idle';
  private readonly config: StreamConfig;
  private readonly deps: StreamSessionDeps;
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly log: Logger;
  private readonly limits: StreamLimits;
  private readonly status: StreamStatus;
  private readonly url: string;
  private readonly statsValue = emptyStreamStats();
  private readonly startedAt: number;
  private endedAt: number | undefined;
  private endValue: StreamEnd | undefined;
  private resolveDone!: (end: StreamEnd) => void;
  private conn: StreamConnection | undefined;
  private currentId: string;
  private retriesLeft: number;
  private attempt = 0;
  private timeout: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private everStreamed = false;
  private reportedGarbage = new Set<GarbageKind>();
  private readonly throttle: LogThrottle;
  private readonly onAbort = () => this.stop('call-ended');

  constructor(config: StreamConfig, deps: StreamSessionDeps) {
    this.format = parseStreamContentType(config.contentType);
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
    this.url = url;
    this.config = config;
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.wallClock = deps.wallClock ?? Date.now;
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...deps.limits };
    this.id = deps.streamId ?? randomUUID();
    this.currentId = this.id;
    this.log = (deps.log ?? silentLogger).child({ streamId: this.id });
    this.throttle = new LogThrottle(10, 10_000, this.clock);
    this.retriesLeft = Math.max(0, Math.min(10, config.maxRetries ?? 0));
    this.startedAt = this.wallClock();
    this.status = new StreamStatus({
      url: config.statusCallbackUrl,
      method: config.statusCallbackMethod,
      callUuid: deps.callUuid,
      accountId: deps.accountId,
      notify: deps.notify,
      wallClock: this.wallClock,
      log: this.log,
    });
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
  }

  get state(): StreamState {
    return this.stateValue;
  }

  /** The id of the connection now (a reconnection has a new one). */
  get streamId(): string {
    return this.currentId;
  }

  get ended(): StreamEnd | undefined {
    return this.endValue;
  }

  stats(): StreamStats {
    return { ...this.statsValue, garbage: { ...this.statsValue.garbage } };
  }

  /** Resolves once ended and every status callback went out (or was given up). */
  async settled(): Promise<void> {
    await this.done;
    await this.status.settled();
  }

  start(): this {
    if (this.stateValue !== 'idle') throw new StreamError('STATE', `stream ${this.id} already started`);
    const signal = this.deps.signal;
    if (signal?.aborted) {
      this.finish('call-ended');
      return this;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    void this.deps.endpoint.whenClosed.then(() => this.stop('call-ended'));
    this.timeout = this.clock.setTimer(this.config.streamTimeout * 1000, () => this.stop('timeout'));
    this.connect();
    return this;
  }

  /** Ends the stream (REST stop, call end); false when it had ended already. */
  stop(reason: 'api' | 'call-ended' | 'timeout' = 'api'): boolean {
    if (this.stateValue === 'ended') return false;
    this.finish(reason);
    return true;
  }

  info(): StreamInfoRecord {
    const c = this.config;
    const end = this.endValue;
    return {
      stream_id: this.id,
      call_uuid: this.deps.callUuid,
      service_url: c.serviceUrl,
      audio_track: c.audioTrack,
      bidirectional: c.bidirectional,
      content_type: this.format.contentType,
      sampling_rate: this.format.sampleRate,
      stream_timeout: c.streamTimeout,
      status_callback_url: c.statusCallbackUrl ?? '',
      status_callback_method: c.statusCallbackMethod,
      status: end ? end.status : 'in-progress',
      start_time: new Date(this.startedAt).toISOString(),
      end_time: this.endedAt === undefined ? null : new Date(this.endedAt).toISOString(),
    };
  }

  private transition(to: StreamState): void {
    if (!LEGAL[this.stateValue].includes(to)) {
      throw new StreamError('STATE', `stream ${this.id}: ${this.stateValue} -> ${to} is not allowed`);
    }
    this.stateValue = to;
  }

  private connect(): void {
    this.transition('connecting');
    // 2.14 [V-repo]: each reconnection announces itself with a fresh streamId.
    if (this.attempt++ > 0) this.currentId = randomUUID();
    const c = this.config;
    const streamId = this.currentId;
    const conn = new StreamConnection({
      url: this.url,
      headers: c.extraHeaders,
      streamId,
      callId: this.deps.callUuid,
      accountId: this.deps.accountId,
      format: this.format,
      tracks: tracksOf(c.audioTrack),
      bidirectional: c.bidirectional,
      extraHeaders: extraHeadersField(c.extraHeaders),
      endpoint: this.deps.endpoint,
      clock: this.clock,
      wallClock: this.wallClock,
      ticker: this.deps.ticker ?? sharedTicker(this.clock),
      limits: this.limits,
      log: this.log,
      stats: this.statsValue,
      events: {
        open: () => this.onOpen(conn),
        closed: (info) => this.onClosed(conn, info),
        stop: () => {
          if (this.conn === conn) this.finish('stop');
        },
        played: (name) => this.status.send('PlayedStream', streamId, { Name: name }),
        cleared: () => this.status.send('ClearedAudio', streamId),
        garbage: (kind, detail) => this.onGarbage(streamId, kind, detail),
        degraded: (on) => {
          this.log.warn(
            { dropped: this.statsValue.mediaDropped, on },
            'stream back-pressure: media frames dropped',
          );
          if (on) this.status.send('DegradedStream', streamId, { Error: STATUS_ERRORS.degraded });
        },
      },
    });
    this.conn = conn;
  }

  private onOpen(conn: StreamConnection): void {
    if (this.conn !== conn || this.stateValue !== 'connecting') return;
    this.transition('streaming');
    this.everStreamed = true;
    this.log.info({ url: this.url, attempt: this.attempt }, 'stream connected');
    this.status.send('StartStream', conn.streamId, { ServiceURL: this.config.serviceUrl });
  }

  private onClosed(
    conn: StreamConnection,
    info: { opened: boolean; code: number; error: string | undefined },
  ): void {
    if (this.conn !== conn || this.stateValue === 'ended') return;
    if (info.opened && CLEAN_CLOSE.has(info.code)) {
      this.finish('closed');
      return;
    }
    this.statsValue.failures++;
    const error = info.opened ? STATUS_ERRORS.dropped : STATUS_ERRORS.refused;
    this.log.warn({ code: info.code, error: info.error, opened: info.opened }, 'stream connection failed');
    this.status.send('DroppedStream', conn.streamId, { Error: error });
    if (this.retriesLeft <= 0) {
      this.finish(this.everStreamed ? 'dropped' : 'failed');
      return;
    }
    this.retriesLeft--;
    this.transition('retrying');
    const delay = Math.min(MAX_RETRY_DELAY_MS, this.limits.retryDelayMs * 2 ** (this.attempt - 1));
    this.retryTimer = this.clock.setTimer(delay, () => {
      this.retryTimer = undefined;
      if (this.stateValue === 'retrying') this.connect();
    });
  }

  private onGarbage(streamId: string, kind: GarbageKind, detail: string): void {
    if (
      this.throttle.allow((n) =>
        this.log.warn({ suppressed: n }, 'stream: more garbage from the application'),
      )
    ) {
      this.log.warn({ kind, detail }, 'stream: garbage from the application ignored');
    }
    // One MediaError per kind and stream: a flood of bad frames is not a flood of webhooks.
    if (this.reportedGarbage.has(kind)) return;
    this.reportedGarbage.add(kind);
    this.status.send('MediaError', streamId, { Error: `${kind}: ${detail}` });
  }

  private finish(reason: StreamEndReason): void {
    if (this.stateValue === 'ended') return;
    const wasStreaming = this.stateValue === 'streaming';
    this.transition('ended');
    this.timeout?.cancel();
    this.retryTimer?.cancel();
    this.deps.signal?.removeEventListener('abort', this.onAbort);
    this.conn?.close(1000, reason === 'timeout' ? 'stream timeout' : 'stream stopped');
    this.endedAt = this.wallClock();
    const failed = reason === 'failed' || reason === 'dropped';
    this.endValue = { reason, status: failed ? 'failed' : 'completed', streamId: this.currentId };
    this.log.info({ reason, wasStreaming, stats: this.statsValue }, 'stream ended');
    this.status.send('StopStream', this.currentId);
    this.resolveDone(this.endValue);
  }
}
