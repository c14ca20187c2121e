import type { MediaCapabilities, NegotiatedMedia } from '../../sip/sdp/negotiated-media.ts';
import { type G711Codec, PCMA, PCMU } from '../codec/g711.ts';
import { InbandDtmfDetector } from '../dtmf/goertzel.ts';
import { Rfc4733Receiver } from '../dtmf/rfc4733-receiver.ts';
import type { DtmfEvent } from '../dtmf/types.ts';
import type { MediaClock, MediaTicker } from '../media-clock.ts';
import type {
  AudioDirection,
  AudioListener,
  EndpointOptions,
  MediaEndpoint,
  PlayItem,
} from '../media-engine.ts';
import type { Playback, PlayOptions } from '../play/player.ts';
import { Player } from '../play/player.ts';
import { RTP_HEADER_BYTES, type RtpHeader, random32 } from '../rtp/packet.ts';
import type { RtpSession, RtpSessionCounters } from '../rtp/rtp-session.ts';
import type { RtpLegStats } from '../rtp/rtp-stats.ts';
import { DtmfSender } from './dtmf-sender.ts';
import type { MediaLoader } from './media-loader.ts';

const FRAME = 160;
const CODECS: Record<number, G711Codec> = { 0: PCMU, 8: PCMA };
/** The telephone-event payload type we advertise (and so receive on). */
const OUR_TE_PT = 101;
const COMFORT_NOISE_PT = 13;
/** The decode buffer before the first packet: decode() makes one of the packet's size. */
const NO_SAMPLES = new Int16Array(0);

/** Audio from the peer, as the bridge and the mixer see it. */
export type PacketListener = (h: RtpHeader, packet: Buffer, arrivalMs: number) => void;

export interface LocalEndpointDeps {
  id: string;
  session: RtpSession;
  clock: MediaClock;
  loader: MediaLoader;
  address: string;
  options: EndpointOptions;
  onClosed: (ep: LocalEndpoint) => void;
}

/**
 * One leg's media in this process. Outgoing audio is clock driven: on every 20 ms tick the
 * endpoint sends, in order of precedence, a DTMF event packet, the player's frame, the feed
 * (a conference mix), or silence. A bridge bypasses the clock: it relays each packet of the
 * other leg as it arrives, and the endpoint stays quiet meanwhile.
 */
export class LocalEndpoint implements MediaEndpoint, MediaTicker {
  readonly id: string;
  readonly player = new Player();

  private readonly session: RtpSession;
  private readonly clock: MediaClock;
  private readonly loader: MediaLoader;
  private readonly address: string;
  private readonly idleSilence: boolean;
  private inband: boolean;
  private readonly inbandForced: boolean;
  private readonly onClosed: (ep: LocalEndpoint) => void;
  private codec: G711Codec = PCMU;
  private payloadType = 0;
  private tePt: number | undefined;
  private sendEnabled = false;
  private recvEnabled = true;
  private readonly tsBase = random32();
  private readonly tick0: number;
  private lastTickMs = 0;
  /** The period of this endpoint's last tick (its lane may run after others of the period). */
  private lastTick: number;
  private gap = true;
  private relaySsrc: number | undefined;
  private relayOffset = 0;
  /** Added to the clock's timestamps once relayed audio ran ahead of them (see catchUp). */
  private tsShift = 0;
  /** The timestamp just past the last audio sent. */
  private tsEnd: number | undefined;
  /** The frame the clock sends, made on first use (a bridged leg never sends one). */
  private frame: Int16Array | undefined;
  private readonly playFlags = { started: false };
  private decoded = NO_SAMPLES;
  private readonly inListeners = new Set<AudioListener>();
  private readonly outListeners = new Set<AudioListener>();
  private readonly dtmfListeners = new Set<(e: DtmfEvent) => void>();
  private readonly packetListeners = new Set<PacketListener>();
  /** Made on the first RFC 4733 packet from the peer. */
  private rfc4733: Rfc4733Receiver | undefined;
  /** Made on the first audio to listen to: most bridged legs never need it. */
  private detector: InbandDtmfDetector | undefined;
  private readonly onDigit = (e: DtmfEvent): void => this.emitDtmf(e);
  /** Made on the first sendDtmf (most legs never send a digit). */
  private dtmfOut: DtmfSender | undefined;
  private isClosed = false;
  private feedFn: (() => Int16Array | null) | undefined;
  private relaying = false;
  /** On the clock's idle phase (see `refreshPhase`), not its per-period send lanes. */
  private parked = false;
  private removeTicker: () => void;
  private resolveClosed!: () => void;
  readonly whenClosed: Promise<void> = new Promise((r) => {
    this.resolveClosed = r;
  });

  constructor(deps: LocalEndpointDeps) {
    this.id = deps.id;
    this.session = deps.session;
    this.clock = deps.clock;
    this.loader = deps.loader;
    this.address = deps.address;
    this.onClosed = deps.onClosed;
    this.idleSilence = deps.options.idleSilence ?? true;
    this.inbandForced = deps.options.inbandDtmf !== undefined;
    this.inband = deps.options.inbandDtmf ?? true;
    this.session.onRtp = (h, packet, at) => this.receive(h, packet, at);
    this.tick0 = this.clock.currentTick + 1;
    this.lastTick = this.tick0 - 1;
    this.removeTicker = this.clock.add(this, 'send');
  }

  get port(): number {
    return this.session.port;
  }

  /** Set by a conference: the frame this leg hears on each tick, or null for silence. */
  get feed(): (() => Int16Array | null) | undefined {
    return this.feedFn;
  }

  set feed(fn: (() => Int16Array | null) | undefined) {
    this.feedFn = fn;
    this.refreshPhase();
  }

  /** Set by a bridge: packets relayed in from the other leg suppress idle silence. */
  get relayActive(): boolean {
    return this.relaying;
  }

  set relayActive(on: boolean) {
    this.relaying = on;
    this.refreshPhase();
  }

  /**
   * A bridged leg with nothing of its own to send (no prompt, DTMF or conference feed) sends
   * only what the other leg's packets bring, as they arrive: it waits on the clock's idle
   * phase, which still runs its RTCP and DTMF timeouts every few periods, instead of being
   * visited every 20 ms for nothing. What gives it something to send brings it back first.
   */
  private refreshPhase(): void {
    if (this.isClosed) return;
    const park = this.relaying && this.feedFn === undefined && !this.localAudioActive;
    if (park === this.parked) return;
    this.removeTicker();
    this.parked = park;
    this.removeTicker = this.clock.add(this, park ? 'idle' : 'send');
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get sendCodec(): G711Codec {
    return this.codec;
  }

  get telephoneEventPt(): number | undefined {
    return this.tePt;
  }

  capabilities(): MediaCapabilities {
    return { address: this.address, port: this.session.port, codecs: ['PCMU', 'PCMA'], telephoneEvent: true };
  }

  configure(media: NegotiatedMedia): void {
    this.codec = media.codec === 'PCMA' ? PCMA : PCMU;
    this.payloadType = media.payloadType;
    this.tePt = media.telephoneEventPt;
    this.sendEnabled = media.direction === 'sendrecv' || media.direction === 'sendonly';
    this.recvEnabled = media.direction === 'sendrecv' || media.direction === 'recvonly';
    this.session.setRemote(media.remote);
    this.gap = true;
  }

  /** Whether the peer is expected to send RTP (not on hold with sendonly/inactive from us). */
  get receiving(): boolean {
    return this.recvEnabled;
  }

  play(items: PlayItem[], opts?: PlayOptions): Playback {
    const playback = this.player.play(
      items.map((item) => this.loader.load(item)),
      opts,
    );
    this.refreshPhase();
    return playback;
  }

  stopPlayback(): void {
    this.player.stopAll();
  }

  sendDtmf(digits: string, opts: { durationMs?: number } = {}): Promise<void> {
    if (this.tePt === undefined) {
      // No telephone-event negotiated: the peer can only hear tones (RFC 4733 is optional).
      const p = this.player.play([...digits].map((d) => this.loader.dtmfTone(d, opts.durationMs)));
      this.refreshPhase();
      return p.done.then(() => undefined);
    }
    this.dtmfOut ??= new DtmfSender();
    const sent = this.dtmfOut.enqueue(digits, opts.durationMs);
    this.refreshPhase();
    return sent;
  }

  onDtmf(listener: (e: DtmfEvent) => void): () => void {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  onAudio(direction: AudioDirection, listener: AudioListener): () => void {
    const set = direction === 'in' ? this.inListeners : this.outListeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Raw packets from the peer, before decoding (for a bridge). */
  onPacket(listener: PacketListener): () => void {
    this.packetListeners.add(listener);
    return () => this.packetListeners.delete(listener);
  }

  stats(): RtpLegStats {
    return this.session.stats();
  }

  /** Datagrams the RTP session dropped (invalid, or from an address other than the peer's) and RTCP counts. */
  get rtpCounters(): Readonly<RtpSessionCounters> {
    return this.session.counters;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.removeTicker();
    this.player.stopAll();
    this.dtmfOut?.clear();
    this.rfc4733?.poll(Number.POSITIVE_INFINITY);
    this.onClosed(this);
    this.resolveClosed();
    await this.session.close();
  }

  /** Whether something local (a prompt, DTMF) owns the outgoing stream, so relayed audio must wait. */
  get localAudioActive(): boolean {
    return this.player.busy || this.dtmfOut?.busy === true;
  }

  /** Sends this period's packet, if any (MediaTicker); tells the clock when one went out. */
  onTick(tick: number, nowMs: number): void {
    this.lastTickMs = nowMs;
    this.lastTick = tick;
    this.session.poll(nowMs);
    this.rfc4733?.poll(nowMs);
    if (!this.sendEnabled || !this.session.remote) return;
    const ts = this.tsBase + (tick - this.tick0) * FRAME + this.tsShift;
    const dtmf = this.dtmfOut;
    const ev = dtmf?.busy ? dtmf.next(this.catchUp(ts)) : null;
    if (ev) {
      // RFC 4733 2.5.1.1: all packets of an event carry its start timestamp.
      const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + ev.payload.length);
      packet.set(ev.payload, RTP_HEADER_BYTES);
      this.session.send(packet, this.tePt ?? OUR_TE_PT, ev.marker, ev.timestamp);
      this.tsEnd = (this.tsBase + (tick - this.tick0 + 1) * FRAME + this.tsShift) >>> 0;
      this.gap = true;
      this.clock.sentMedia();
      return;
    }
    this.frame ??= new Int16Array(FRAME);
    const frame = this.frame;
    let marker = false;
    if (this.player.read(frame, this.playFlags) > 0) {
      marker = this.playFlags.started;
    } else if (this.feedFn) {
      const mix = this.feedFn();
      if (mix) frame.set(mix);
      else frame.fill(0);
    } else if (this.relaying) {
      // relay() sends the other leg's packets as they arrive, on the other peer's timing;
      // with nothing of its own left to send (a prompt ended), the leg waits idle.
      if (!this.parked) this.refreshPhase();
      return;
    } else if (this.idleSilence) {
      frame.fill(0);
    } else {
      this.gap = true;
      return;
    }
    if (this.relaySsrc !== undefined) {
      // Relayed audio went out last: our own frames start a new talkspurt on our timeline.
      this.relaySsrc = undefined;
      marker = true;
    }
    this.sendPcm(frame, this.catchUp(ts), marker || this.gap, nowMs);
    this.clock.sentMedia();
  }

  /**
   * RTP timestamps never go back (RFC 3550 5.1). Relayed audio is stamped from its arrival
   * and so runs up to a frame ahead of the clock's timestamps; when our own audio takes
   * over again, our timeline moves forward past it, for good.
   */
  private catchUp(ts: number): number {
    if (this.tsEnd === undefined) return ts >>> 0;
    const behind = (this.tsEnd - ts) | 0;
    if (behind <= 0) return ts >>> 0;
    this.tsShift += behind;
    return (ts + behind) >>> 0;
  }

  /** Encodes and sends one frame of audio now (clock driven, or transcoded from a bridge). */
  sendPcm(pcm: Int16Array, timestamp: number, marker: boolean, nowMs: number): void {
    const packet = Buffer.allocUnsafe(RTP_HEADER_BYTES + pcm.length);
    this.codec.encode(pcm, packet.subarray(RTP_HEADER_BYTES));
    this.session.send(packet, this.payloadType, marker, timestamp);
    this.tsEnd = (timestamp + pcm.length) >>> 0;
    this.gap = false;
    if (this.outListeners.size > 0) for (const l of this.outListeners) l(pcm, nowMs);
  }

  /**
   * Relays a packet of the other leg (same codec): only the header changes. A new source or
   * a pause in relaying re-bases the timestamps on ours, so the peer sees one continuous stream.
   */
  relay(h: RtpHeader, packet: Buffer, arrivalMs: number, transcodeFrom?: G711Codec): void {
    if (!this.sendEnabled || this.localAudioActive || this.isClosed) {
      this.relaySsrc = undefined;
      return;
    }
    let marker = h.marker;
    if (this.relaySsrc !== h.ssrc || this.gap) {
      // On the media clock's time base, like lastTickMs (arrivalMs is the session's wall clock).
      const elapsed = Math.max(0, Math.round((this.clock.now() - this.lastTickMs) * 8));
      let tsNow = this.tsBase + (this.lastTick - this.tick0 + 1) * FRAME + this.tsShift + elapsed;
      if (this.tsEnd !== undefined && ((this.tsEnd - tsNow) | 0) > 0) tsNow = this.tsEnd;
      this.relayOffset = (tsNow - h.timestamp) | 0;
      this.relaySsrc = h.ssrc;
      marker = true;
    }
    const ts = (h.timestamp + this.relayOffset) >>> 0;
    const payload = packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    if (transcodeFrom) {
      const pcm = this.decode(transcodeFrom, payload);
      this.sendPcm(pcm, ts, marker, arrivalMs);
      return;
    }
    // Same codec: reuse the datagram when the header is the plain 12 bytes.
    const out =
      h.payloadOffset === RTP_HEADER_BYTES && h.payloadLength + RTP_HEADER_BYTES === packet.length
        ? packet
        : Buffer.concat([packet.subarray(0, RTP_HEADER_BYTES), payload]);
    if (this.outListeners.size > 0) {
      const pcm = this.decode(this.codec, payload);
      for (const l of this.outListeners) l(pcm, arrivalMs);
    }
    this.session.send(out, this.payloadType, marker, ts);
    this.tsEnd = (ts + h.payloadLength) >>> 0;
    this.gap = false;
  }

  /** Relays an RFC 4733 packet of the other leg with our telephone-event payload type. */
  relayEvent(h: RtpHeader, packet: Buffer): void {
    if (this.tePt === undefined || !this.sendEnabled || this.isClosed || this.relaySsrc === undefined) return;
    const payload = Buffer.from(packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
    const out = Buffer.allocUnsafe(RTP_HEADER_BYTES + payload.length);
    payload.copy(out, RTP_HEADER_BYTES);
    this.session.send(out, this.tePt, h.marker, (h.timestamp + this.relayOffset) >>> 0);
  }

  private receive(h: RtpHeader, packet: Buffer, arrivalMs: number): void {
    const pt = h.payloadType;
    const codec = CODECS[pt];
    if (codec) {
      const needPcm = this.inListeners.size > 0 || this.inband;
      if (needPcm) {
        const pcm = this.decode(codec, packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength));
        for (const l of this.inListeners) l(pcm, arrivalMs);
        if (this.inband) {
          this.detector ??= new InbandDtmfDetector({ onDigit: this.onDigit });
          this.detector.process(pcm);
        }
      }
    } else if (pt === OUR_TE_PT || pt === this.tePt) {
      this.rfc4733 ??= new Rfc4733Receiver({ onDigit: this.onDigit });
      this.rfc4733.push(
        h.timestamp,
        h.marker,
        packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength),
        h.sequence,
      );
      // The peer speaks RFC 4733: stop listening for tones too, or a digit would count twice.
      if (!this.inbandForced) this.inband = false;
    } else if (pt !== COMFORT_NOISE_PT) {
      return;
    }
    for (const l of this.packetListeners) l(h, packet, arrivalMs);
  }

  private decode(codec: G711Codec, payload: Uint8Array): Int16Array {
    if (this.decoded.length !== payload.length) this.decoded = new Int16Array(payload.length);
    codec.decode(payload, this.decoded);
    return this.decoded;
  }

  private emitDtmf(e: DtmfEvent): void {
    for (const l of this.dtmfListeners) l(e);
  }
}
