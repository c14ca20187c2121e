import { randomUUID } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { type Clock, systemClock, type TimerHandle } from '../../util/clock.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { sharedTicker } from './frame-ticker.ts';
import {
  checkStreamConfig,
  DEFAULT_STREAM_LIMITS,
  retryDelay,
  type StreamConfig,
  type StreamInfoRecord,
  type StreamLimits,
  streamInfoRecord,
} from './stream-config.ts';
import { StreamConnection } from './stream-connection.ts';
import {
  checkStreamTarget,
  defaultStreamEgress,
  type EgressVerdict,
  type StreamEgress,
} from './stream-egress.ts';
import { StreamError } from './stream-error.ts';
import type { StreamFormat } from './stream-format.ts';
import { extraHeadersField, tracksOf } from './stream-protocol.ts';
import { StreamReports } from './stream-reports.ts';
import type { StreamSessionDeps } from './stream-session-deps.ts';
import {
  CLEAN_CLOSE,
  nextStreamState,
  type StreamEnd,
  type StreamEndReason,
  type StreamState,
} from './stream-state.ts';
import { emptyStreamStats, type StreamStats } from './stream-stats.ts';
import { StreamStatus } from './stream-status.ts';

export type { StreamSessionDeps } from './stream-session-deps.ts';
export type { StreamEnd, StreamEndReason, StreamState } from './stream-state.ts';

/**
 * One `<Stream>` (or REST-started stream) on a call: connects, reconnects per `maxRetries`
 * with a fresh `start` and streamId each time, stops on `streamTimeout`, on the app's
 * `stop`, on stop() or when the call ends, and reports to `statusCallbackUrl`. Every attempt
 * first checks the URL's addresses against the outbound-address policy (stream-egress.ts).
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
  private readonly reports: StreamReports;
  private readonly egress: StreamEgress;
  private readonly onAbort = () => this.stop('call-ended');

  constructor(config: StreamConfig, deps: StreamSessionDeps) {
    const { url, format } = checkStreamConfig(config);
    this.format = format;
    this.url = url;
    this.config = config;
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.wallClock = deps.wallClock ?? Date.now;
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...deps.limits };
    this.egress = deps.egress ?? defaultStreamEgress();
    this.id = deps.streamId ?? randomUUID();
    this.currentId = this.id;
    this.log = (deps.log ?? silentLogger).child({ streamId: this.id });
    this.retriesLeft = Math.max(0, Math.min(10, config.maxRetries ?? 0));
    this.startedAt = this.wallClock();
    const status = new StreamStatus({
      url: config.statusCallbackUrl,
      method: config.statusCallbackMethod,
      callUuid: deps.callUuid,
      accountId: deps.accountId,
      notify: deps.notify,
      wallClock: this.wallClock,
      log: this.log,
    });
    this.reports = new StreamReports(status, this.log, this.clock, this.statsValue);
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
    await this.reports.settled();
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
    return streamInfoRecord({
      id: this.id,
      callUuid: this.deps.callUuid,
      config: this.config,
      format: this.format,
      status: this.endValue ? this.endValue.status : 'in-progress',
      startedAt: this.startedAt,
      endedAt: this.endedAt,
    });
  }

  private transition(to: StreamState): void {
    this.stateValue = nextStreamState(this.id, this.stateValue, to);
  }

  private connect(): void {
    this.transition('connecting');
    this.conn = undefined;
    // 2.14 [V-repo]: each reconnection announces itself with a fresh streamId.
    if (this.attempt++ > 0) this.currentId = randomUUID();
    const attempt = this.attempt;
    // Every attempt checks the URL's addresses again (DNS may have moved) before any socket exists.
    void checkStreamTarget(this.url, this.egress).then((verdict) => {
      if (attempt === this.attempt && this.stateValue === 'connecting') this.onChecked(verdict);
    });
  }

  private onChecked(verdict: EgressVerdict): void {
    const streamId = this.currentId;
    if (verdict.ok) {
      try {
        this.open(streamId, verdict.lookup);
      } catch (err) {
        this.failed(streamId, false, { error: (err as Error).message });
      }
    } else if (verdict.code === 'DNS') {
      this.failed(streamId, false, { code: verdict.code, error: verdict.message });
    } else {
      // The outbound-address policy refused every address: like a connection that failed
      // (DroppedStream, StopStream, status failed), but never retried: it would be refused again.
      this.statsValue.failures++;
      this.reports.refused(streamId, this.url, verdict.message);
      this.finish('failed');
    }
  }

  /** Opens the WebSocket to the checked addresses only (`lookup` is pinned to them). */
  private open(streamId: string, lookup: LookupFunction): void {
    const c = this.config;
    const conn = new StreamConnection({
      url: this.url,
      lookup,
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
        played: (name) => this.reports.played(streamId, name),
        cleared: () => this.reports.cleared(streamId),
        garbage: (kind, detail) => this.reports.garbage(streamId, kind, detail),
        degraded: (on) => this.reports.degraded(streamId, on),
      },
    });
    this.conn = conn;
  }

  private onOpen(conn: StreamConnection): void {
    if (this.conn !== conn || this.stateValue !== 'connecting') return;
    this.transition('streaming');
    this.everStreamed = true;
    this.log.info({ url: this.url, attempt: this.attempt }, 'stream connected');
    this.reports.started(conn.streamId, this.config.serviceUrl);
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
    this.failed(conn.streamId, info.opened, { code: info.code, error: info.error });
  }

  /** A connection that did not open, or dropped: DroppedStream, then a retry while maxRetries last. */
  private failed(streamId: string, opened: boolean, detail: Record<string, unknown>): void {
    this.statsValue.failures++;
    this.log.warn({ ...detail, opened }, 'stream connection failed');
    this.reports.dropped(streamId, opened);
    if (this.retriesLeft <= 0) {
      this.finish(this.everStreamed ? 'dropped' : 'failed');
      return;
    }
    this.retriesLeft--;
    this.transition('retrying');
    this.retryTimer = this.clock.setTimer(retryDelay(this.limits, this.attempt), () => {
      this.retryTimer = undefined;
      if (this.stateValue === 'retrying') this.connect();
    });
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
    this.reports.stopped(this.currentId);
    this.resolveDone(this.endValue);
  }
}
