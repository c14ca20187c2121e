import { COMPACT_FORMS, canonicalName, KNOWN_HEADER_NAMES } from './header-names.ts';
import type { HeaderField } from './message.ts';
import { equalsLower } from './scanner.ts';
import type { Source } from './source.ts';

/** What a header is to the parser; header-fields.ts switches on these numbers as literals. */
export const Kind = {
  Other: 0,
  Via: 1,
  From: 2,
  To: 3,
  CallId: 4,
  CSeq: 5,
  MaxForwards: 6,
  Contact: 7,
  Route: 8,
  RecordRoute: 9,
  ContentLength: 10,
  ContentType: 11,
  Expires: 12,
  Date: 13,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const KINDS: Record<string, Kind> = {
  via: Kind.Via,
  from: Kind.From,
  to: Kind.To,
  'call-id': Kind.CallId,
  cseq: Kind.CSeq,
  'max-forwards': Kind.MaxForwards,
  contact: Kind.Contact,
  route: Kind.Route,
  'record-route': Kind.RecordRoute,
  'content-length': Kind.ContentLength,
  'content-type': Kind.ContentType,
  expires: Kind.Expires,
  date: Kind.Date,
};

export interface HeaderInfo {
  /** The name as written on output (compact forms expanded, RFC 3261 7.3.3). */
  canon: string;
  /** The spelling this entry matches, lower-cased, as octets. */
  lower: Uint8Array;
  /** The usual spelling of it (the canonical name, or the compact letter), as octets. */
  usual: Uint8Array;
  kind: Kind;
  /** The shared position marker of a typed header (message.ts): frozen, never mutated. */
  marker: HeaderField;
}

function makeInfo(lower: string, canon: string): HeaderInfo {
  const kind = KINDS[canon.toLowerCase()] ?? Kind.Other;
  return {
    canon,
    lower: Buffer.from(lower, 'latin1'),
    usual: Buffer.from(lower.length === 1 ? lower : canon, 'latin1'),
    kind,
    marker: Object.freeze({ name: canon, value: '' }),
  };
}

// Known names (full and compact) are found by (first letter, length), then compared octet
// by octet ignoring case (RFC 3261 7.3.1: names are case-insensitive), without a slice.
const BUCKETS: HeaderInfo[][] = [];
for (let i = 0; i < 32 * 32; i++) BUCKETS.push([]);

function bucketOf(c0: number, n: number): number {
  return ((c0 | 0x20) & 31) * 32 + (n & 31);
}

function seed(lower: string, canon: string): void {
  BUCKETS[bucketOf(lower.charCodeAt(0), lower.length)].push(makeInfo(lower, canon));
}

for (const name of KNOWN_HEADER_NAMES) seed(name.toLowerCase(), name);
for (const letter of Object.keys(COMPACT_FORMS)) seed(letter, COMPACT_FORMS[letter]);

/** Other names as received -> their entry; bounded so that junk names cannot grow it. */
const OTHERS = new Map<string, HeaderInfo>();
const MAX_OTHERS = 1024;

/** The entry of the header name at [start, end) of `src`: a non-empty token. */
export function headerInfoAt(src: Source, start: number, end: number): HeaderInfo {
  const b = src.b;
  const n = end - start;
  const bucket = BUCKETS[bucketOf(b[start], n)];
  for (let k = 0; k < bucket.length; k++) {
    const info = bucket[k];
    if (info.lower.length === n && equalsLower(b, start, info.lower)) return info;
  }
  const name = src.s.slice(start, end);
  let info = OTHERS.get(name);
  if (info === undefined) {
    info = makeInfo(name.toLowerCase(), canonicalName(name));
    if (OTHERS.size < MAX_OTHERS) OTHERS.set(name, info);
  }
  return info;
}

function known(lower: string): HeaderInfo {
  const bucket = BUCKETS[bucketOf(lower.charCodeAt(0), lower.length)];
  for (const info of bucket)
    if (info.lower.length === lower.length && equalsLower(Buffer.from(lower), 0, info.lower)) return info;
  throw new Error(`${lower} is not a known header name`);
}

const VIA = known('via');
const MAX_FORWARDS = known('max-forwards');
const FROM = known('from');
const TO = known('to');
const CALL_ID = known('call-id');
const CSEQ = known('cseq');
const CONTACT = known('contact');
const CONTENT_TYPE = known('content-type');
const CONTENT_LENGTH = known('content-length');
const ROUTE = known('route');
const RECORD_ROUTE = known('record-route');
const ALLOW = known('allow');
const SUPPORTED = known('supported');
const USER_AGENT = known('user-agent');
const EXPIRES = known('expires');
const COMPACT: HeaderInfo[] = [];
for (const letter of 'vftimlck') COMPACT[letter.charCodeAt(0)] = known(letter);

/**
 * The header name at `p` when it is one of the commonest, spelt the usual way (most lines of
 * most messages): a guess from its first octets, then a whole compare and a check that the
 * name ends there. undefined for any other name or spelling (headerInfoAt() then decides).
 */
export function usualNameAt(b: Buffer, p: number): HeaderInfo | undefined {
  let info: HeaderInfo | undefined;
  switch (b[p]) {
    case 0x56: // V
      info = VIA;
      break;
    case 0x4d: // M
      info = MAX_FORWARDS;
      break;
    case 0x46: // F
      info = FROM;
      break;
    case 0x54: // T
      info = TO;
      break;
    case 0x43: {
      // C: Call-ID, CSeq, Contact, Content-Type, Content-Length
      const c1 = b[p + 1];
      if (c1 === 0x61) info = CALL_ID;
      else if (c1 === 0x53) info = CSEQ;
      else if (b[p + 4] === 0x61) info = CONTACT;
      else info = b[p + 8] === 0x54 ? CONTENT_TYPE : CONTENT_LENGTH;
      break;
    }
    case 0x52: // R
      info = b[p + 1] === 0x6f ? ROUTE : RECORD_ROUTE;
      break;
    case 0x41: // A
      info = ALLOW;
      break;
    case 0x53: // S
      info = SUPPORTED;
      break;
    case 0x55: // U
      info = USER_AGENT;
      break;
    case 0x45: // E
      info = EXPIRES;
      break;
    default:
      info = COMPACT[b[p]];
      if (info === undefined) return undefined;
  }
  const usual = info.usual;
  const n = usual.length;
  for (let k = 1; k < n; k++) if (b[p + k] !== usual[k]) return undefined;
  // The name must end there: HCOLON may start with SP or HT (RFC 3261 25.1).
  const c = b[p + n];
  return c === 0x3a || c === 0x20 || c === 0x09 ? info : undefined;
}
