/**
 * The text being parsed, twice: `b` the octets, which the scanners read (a typed-array load
 * is about twice as fast as `charCodeAt`), and `s` a string with one character per octet
 * at the same index, which values are sliced from: the octets read as Latin-1, and
 * `text()` decodes a value that holds non-ASCII octets as UTF-8 (RFC 3261 7.3.1: only
 * quoted strings, the reason phrase and raw values may hold them; the grammar keeps them
 * out of everything else). When `direct` (a string given whole, all ASCII), `s` is the
 * text itself.
 */
export class Source {
  readonly b: Buffer;
  readonly s: string;
  readonly direct: boolean;

  constructor(b: Buffer, s: string, direct: boolean) {
    this.b = b;
    this.s = s;
    this.direct = direct;
  }

  /** A value given as a string (lazy parsers, tests): its UTF-8 octets. */
  static of(str: string): Source {
    const b = Buffer.from(str, 'utf8');
    // Any non-ASCII character takes more than one octet.
    if (b.length === str.length) return new Source(b, str, true);
    return new Source(b, b.toString('latin1'), false);
  }

  /** The value at [start, end) as text. */
  text(start: number, end: number): string {
    if (this.direct) return this.s.slice(start, end);
    const b = this.b;
    for (let i = start; i < end; i++) if (b[i] >= 0x80) return b.toString('utf8', start, end);
    return this.s.slice(start, end);
  }
}
