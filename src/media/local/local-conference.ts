import { PcmFifo } from '../audio/pcm-fifo.ts';
import type { MediaClock, MediaTicker } from '../media-clock.ts';
import type { AudioListener, ConferenceMember, MediaConference, PlayItem } from '../media-engine.ts';
import type { Playback, PlayOptions } from '../play/player.ts';
import { Player } from '../play/player.ts';
import type { LocalEndpoint } from './local-endpoint.ts';
import type { MediaLoader } from './media-loader.ts';

const FRAME = 160;

class Member implements ConferenceMember {
  muted: boolean;
  deaf: boolean;
  /** 40 ms of slack absorbs packets that arrive a little before or after the tick. */
  readonly fifo = new PcmFifo(FRAME * 4);
  readonly input = new Int16Array(FRAME);
  readonly output = new Int16Array(FRAME);
  contributed = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly endpoint: LocalEndpoint,
    opts: { muted?: boolean; deaf?: boolean },
    private readonly onRemove: (m: Member) => void,
  ) {
    this.muted = opts.muted ?? false;
    this.deaf = opts.deaf ?? false;
    this.unsubscribe = endpoint.onAudio('in', (pcm) => this.fifo.write(pcm));
    endpoint.feed = () => (this.deaf ? null : this.output);
  }

  remove(): void {
    this.unsubscribe();
    if (this.endpoint.feed) this.endpoint.feed = undefined;
    this.onRemove(this);
  }
}

/**
 * N-party mixing in linear PCM on the media clock ('mix' phase, before endpoints send).
 * Each tick sums every unmuted member's last 20 ms and the room's own player, then gives
 * each member the sum minus its own voice, saturated to 16 bits.
 */
export class LocalConference implements MediaConference, MediaTicker {
  private readonly members = new Set<Member>();
  private readonly player = new Player();
  private readonly playFrame = new Int16Array(FRAME);
  private readonly playFlags = { started: false };
  private readonly sum = new Int32Array(FRAME);
  private readonly mix = new Int16Array(FRAME);
  private readonly listeners = new Set<AudioListener>();
  private readonly removeTicker: () => void;
  private destroyed = false;

  constructor(
    clock: MediaClock,
    private readonly loader: MediaLoader,
    private readonly onDestroyed: (c: LocalConference) => void,
  ) {
    this.removeTicker = clock.add(this, 'mix');
  }

  get size(): number {
    return this.members.size;
  }

  join(endpoint: LocalEndpoint, opts: { muted?: boolean; deaf?: boolean } = {}): ConferenceMember {
    // One membership per endpoint: a second one would add its voice twice (and it would hear itself).
    for (const m of this.members) {
      if (m.endpoint !== endpoint) continue;
      if (opts.muted !== undefined) m.muted = opts.muted;
      if (opts.deaf !== undefined) m.deaf = opts.deaf;
      return m;
    }
    const m = new Member(endpoint, opts, (x) => this.members.delete(x));
    this.members.add(m);
    return m;
  }

  play(items: PlayItem[], opts?: PlayOptions): Playback {
    return this.player.play(
      items.map((i) => this.loader.load(i)),
      opts,
    );
  }

  onAudio(listener: AudioListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.removeTicker();
    this.player.stopAll();
    for (const m of [...this.members]) m.remove();
    this.onDestroyed(this);
  }

  onTick(_tick: number, nowMs: number): void {
    const sum = this.sum;
    sum.fill(0);
    for (const m of this.members) {
      if (m.endpoint.closed) {
        m.remove();
        continue;
      }
      m.contributed = m.fifo.read(m.input) > 0 && !m.muted;
      if (m.contributed) {
        const input = m.input;
        for (let i = 0; i < FRAME; i++) sum[i] += input[i] as number;
      }
    }
    if (this.player.read(this.playFrame, this.playFlags) > 0) {
      const pf = this.playFrame;
      for (let i = 0; i < FRAME; i++) sum[i] += pf[i] as number;
    }
    for (const m of this.members) {
      if (m.deaf) continue;
      const out = m.output;
      const own = m.contributed ? m.input : undefined;
      for (let i = 0; i < FRAME; i++) {
        const v = (sum[i] as number) - (own ? (own[i] as number) : 0);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
    if (this.listeners.size > 0) {
      const mix = this.mix;
      for (let i = 0; i < FRAME; i++) {
        const v = sum[i] as number;
        mix[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      for (const l of this.listeners) l(mix, nowMs);
    }
  }
}
