import type { AudioSource } from './audio-source.ts';

export type PlayEndReason = 'finished' | 'stopped' | 'error';

export interface PlayResult {
  reason: PlayEndReason;
  /** Exactly what reached the peer: samples played / 8, loops included. */
  playedMs: number;
  error?: Error;
}

export interface PlayOptions {
  /** Times to play the whole list; 0 repeats until stopped. Default 1. */
  loop?: number;
  /** Stopping the playback when this aborts. */
  signal?: AbortSignal;
}

/** One request to play: a list of sources played in order, possibly looped. */
export interface Playback {
  readonly id: number;
  readonly done: Promise<PlayResult>;
  /** Samples played so far. */
  readonly playedSamples: number;
  readonly positionMs: number;
  stop(): void;
}

type Loaded = { ok: true; source: AudioSource } | { ok: false; error: Error };

const SAMPLES_PER_MS = 8;
let nextId = 1;

class QueuedPlayback implements Playback {
  readonly id = nextId++;
  readonly done: Promise<PlayResult>;
  playedSamples = 0;
  /** Index of the item playing, and the loop round. */
  index = 0;
  round = 1;
  started = false;
  ended = false;
  readonly loaded: Array<Loaded | undefined>;
  private resolve!: (r: PlayResult) => void;

  constructor(
    loads: Array<Promise<AudioSource>>,
    readonly loops: number,
    private readonly onStop: (p: QueuedPlayback) => void,
  ) {
    this.loaded = loads.map(() => undefined);
    this.done = new Promise((r) => {
      this.resolve = r;
    });
    loads.forEach((p, i) => {
      p.then(
        (source) => {
          this.loaded[i] = { ok: true, source };
        },
        (err: unknown) => {
          this.loaded[i] = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
        },
      );
    });
  }

  get positionMs(): number {
    return this.playedSamples / SAMPLES_PER_MS;
  }

  stop(): void {
    this.finish('stopped');
  }

  finish(reason: PlayEndReason, error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.onStop(this);
    this.resolve({ reason, playedMs: this.positionMs, ...(error ? { error } : {}) });
  }
}

/**
 * The play queue of one leg. Playbacks run one after another; all sources of a playback
 * start loading when it is queued, so the next file is ready when the current one ends.
 * `read` is called by the media clock and never waits: while the current source is still
 * loading it reports that nothing is playing.
 */
export class Player {
  private readonly queue: QueuedPlayback[] = [];

  /** Queues `sources` (promises, loading) to play after whatever is queued already. */
  play(sources: Array<Promise<AudioSource>>, opts: PlayOptions = {}): Playback {
    const loops = opts.loop ?? 1;
    const p = new QueuedPlayback(sources, loops, (done) => this.drop(done));
    if (sources.length === 0) {
      p.finish('finished');
      return p;
    }
    const signal = opts.signal;
    if (signal) {
      if (signal.aborted) p.finish('stopped');
      else {
        // Removed when the playback ends: a call's signal outlives hundreds of prompts.
        const onAbort = () => p.finish('stopped');
        signal.addEventListener('abort', onAbort, { once: true });
        void p.done.then(() => signal.removeEventListener('abort', onAbort));
      }
    }
    if (!p.ended) this.queue.push(p);
    return p;
  }

  /** Stops the current playback and everything queued. */
  stopAll(): void {
    for (const p of [...this.queue]) p.finish('stopped');
  }

  /** Whether a playback is queued or playing. */
  get busy(): boolean {
    return this.queue.length > 0;
  }

  /** The playback now at the head of the queue. */
  get current(): Playback | undefined {
    return this.queue[0];
  }

  /**
   * Fills `out` with the next frame. Returns 0 when nothing is ready to play, otherwise the
   * number of real samples (the rest of `out` is zeroed). `started` is set on the first
   * frame of a new playback, for the RTP marker bit.
   */
  read(out: Int16Array, flags: { started: boolean }): number {
    flags.started = false;
    let filled = 0;
    while (filled < out.length) {
      const p = this.queue[0];
      if (!p) break;
      const item = p.loaded[p.index];
      if (item === undefined) break; // still loading
      if (!item.ok) {
        p.finish('error', item.error);
        continue;
      }
      if (!p.started) {
        p.started = true;
        flags.started = true;
      }
      const n = item.source.read(filled === 0 ? out : out.subarray(filled));
      filled += n;
      p.playedSamples += n;
      if (filled < out.length) this.advance(p);
    }
    if (filled > 0 && filled < out.length) out.fill(0, filled);
    return filled;
  }

  private advance(p: QueuedPlayback): void {
    if (p.index + 1 < p.loaded.length) {
      p.index++;
      return;
    }
    if (p.loops === 0 || p.round < p.loops) {
      // A source that cannot rewind, or an empty round, ends the loop instead of spinning.
      const rewound = p.loaded.every((l) => l?.ok && l.source.rewind());
      if (rewound && p.playedSamples > 0) {
        p.round++;
        p.index = 0;
        return;
      }
    }
    p.finish('finished');
  }

  private drop(p: QueuedPlayback): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
  }
}
