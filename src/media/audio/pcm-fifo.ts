/**
 * A bounded FIFO of 16-bit samples between a producer that runs on packet arrival and a
 * consumer that runs on the media clock. When the producer gets ahead by more than the
 * capacity the oldest samples are dropped; when it falls behind the consumer reads zeros.
 */
export class PcmFifo {
  private readonly buf: Int16Array;
  private head = 0;
  private size = 0;
  /** Samples dropped because the FIFO was full. */
  overflowed = 0;
  /** Samples the consumer got as zeros because the FIFO was empty. */
  underflowed = 0;

  constructor(capacity = 1600) {
    this.buf = new Int16Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  write(samples: Int16Array): void {
    const cap = this.buf.length;
    let src = samples;
    if (src.length > cap) {
      this.overflowed += src.length - cap;
      src = src.subarray(src.length - cap);
    }
    const excess = this.size + src.length - cap;
    if (excess > 0) {
      this.head = (this.head + excess) % cap;
      this.size -= excess;
      this.overflowed += excess;
    }
    const tail = (this.head + this.size) % cap;
    const first = Math.min(src.length, cap - tail);
    this.buf.set(src.subarray(0, first), tail);
    if (first < src.length) this.buf.set(src.subarray(first), 0);
    this.size += src.length;
  }

  /** Fills `out` completely: buffered samples first, zeros for the rest. Returns the real samples read. */
  read(out: Int16Array): number {
    const cap = this.buf.length;
    const n = Math.min(out.length, this.size);
    const first = Math.min(n, cap - this.head);
    out.set(this.buf.subarray(this.head, this.head + first), 0);
    if (first < n) out.set(this.buf.subarray(0, n - first), first);
    if (n < out.length) {
      out.fill(0, n);
      this.underflowed += out.length - n;
    }
    this.head = (this.head + n) % cap;
    this.size -= n;
    return n;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}
