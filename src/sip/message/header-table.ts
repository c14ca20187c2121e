import { COMPACT_FORMS, canonicalName, KNOWN_HEADER_NAMES } from './header-names.ts';
import type { HeaderField } from './message.ts';
import { MessageParseError } from './parse-error.ts';
import { allOf, TOKEN } from './scanner.ts';

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
  /** The spelling this entry matches, lower-cased. */
  lower: string;
  kind: Kind;
  /** The shared position marker of a typed header (message.ts): frozen, never mutated. */
  marker: HeaderField;
}

function makeInfo(lower: string, canon: string): HeaderInfo {
  const kind = KINDS[canon.toLowerCase()] ?? Kind.Other;
  return { canon, lower, kind, marker: Object.freeze({ name: canon, value: '' }) };
}

// Known names (full and compact) are found by (first letter, length), then compared with
// `===` to the usual spellings; only an unusual case (RFC 3261 7.3.1: names are
// case-insensitive) costs a lower-casing.
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

/** The entry of a header name as received (not empty). */
export function headerInfo(name: string): HeaderInfo {
  const n = name.length;
  const bucket = BUCKETS[bucketOf(name.charCodeAt(0), n)];
  for (let b = 0; b < bucket.length; b++) {
    const info = bucket[b];
    if (name === info.canon || name === info.lower) return info;
  }
  let info = OTHERS.get(name);
  if (info !== undefined) return info;
  const lower = name.toLowerCase();
  for (let b = 0; b < bucket.length; b++) {
    if (lower === bucket[b].lower) {
      info = bucket[b];
      break;
    }
  }
  if (info === undefined) {
    // field-name = token (RFC 3261 25.1); %XX is no escape there (RFC 4475 3.1.1.5).
    if (!allOf(name, 0, n, TOKEN)) throw new MessageParseError('invalid header field name');
    info = makeInfo(lower, canonicalName(name));
  }
  if (OTHERS.size < MAX_OTHERS) OTHERS.set(name, info);
  return info;
}
