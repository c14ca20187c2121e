/**
 * A MediaEndpoint for stream tests that plays through the engine's real Player: each tick()
 * reads one 20 ms frame the way LocalEndpoint does on the media clock, keeps what was
 * "sent" and hands it to the `out` taps. `in` audio and keys are fed by the test.
 */
import type { DtmfDigit, DtmfEvent } from '../../../../src/media/dtmf/types.ts';
import type {
  AudioDirection,
  AudioListener,
  MediaEndpoint,
  PlayItem,
} from '../../../../src/media/media-engine.ts';
import { ClipSource } from '../../../../src/media/play/audio-source.ts';
import { type Playback, Player, type PlayOptions } from '../../../../src/media/play/player.ts';

export class PlayerEndpoint implements MediaEndpoint {
  readonly id = 'player-ep';
  readonly player = new Player();
  /** Every sample sent to the "caller", tick after tick. */
  readonly sent: number[] = [];
  /** Per tick: whether its frame started a new playback (LocalEndpoint's RTP marker bit). */
  readonly markers: boolean[] = [];
  plays = 0;
  receiving = true;
  closed = false;
  readonly whenClosed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly frame = new Int16Array(160);
  private readonly flags = { started: false };
  private readonly dtmf = new Set<(e: DtmfEvent) => void>();
  private readonly audio: Record<AudioDirection, Set<AudioListener>> = { in: new Set(), out: new Set() };

  constructor() {
    this.whenClosed = new Promise((r) => {
      this.resolveClosed = r;
    });
  }

  capabilities(): never {
    throw new Error('no SDP');
  }
  configure(): void {}
  stats(): never {
    throw new Error('no RTP');
  }

  play(items: PlayItem[], opts?: PlayOptions): Playback {
    this.plays++;
    return this.player.play(
      items.map((i) => {
        if (i.kind === 'pcm') return Promise.resolve(new ClipSource(i.samples));
        if (i.kind === 'source') return Promise.resolve(i.source);
        throw new Error(`PlayerEndpoint plays pcm and sources only, got ${i.kind}`);
      }),
      opts,
    );
  }

  stopPlayback(): void {
    this.player.stopAll();
  }

  async sendDtmf(): Promise<void> {}

  onDtmf(listener: (e: DtmfEvent) => void): () => void {
    this.dtmf.add(listener);
    return () => this.dtmf.delete(listener);
  }

  onAudio(direction: AudioDirection, listener: AudioListener): () => void {
    this.audio[direction].add(listener);
    return () => this.audio[direction].delete(listener);
  }

  get listeners(): number {
    return this.audio.in.size + this.audio.out.size + this.dtmf.size;
  }

  /** One media-clock period: the player's frame (or silence) goes to the caller. */
  tick(): Int16Array {
    if (this.player.read(this.frame, this.flags) === 0) this.frame.fill(0);
    this.markers.push(this.flags.started);
    for (const s of this.frame) this.sent.push(s);
    for (const l of this.audio.out) l(this.frame, 0);
    return this.frame;
  }

  /** The caller's audio arrives. */
  hear(samples: Int16Array): void {
    for (const l of this.audio.in) l(samples, 0);
  }

  /** Audio we send reaches the `out` taps (a bridge relaying the other leg). */
  speak(samples: Int16Array): void {
    for (const l of this.audio.out) l(samples, 0);
  }

  press(digit: DtmfDigit, durationMs = 120): void {
    for (const l of this.dtmf) l({ digit, source: 'rfc4733', atMs: 0, durationMs });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.player.stopAll();
    this.resolveClosed();
  }
}

/** Lets pending promise callbacks (clip loads, playback ends) run. */
export async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}
