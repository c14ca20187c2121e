/** RFC 3261 7.3.3 compact forms, plus those of later RFCs (o: Event, r: Refer-To, b: Referred-By, u: Allow-Events, x: Session-Expires, y: Identity). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  m: 'Contact',
  f: 'From',
  t: 'To',
  v: 'Via',
  l: 'Content-Length',
  c: 'Content-Type',
  k: 'Supported',
  s: 'Subject',
  e: 'Content-Encoding',
  o: 'Event',
  r: 'Refer-To',
  b: 'Referred-By',
  u: 'Allow-Events',
  x: 'Session-Expires',
  y: 'Identity',
};

/** Header names with a canonical spelling (others keep the spelling they came with). */
export const KNOWN_HEADER_NAMES: readonly string[] = [
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Authentication-Info',
  'Authorization',
  'Call-ID',
  'Call-Info',
  'Contact',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Type',
  'CSeq',
  'Date',
  'Error-Info',
  'Event',
  'Expires',
  'From',
  'Identity',
  'In-Reply-To',
  'Max-Forwards',
  'Min-Expires',
  'MIME-Version',
  'Organization',
  'P-Asserted-Identity',
  'Priority',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Record-Route',
  'Refer-To',
  'Referred-By',
  'Replaces',
  'Reply-To',
  'Require',
  'Retry-After',
  'Route',
  'RSeq',
  'Server',
  'Session-Expires',
  'Subject',
  'Subscription-State',
  'Supported',
  'Timestamp',
  'To',
  'Unsupported',
  'User-Agent',
  'Via',
  'Warning',
  'WWW-Authenticate',
];

const CANONICAL: Record<string, string> = {};
for (const name of KNOWN_HEADER_NAMES) CANONICAL[name.toLowerCase()] = name;

/** The canonical spelling of a header name: compact forms expanded, known names re-cased. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) {
    const full = COMPACT_FORMS[lower];
    if (full) return full;
  }
  const known = CANONICAL[lower];
  if (known) return known;
  return name;
}

/** Headers whose values must not be split on commas (RFC 3261 7.3.1: the auth headers, and dates). */
export const NO_COMMA_SPLIT = new Set([
  'www-authenticate',
  'authorization',
  'proxy-authenticate',
  'proxy-authorization',
  'authentication-info',
  'date',
  'retry-after',
  'subject',
  'user-agent',
  'server',
  'organization',
  'call-id',
  'cseq',
  'content-type',
  'max-forwards',
  'content-length',
  'expires',
  'timestamp',
]);
