import { Kind } from './header-table.ts';
import { NameAddr } from './name-addr.ts';
import { nameAddrListAt, singleNameAddrAt } from './name-addr-parser.ts';
import type { Source } from './source.ts';
import { Uri } from './uri.ts';
import type { Via } from './via.ts';
import { viaListAt } from './via-parser.ts';

/** The bit of a header kind in SipMessage's pending mask. */
export const bit = (kind: Kind): number => 1 << kind;

const WILDCARD_URI = new Uri({ scheme: 'sip' });

/**
 * Where the typed headers whose objects are many (Via, From, To, Contact, Route,
 * Record-Route), and the body, are in the parsed text. The parser has checked each header
 * against the grammar already (with the scanners, or with fast-paths.ts, which accepts less),
 * so that a bad one is a 400 at once; the objects are built by the scanners the first time
 * a layer reads the field, and so cannot fail then.
 */
export class LazyHeaders {
  readonly src: Source;
  /** [tag, start, end] per header line: tag = kind | n << 4, n = 0 for `src`, else folds[n - 1]. */
  readonly lines: number[] = [];
  /** Folded lines, each unfolded into a source of its own (RFC 3261 7.3.1). */
  private folds: Source[] | undefined = undefined;
  /** Where the body is in `src.b`. */
  bodyStart = 0;
  bodyEnd = 0;

  constructor(src: Source) {
    this.src = src;
  }

  add(kind: Kind, src: Source, start: number, end: number): void {
    let tag: number = kind;
    if (src !== this.src) {
      if (this.folds === undefined) this.folds = [];
      tag |= this.folds.push(src) << 4;
    }
    this.lines.push(tag, start, end);
  }

  private sourceOf(tag: number): Source {
    return tag < 16 ? this.src : (this.folds as Source[])[(tag >> 4) - 1];
  }

  /** The body: a view of the parsed octets (not a copy). */
  body(): Buffer {
    return this.src.b.subarray(this.bodyStart, this.bodyEnd);
  }

  vias(): Via[] {
    const out: Via[] = [];
    const lines = this.lines;
    for (let k = 0; k < lines.length; k += 3) {
      if ((lines[k] & 15) === Kind.Via) viaListAt(this.sourceOf(lines[k]), lines[k + 1], lines[k + 2], out);
    }
    return out;
  }

  /** From or To: the one line of that kind (the parser rejected a second one). */
  nameAddr(kind: Kind, what: string): NameAddr | undefined {
    const lines = this.lines;
    for (let k = 0; k < lines.length; k += 3) {
      if ((lines[k] & 15) === kind) {
        return singleNameAddrAt(
          this.sourceOf(lines[k]),
          lines[k + 1],
          lines[k + 2],
          what,
          true,
          true,
        ) as NameAddr;
      }
    }
    return undefined;
  }

  /** Contact, Route or Record-Route: every value of every line, in order. */
  nameAddrs(kind: Kind, what: string): NameAddr[] {
    const out: NameAddr[] = [];
    const lines = this.lines;
    for (let k = 0; k < lines.length; k += 3) {
      if ((lines[k] & 15) !== kind) continue;
      const src = this.sourceOf(lines[k]);
      const start = lines[k + 1];
      const end = lines[k + 2];
      // RFC 3261 10.2.2: `Contact: *` (the parser allowed it only alone).
      if (kind === Kind.Contact && end - start === 1 && src.b[start] === 0x2a) {
        out.push(new NameAddr(WILDCARD_URI.clone(), { wildcard: true }));
      } else nameAddrListAt(src, start, end, what, out, true);
    }
    return out;
  }
}
