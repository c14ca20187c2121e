import type { LookupFunction } from 'node:net';
import WebSocket, { type RawData } from 'ws';
import type { StreamTrack } from '../../../schemas/stream/index.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import type { MediaEndpoint } from '../media-engine.ts';
import { AppPlayout } from './app-playout.ts';
import type { FrameTicker } from './frame-ticker.ts';
import type { StreamLimits } from './stream-config.ts';
import { FrameEncoder, type StreamFormat } from './stream-format.ts';
import {
  type AppMessageProblem,
  MediaMessageWriter,
  parseAppMessage,
  startMessage,
} from './stream-protocol.ts';
import type { StreamStats } from './stream-stats.ts';
import { TrackTap } from './track-tap.ts';

export type GarbageKind = keyof StreamStats['garbage'];

/** What a connection tells its session. */
export interface ConnectionEvents {
  open(): void;
  /** Once. `opened`: whether it got as far as `start`; `code`: the WebSocket close code (1006: abnormal). */
  closed(info: { opened: boolean; code: number; error: string | undefined }): void;
  /** The application sent `stop`. */
  stop(): void;
  played(name: string): void;
  cleared(): void;
  garbage(kind: GarbageKind, detail: string): void;
  /** Media frames started (true) or stopped (false) being dropped for back-pressure. */
  degraded(on: boolean): void;
}

export interface ConnectionOptions {
  url: string;
  /** Resolves the URL's host to the addresses the outbound-address policy checked (and only those). */
  lookup?: LookupFunction;
  headers: Record<string, string>;
  streamId: string;
  callId: string;
  accountId: string;
  format: StreamFormat;
  tracks: StreamTrack[];
  bidirectional: boolean;
  /** The `extra_headers` field of every message. */
  extraHeaders: string;
  endpoint: MediaEndpoint;
  clock: Clock;
  wallClock: () => number;
  ticker: FrameTicker;
  limits: StreamLimits;
  log: Logger;
  stats: StreamStats;
  events: ConnectionEvents;
}

/**
 * One WebSocket connection of a stream (spec/vobizxml.md 3): opens it with the extra
 * headers, sends `start`, then the endpoint's audio as `media` frames at the pace it
 * arrives and `dtmf` for keys; on a bidirectional stream it plays what the application
 * queues. Nothing the peer sends can throw out of a socket handler: garbage is counted and
 * reported. A reconnection is a new StreamConnection with a new streamId.
 */
export class StreamConnection {
  private readonly ws: WebSocket;
  private readonly o: ConnectionOptions;
  private seq = 0;
  private opened = false;
  private finished = false;
  private degraded = false;
  private readonly chunks: Record<StreamTrack, number> = { inbound: 0, outbound: 0 };
  private readonly encoders = new Map<StreamTrack, FrameEncoder>();
  private readonly taps: TrackTap[] = [];
  private readonly detach: Array<() => void> = [];
  private playout: AppPlayout | undefined;
  private startedMs = 0;
  private lastError: string | undefined;
  private readonly mediaWriter: MediaMessageWriter;

  constructor(opts: ConnectionOptions) {
    this.o = opts;
    this.mediaWriter = new MediaMessageWriter(opts.streamId, opts.extraHeaders);
    this.ws = new WebSocket(opts.url, {
      ...(opts.lookup ? { lookup: opts.lookup } : {}),
      headers: opts.headers,
      maxPayload: opts.limits.maxPayloadBytes,
      handshakeTimeout: opts.limits.connectTimeoutMs,
      perMessageDeflate: false,
    });
    this.ws.on('open', () => this.guard(() => this.onOpen()));
    this.ws.on('message', (data, isBinary) => this.guard(() => this.onMessage(data, isBinary)));
    this.ws.on('error', (err: Error & { code?: string }) => {
      this.lastError = err.code ? `${err.code}: ${err.message}` : err.message;
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.garbage('oversized', err.message);
    });
    this.ws.on('close', (code) => this.guard(() => this.onClose(code)));
  }

  get streamId(): string {
    return this.o.streamId;
  }

  /** Bytes waiting in the socket's send buffer. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** Ends it from our side (stop, timeout, call end): a clean close when open, else the attempt is dropped. */
  close(code = 1000, reason = 'stream stopped'): void {
    this.teardown();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.log.error({ err, streamId: this.o.streamId }, 'stream handler failed');
    }
  }

  private onOpen(): void {
    if (this.finished) return;
    const o = this.o;
    this.opened = true;
    o.stats.connects++;
    this.sendJson(
      startMessage({
        callId: o.callId,
        streamId: o.streamId,
        accountId: o.accountId,
        tracks: o.tracks,
        format: o.format,
        extraHeaders: o.extraHeaders,
      }),
    );
    this.startedMs = o.clock.now();
    const sink = (track: StreamTrack, frame: Int16Array) => this.sendMedia(track, frame);
    for (const track of o.tracks) {
      const tap = new TrackTap(track, sink);
      this.taps.push(tap);
      this.encoders.set(track, new FrameEncoder(o.format));
      const direction = track === 'inbound' ? 'in' : 'out';
      this.detach.push(o.endpoint.onAudio(direction, (samples) => tap.push(samples)));
    }
    this.detach.push(o.ticker.add((now) => this.onTick(now)));
    this.detach.push(o.endpoint.onDtmf((e) => this.sendDtmf(e.digit, e.durationMs)));
    if (o.bidirectional) {
      this.playout = new AppPlayout({
        endpoint: o.endpoint,
        format: o.format,
        limits: o.limits,
        stats: o.stats,
        badAudio: (detail) => this.garbage('bad-audio', detail),
        played: (name) => this.onPlayed(name),
      });
    }
    o.events.open();
  }

  private onTick(now: number): void {
    const elapsed = now - this.startedMs;
    for (const tap of this.taps) {
      const before = tap.filled;
      tap.fill(elapsed);
      this.o.stats.mediaFilled += tap.filled - before;
    }
  }

  private sendMedia(track: StreamTrack, frame: Int16Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const chunk = ++this.chunks[track];
    const stats = this.o.stats;
    const buffered = this.ws.bufferedAmount;
    if (buffered > stats.maxBufferedBytes) stats.maxBufferedBytes = buffered;
    if (buffered > this.o.limits.maxBufferedBytes) {
      // Back-pressure: the reader is slow. Drop (the chunk number still counts, so the
      // application sees the hole) rather than buffer without bound.
      stats.mediaDropped++;
      if (!this.degraded) {
        this.degraded = true;
        this.o.events.degraded(true);
      }
      return;
    }
    if (this.degraded && buffered < this.o.limits.maxBufferedBytes / 2) {
      this.degraded = false;
      this.o.events.degraded(false);
    }
    const payload = (this.encoders.get(track) as FrameEncoder).encode(frame);
    stats.mediaSent++;
    this.sendFrame(this.mediaWriter.write(this.seq++, track, this.o.wallClock(), chunk, payload));
  }

  private sendDtmf(digit: string, durationMs: number): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.o.stats.dtmfSent++;
    this.sendJson({
      event: 'dtmf',
      sequenceNumber: this.seq,
      streamId: this.o.streamId,
      dtmf: {
        digit,
        track: 'inbound',
        timestamp: String(this.o.wallClock()),
        duration: Math.max(0, Math.round(durationMs)),
      },
      extra_headers: this.o.extraHeaders,
    });
  }

  private onPlayed(name: string): void {
    this.o.stats.playedStream++;
    this.sendJson({ event: 'playedStream', sequenceNumber: this.seq, streamId: this.o.streamId, name });
    this.o.events.played(name);
  }

  /** `sequenceNumber` counts every message sent on this connection, `start` being 0. */
  private sendJson(msg: object): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.seq++;
    this.sendFrame(Buffer.from(JSON.stringify(msg)));
  }

  /**
   * A text frame handed to ws as UTF-8 bytes: ws then masks the payload into the frame's own
   * buffer and the socket gets one write, where a string costs a corked pair of writes.
   */
  private sendFrame(utf8: Buffer): void {
    this.ws.send(utf8, { binary: false });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.finished) return;
    if (isBinary) {
      this.garbage('binary', 'binary frame');
      return;
    }
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    // The usual frame, playAudio, straight from its bytes; anything else (or anything wrong
    // with it) the full way.
    if (this.playout?.playFrame(bytes)) return;
    const parsed = parseAppMessage(bytes.toString('utf8'));
    if (!parsed.ok) {
      this.garbage(parsed.problem satisfies AppMessageProblem, parsed.detail);
      return;
    }
    const msg = parsed.message;
    if (msg.event === 'stop') {
      this.o.events.stop();
      return;
    }
    const playout = this.playout;
    if (!playout) {
      // 3.3: playAudio, checkpoint and clearAudio need bidirectional="true".
      this.garbage('not-bidirectional', `${msg.event} on a one-way stream`);
      return;
    }
    switch (msg.event) {
      case 'playAudio':
        playout.playAudio(msg.media);
        return;
      case 'checkpoint':
        playout.checkpoint(msg.name);
        return;
      case 'clearAudio':
        playout.clear();
        this.sendJson({ event: 'clearedAudio', sequenceNumber: this.seq, streamId: this.o.streamId });
        this.o.events.cleared();
        return;
    }
  }

  private garbage(kind: GarbageKind, detail: string): void {
    this.o.stats.garbage[kind]++;
    this.o.events.garbage(kind, detail);
  }

  private onClose(code: number): void {
    this.teardown();
    this.o.events.closed({ opened: this.opened, code, error: this.lastError });
  }

  /** Stops the audio both ways; idempotent. Queued playAudio is dropped (3.2: a disconnect suppresses checkpoints). */
  private teardown(): void {
    if (this.finished) return;
    this.finished = true;
    for (const d of this.detach.splice(0)) d();
    this.playout?.close();
  }
}
