import type { MediaEndpoint } from '../media-engine.ts';
import type { Playback, PlayResult } from '../play/player.ts';

interface Entry {
  playback: Playback;
  samples: number;
  /** Checkpoints placed right after this audio. */
  marks: string[];
}

/**
 * The audio an application queued with `playAudio` (spec/vobizxml.md 3.3), in order, on the
 * caller's endpoint. Each clip becomes one playback on the endpoint's player queue, so clips
 * play back to back and never overlap or interleave. A checkpoint is attached to the last
 * clip queued before it and reported only when the player has read that clip to its end,
 * i.e. its last frame has been sent to the caller: the acknowledgement follows the playout
 * position, not the arrival of the audio. A clip that ends any other way (clearAudio,
 * something else stopping playback, the stream ending) drops its checkpoints (3.2: "a
 * clearAudio or disconnect suppresses it").
 */
export class PlayoutQueue {
  private entries: Entry[] = [];
  private queued = 0;
  private closed = false;

  constructor(
    private readonly endpoint: MediaEndpoint,
    private readonly maxQueuedSamples: number,
    private readonly onPlayed: (name: string) => void,
  ) {}

  /** Samples queued and not yet played out (whole clips: the current one counts fully). */
  get queuedSamples(): number {
    return this.queued;
  }

  get clips(): number {
    return this.entries.length;
  }

  /** Queues a clip of 8 kHz audio; false (nothing queued) when it would pass the bound. */
  enqueue(samples: Int16Array): boolean {
    if (this.closed) return false;
    if (samples.length === 0) return true;
    if (this.queued + samples.length > this.maxQueuedSamples) return false;
    const playback = this.endpoint.play([{ kind: 'pcm', samples }]);
    const entry: Entry = { playback, samples: samples.length, marks: [] };
    this.entries.push(entry);
    this.queued += samples.length;
    playback.done.then(
      (r) => this.ended(entry, r),
      () => this.ended(entry, { reason: 'error', playedMs: 0 }),
    );
    return true;
  }

  /** Reported once everything queued so far has played; at once when nothing is queued. */
  checkpoint(name: string): void {
    if (this.closed) return;
    const last = this.entries[this.entries.length - 1];
    if (last) last.marks.push(name);
    else this.onPlayed(name);
  }

  /** Drops every clip (the current one stops now) and every pending checkpoint; returns the clips dropped. */
  clear(): number {
    const dropped = this.entries;
    this.entries = [];
    this.queued = 0;
    for (const e of dropped) e.playback.stop();
    return dropped.length;
  }

  /** clear(), and nothing more is accepted. */
  close(): void {
    this.closed = true;
    this.clear();
  }

  private ended(entry: Entry, result: PlayResult): void {
    const i = this.entries.indexOf(entry);
    if (i < 0) return; // cleared
    this.entries.splice(i, 1);
    this.queued -= entry.samples;
    if (result.reason !== 'finished') return; // stopped or failed: its checkpoints never come
    const before = this.entries[i - 1];
    // Clips end in queue order; should an earlier one still be out, its end reports these.
    if (before) before.marks.push(...entry.marks);
    else for (const name of entry.marks) this.onPlayed(name);
  }
}
