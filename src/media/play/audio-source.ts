/**
 * Something that produces 8 kHz mono linear audio, pulled one frame at a time by the media
 * clock. A source that returns fewer samples than asked has ended.
 */
export interface AudioSource {
  /** Writes up to `out.length` samples from the current position; returns how many. */
  read(out: Int16Array): number;
  /** Back to the start, for another loop; false when the source cannot replay. */
  rewind(): boolean;
}

/** A decoded clip held in memory (files, fetched URLs, TTS output). */
export class ClipSource implements AudioSource {
  private pos = 0;

  constructor(readonly samples: Int16Array) {}

  read(out: Int16Array): number {
    const n = Math.min(out.length, this.samples.length - this.pos);
    if (n > 0) out.set(this.samples.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }

  rewind(): boolean {
    this.pos = 0;
    return true;
  }
}

/** Digital silence of a given length. */
export class SilenceSource implements AudioSource {
  private left: number;

  constructor(private readonly samples: number) {
    this.left = samples;
  }

  read(out: Int16Array): number {
    const n = Math.min(out.length, this.left);
    out.fill(0, 0, n);
    this.left -= n;
    return n;
  }

  rewind(): boolean {
    this.left = this.samples;
    return true;
  }
}

/** Wraps a generator that cannot seek (a tone): rewinding builds a new one. */
export class RestartableSource implements AudioSource {
  private current: { read(out: Int16Array): number };

  constructor(private readonly make: () => { read(out: Int16Array): number }) {
    this.current = make();
  }

  read(out: Int16Array): number {
    return this.current.read(out);
  }

  rewind(): boolean {
    this.current = this.make();
    return true;
  }
}
