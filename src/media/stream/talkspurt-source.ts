import type { AudioSource } from '../play/audio-source.ts';

/**
 * The audio of one talkspurt of a Stream's playAudio: clips appended while it plays, read by
 * the endpoint's player one frame at a time straight across clip boundaries, so clip after
 * clip is one sample-contiguous signal. A read that comes back short (nothing left to play)
 * ends it, as it ends any source: the player finishes the playback, and audio that comes
 * later starts a new talkspurt (spec/vobizxml.md 3.3; RFC 3551 4.1: the marker bit starts
 * a talkspurt after silence).
 */
export class TalkspurtSource implements AudioSource {
  private readonly clips: Int16Array[] = [];
  /** Read position in clips[0]. */
  private offset = 0;
  private writtenValue = 0;
  private consumedValue = 0;
  private drainedValue = false;

  /** `onRead` runs after every read, once `consumed` counts it. */
  constructor(private readonly onRead: () => void = () => {}) {}

  /** Samples appended so far. */
  get written(): number {
    return this.writtenValue;
  }

  /** Samples the player has read (and so sent, in the same clock tick). */
  get consumed(): number {
    return this.consumedValue;
  }

  /** Appended and not read yet. */
  get pending(): number {
    return this.writtenValue - this.consumedValue;
  }

  /** Clips not read to their end (the one playing counts). */
  get clipsLeft(): number {
    return this.clips.length;
  }

  /** A read came back short: the playback has ended and takes nothing more. */
  get drained(): boolean {
    return this.drainedValue;
  }

  /** Queues a clip after the others; false once drained (start a new talkspurt instead). */
  append(samples: Int16Array): boolean {
    if (this.drainedValue) return false;
    if (samples.length === 0) return true;
    this.clips.push(samples);
    this.writtenValue += samples.length;
    return true;
  }

  read(out: Int16Array): number {
    let n = 0;
    while (n < out.length && this.clips.length > 0) {
      const clip = this.clips[0] as Int16Array;
      const take = Math.min(out.length - n, clip.length - this.offset);
      out.set(clip.subarray(this.offset, this.offset + take), n);
      n += take;
      this.offset += take;
      if (this.offset === clip.length) {
        this.clips.shift();
        this.offset = 0;
      }
    }
    this.consumedValue += n;
    if (n < out.length) this.drainedValue = true;
    this.onRead();
    return n;
  }

  /** Played audio is gone: a talkspurt never loops. */
  rewind(): boolean {
    return false;
  }
}
