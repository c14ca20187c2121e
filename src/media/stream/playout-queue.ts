import type { MediaEndpoint } from '../media-engine.ts';
import type { Playback, PlayResult } from '../play/player.ts';
import { StreamError } from './stream-error.ts';
import { TalkspurtSource } from './talkspurt-source.ts';

interface Mark {
  /** The talkspurt sample position the checkpoint follows. */
  at: number;
  name: string;
}

interface Talkspurt {
  source: TalkspurtSource;
  playback: Playback;
  /** Checkpoints in order; answered once `source.consumed` reaches them. */
  marks: Mark[];
  flushQueued: boolean;
}

/**
 * Talkspurts of the queue:
 *
 *            enqueue: a new playback of a TalkspurtSource (its first frame has the marker bit)
 *   silent ─────────────────────────────────────────▶ playing ◀─┐ enqueue: appended to the
 *     ▲                                                │   │      │ same source, no new playback
 *     │  drained (a read found nothing left), clear(), │   └──────┘
 *     └─ playback stopped by someone else ─────────────┘
 *
 *   silent | playing ──close()──▶ closed
 */
type PlayoutState = 'silent' | 'playing' | 'closed';

const LEGAL: Readonly<Record<PlayoutState, readonly PlayoutState[]>> = {
  silent: ['playing', 'closed'],
  playing: ['silent', 'closed'],
  closed: [],
};

/**
 * The audio an application queued with `playAudio` (spec/vobizxml.md 3.3), in order, on the
 * caller's endpoint. Clips that follow each other before the queue runs dry are one playback
 * of one TalkspurtSource: sample-contiguous, one RTP marker bit at the start, timestamps
 * running on frame by frame. A checkpoint is a sample position in that stream, answered
 * when the player has read past it — i.e. in the clock tick whose frame carried its last
 * sample to the caller: the acknowledgement follows the playout position, not the arrival
 * of the audio. Audio that ends any other way (clearAudio, something else stopping playback,
 * the stream ending) drops its checkpoints (3.2: "a clearAudio or disconnect suppresses it").
 */
export class PlayoutQueue {
  private state: PlayoutState = 'silent';
  private spurt: Talkspurt | undefined;
  private spurts = 0;

  constructor(
    private readonly endpoint: MediaEndpoint,
    private readonly maxQueuedSamples: number,
    private readonly onPlayed: (name: string) => void,
  ) {}

  /** Samples queued and not yet played out. */
  get queuedSamples(): number {
    return this.spurt?.source.pending ?? 0;
  }

  /** Clips not played to their end (the one playing counts). */
  get clips(): number {
    return this.spurt?.source.clipsLeft ?? 0;
  }

  /** Playbacks started so far: one per stretch of audio without a break. */
  get talkspurts(): number {
    return this.spurts;
  }

  /** Queues a clip of 8 kHz audio; false (nothing queued) when it would pass the bound. */
  enqueue(samples: Int16Array): boolean {
    if (this.state === 'closed') return false;
    if (samples.length === 0) return true;
    if (this.queuedSamples + samples.length > this.maxQueuedSamples) return false;
    const current = this.spurt;
    // The player reads the source on the media clock: audio that comes in time continues it.
    if (current && !current.source.drained) return current.source.append(samples);
    if (current) this.end(current);
    this.begin().source.append(samples);
    return true;
  }

  /** Reported once everything queued so far has played; at once when nothing is waiting. */
  checkpoint(name: string): void {
    if (this.state === 'closed') return;
    const s = this.spurt;
    if (s && !s.source.drained && s.source.pending > 0) {
      s.marks.push({ at: s.source.written, name });
      return;
    }
    if (s) this.flush(s);
    this.onPlayed(name);
  }

  /** Drops every clip (the one playing stops now) and every pending checkpoint; returns the clips dropped. */
  clear(): number {
    const s = this.spurt;
    if (!s) return 0;
    const dropped = s.source.clipsLeft;
    s.marks = [];
    this.end(s);
    s.playback.stop();
    return dropped;
  }

  /** clear(), and nothing more is accepted. */
  close(): void {
    if (this.state === 'closed') return;
    this.clear();
    this.transition('closed');
  }

  private transition(to: PlayoutState): void {
    if (!LEGAL[this.state].includes(to)) {
      throw new StreamError('STATE', `playout queue: ${this.state} -> ${to} is not allowed`);
    }
    this.state = to;
  }

  private begin(): Talkspurt {
    this.transition('playing');
    const source: TalkspurtSource = new TalkspurtSource(() => this.afterRead(s));
    const playback = this.endpoint.play([{ kind: 'source', source }]);
    const s: Talkspurt = { source, playback, marks: [], flushQueued: false };
    this.spurt = s;
    this.spurts++;
    playback.done.then(
      (r) => this.ended(s, r),
      () => this.ended(s, { reason: 'error', playedMs: 0 }),
    );
    return s;
  }

  private end(s: Talkspurt): void {
    if (this.spurt !== s) return;
    this.spurt = undefined;
    this.transition('silent');
  }

  /**
   * Runs inside the clock tick, right after the player took a frame and before the endpoint
   * sends it: the checkpoints it reached are answered once the tick is over (a microtask),
   * so never before their audio went out.
   */
  private afterRead(s: Talkspurt): void {
    const first = s.marks[0];
    if (!first || first.at > s.source.consumed || s.flushQueued) return;
    s.flushQueued = true;
    queueMicrotask(() => {
      s.flushQueued = false;
      this.flush(s);
    });
  }

  private flush(s: Talkspurt): void {
    while (s.marks.length > 0 && (s.marks[0] as Mark).at <= s.source.consumed) {
      const mark = s.marks.shift() as Mark;
      if (this.state !== 'closed') this.onPlayed(mark.name);
    }
  }

  private ended(s: Talkspurt, result: PlayResult): void {
    // Stopped or failed by something else (REST stop play, the call ending): what was still
    // to play never will, and its checkpoints never come. Finished: drained, all answered.
    if (result.reason !== 'finished') s.marks = [];
    this.end(s);
  }
}
