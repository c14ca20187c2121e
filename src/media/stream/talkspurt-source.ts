import type { AudioSource } from '../play/audio-source.ts';

/** First ring size in samples (128 ms at 8 kHz); it doubles while the application runs ahead. */
const INITIAL_CAPACITY = 1024;

/**
 * The audio of one talkspurt of a Stream's playAudio: clips appended while it plays, read by
 * the endpoint's player one frame at a time straight across clip boundaries, so clip after
 * clip is one sample-contiguous signal. A read that comes back short (nothing left to play)
 * ends it, as it ends any source: the player finishes the playback, and audio that comes
 * later starts a new talkspurt (spec/vobizxml.md 3.3; RFC 3551 4.1: the marker bit starts
 * a talkspurt after silence).
 *
 * Clips are copied into one ring of samples rather than kept: an agent that runs a few
 * hundred milliseconds ahead would otherwise keep every clip alive long enough for the
 * garbage collector to promote it, and a process with hundreds of streams would spend its
 * pauses moving audio about.
 */
export class TalkspurtSource implements AudioSource {
  private ring = new Int16Array(INITIAL_CAPACITY);
  /** Read position in `ring`. */
  private head = 0;
  private size = 0;
  /** `written` at the end of each clip not read to its end, oldest first from `clipHead`. */
  private readonly clipEnds: number[] = [];
  private clipHead = 0;
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
    return this.clipEnds.length - this.clipHead;
  }

  /** A read came back short: the playback has ended and takes nothing more. */
  get drained(): boolean {
    return this.drainedValue;
  }

  /** Queues a clip after the others (copied); false once drained (start a new talkspurt instead). */
  append(samples: Int16Array): boolean {
    if (this.drainedValue) return false;
    const n = samples.length;
    if (n === 0) return true;
    if (this.size + n > this.ring.length) this.grow(this.size + n);
    const cap = this.ring.length;
    const tail = (this.head + this.size) % cap;
    const first = Math.min(n, cap - tail);
    this.ring.set(first === n ? samples : samples.subarray(0, first), tail);
    if (first < n) this.ring.set(samples.subarray(first), 0);
    this.size += n;
    this.writtenValue += n;
    this.clipEnds.push(this.writtenValue);
    return true;
  }

  read(out: Int16Array): number {
    const n = Math.min(out.length, this.size);
    if (n > 0) {
      const cap = this.ring.length;
      const first = Math.min(n, cap - this.head);
      out.set(this.ring.subarray(this.head, this.head + first), 0);
      if (first < n) out.set(this.ring.subarray(0, n - first), first);
      this.head = (this.head + n) % cap;
      this.size -= n;
      this.consumedValue += n;
      const ends = this.clipEnds;
      while (this.clipHead < ends.length && (ends[this.clipHead] as number) <= this.consumedValue)
        this.clipHead++;
      if (this.clipHead === ends.length) {
        ends.length = 0;
        this.clipHead = 0;
      } else if (this.clipHead >= 64 && this.clipHead * 2 >= ends.length) {
        // An agent that always stays ahead never empties the list: drop the read part.
        ends.splice(0, this.clipHead);
        this.clipHead = 0;
      }
    }
    if (n < out.length) this.drainedValue = true;
    this.onRead();
    return n;
  }

  /** Played audio is gone: a talkspurt never loops. */
  rewind(): boolean {
    return false;
  }

  /** A ring of at least `need` samples (doubling), holding the unread ones from its start. */
  private grow(need: number): void {
    let cap = this.ring.length * 2;
    while (cap < need) cap *= 2;
    const next = new Int16Array(cap);
    const old = this.ring;
    const first = Math.min(this.size, old.length - this.head);
    next.set(old.subarray(this.head, this.head + first), 0);
    if (first < this.size) next.set(old.subarray(0, this.size - first), first);
    this.ring = next;
    this.head = 0;
  }
}
