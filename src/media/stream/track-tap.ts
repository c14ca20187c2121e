import type { StreamTrack } from '../../../schemas/stream/index.ts';
import { FRAME_MS, FRAME_SAMPLES } from './stream-format.ts';

/** Behind real time by more than this many frames: the track is in a gap (no RTP) and is filled. */
export const GAP_FRAMES = 3;

export type FrameSink = (track: StreamTrack, frame: Int16Array) => void;

/**
 * One track of a stream: cuts the engine's audio (whatever the peer's packet size) into
 * 20 ms frames and hands each to the sink as soon as it is complete, so frames go out at
 * the pace the audio arrives (spec 3.1: one frame per 20 ms per track). When the audio
 * stops (silence suppression, hold, a bridge that relays nothing) `fill()` keeps the track
 * at real time with silence frames, so the application sees no gap.
 */
export class TrackTap {
  /** Frames handed to the sink since the tap started. */
  frames = 0;
  /** Of those, silence made up for missing audio. */
  filled = 0;
  private readonly buf = new Int16Array(FRAME_SAMPLES);
  private used = 0;
  /** In a gap: filled one frame per tick until audio comes again. */
  private gap = false;

  constructor(
    readonly track: StreamTrack,
    private readonly sink: FrameSink,
  ) {}

  /** Audio from the engine (the array may be reused by the caller: it is copied). */
  push(samples: Int16Array): void {
    this.gap = false;
    let at = 0;
    while (at < samples.length) {
      const n = Math.min(FRAME_SAMPLES - this.used, samples.length - at);
      this.buf.set(samples.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
      if (this.used === FRAME_SAMPLES) this.flush();
    }
  }

  /**
   * Called on every tick with the time since the tap started. A track more than GAP_FRAMES
   * behind real time is in a gap: from then on every tick brings it to one frame behind (a
   * late packet can still take the last place without the track running ahead), so the
   * silence goes out at the real-time pace too, until audio comes again.
   */
  fill(elapsedMs: number): void {
    const due = Math.floor(elapsedMs / FRAME_MS);
    if (!this.gap) {
      if (due - this.frames <= GAP_FRAMES) return;
      this.gap = true;
    }
    while (this.frames < due - 1) {
      this.buf.fill(0, this.used);
      this.used = FRAME_SAMPLES;
      this.filled++;
      this.flush();
    }
  }

  private flush(): void {
    this.used = 0;
    this.frames++;
    this.sink(this.track, this.buf);
  }
}
