import type { MediaCapabilities, NegotiatedMedia } from '../sip/sdp/negotiated-media.ts';
import type { DtmfEvent } from './dtmf/types.ts';
import type { AudioSource } from './play/audio-source.ts';
import type { Playback, PlayOptions } from './play/player.ts';
import type { RecordInput, Recording, RecordOptions } from './record/recorder.ts';
import type { RtpLegStats } from './rtp/rtp-stats.ts';

/**
 * The contract between the call layer and whatever moves the audio. The call layer gives
 * SDP results (address, port, payload types) and asks for prompts, recordings, DTMF and
 * bridges; it never sees a packet. `LocalMediaEngine` implements it in this process; an
 * external media server (rtpengine for relaying) can implement it later.
 */
export interface MediaEngine {
  /** Allocates an RTP port and returns an endpoint ready to describe itself in SDP. */
  createEndpoint(opts?: EndpointOptions): Promise<MediaEndpoint>;
  /** Connects two endpoints both ways; destroying the bridge leaves both endpoints open. */
  bridge(a: MediaEndpoint, b: MediaEndpoint): MediaBridge;
  /** A mixing room: every member hears everyone but itself. */
  createConference(): MediaConference;
  /** Records one or two audio directions into a WAV file. */
  record(opts: RecordOptions): Promise<Recording>;
  /** One direction of an endpoint as a recording input (with its DTMF, for finishOnKey). */
  input(endpoint: MediaEndpoint, direction: AudioDirection): RecordInput;
  stats(): MediaEngineStats;
  close(): Promise<void>;
}

export interface EndpointOptions {
  /** Address to bind and to write into SDP; the engine's default otherwise. */
  address?: string;
  /** Send silence while nothing plays, so NATs and carriers' RTP timeouts stay happy. Default true. */
  idleSilence?: boolean;
  /** Run the in-band DTMF detector on received audio. Default: until an RFC 4733 event arrives. */
  inbandDtmf?: boolean;
  /** A label for logs (a call UUID and leg). */
  label?: string;
}

/** What the peer sent or what we sent; taps on a bridged call see either without disturbing it. */
export type AudioDirection = 'in' | 'out';

export type AudioListener = (samples: Int16Array, atMs: number) => void;

/** Something to play, resolved to audio by the engine. */
export type PlayItem =
  | { kind: 'url'; url: string }
  | { kind: 'file'; path: string }
  | { kind: 'speak'; text: string; voice?: string; language?: string }
  | { kind: 'tone'; tone: 'beep' | 'ringback' | 'busy'; durationMs?: number }
  | { kind: 'silence'; durationMs: number }
  | { kind: 'pcm'; samples: Int16Array }
  /**
   * Audio produced while it plays (a Stream's playAudio queue): read frame by frame like any
   * source and ended when a read comes back short, so audio appended in time plays on
   * without a break — one talkspurt, one RTP marker bit.
   */
  | { kind: 'source'; source: AudioSource };

export interface MediaEndpoint {
  readonly id: string;
  /** For the SDP offer or answer: our address, port and codecs. */
  capabilities(): MediaCapabilities;
  /** Applies an offer/answer outcome: where to send, which payload types, hold. */
  configure(media: NegotiatedMedia): void;
  play(items: PlayItem[], opts?: PlayOptions): Playback;
  /** Stops what plays now and everything queued. */
  stopPlayback(): void;
  /** Sends digits as RFC 4733 events (in-band tones when the peer has no telephone-event). */
  sendDtmf(digits: string, opts?: { durationMs?: number }): Promise<void>;
  onDtmf(listener: (e: DtmfEvent) => void): () => void;
  onAudio(direction: AudioDirection, listener: AudioListener): () => void;
  stats(): RtpLegStats;
  /** Whether the negotiated direction has the peer send to us (false while we are held). */
  readonly receiving: boolean;
  readonly closed: boolean;
  /** Resolves once the endpoint is closed (recordings of it end with it). */
  readonly whenClosed: Promise<void>;
  close(): Promise<void>;
}

export interface MediaBridge {
  readonly a: MediaEndpoint;
  readonly b: MediaEndpoint;
  /** True when both sides use the same codec and packets are relayed without decoding. */
  readonly relaying: boolean;
  destroy(): void;
}

export interface ConferenceMember {
  readonly endpoint: MediaEndpoint;
  muted: boolean;
  deaf: boolean;
  remove(): void;
}

export interface MediaConference {
  join(endpoint: MediaEndpoint, opts?: { muted?: boolean; deaf?: boolean }): ConferenceMember;
  /** Plays to every member (an entry beep, hold music). */
  play(items: PlayItem[], opts?: PlayOptions): Playback;
  readonly size: number;
  /** Taps the mix of everyone, for recording the conference. */
  onAudio(listener: AudioListener): () => void;
  destroy(): void;
}

export interface MediaEngineStats {
  endpoints: number;
  portsInUse: number;
  /** Port pairs of ended legs kept bound for reuse. */
  portsIdle?: number;
  portCapacity: number;
  bridges: number;
  conferences: number;
  recordings: number;
  /**
   * The media clock: periods run and skipped, worst lateness; `senders` are visited every
   * period, `idle` every few (bridged legs with nothing of their own to send).
   */
  clock: { ticks: number; skipped: number; maxLateMs: number; senders: number; idle: number };
}
