import { canonicalName } from './header-names.ts';
import { oneLine } from './header-values.ts';
import type { SipMessage } from './message.ts';

/** Headers held in typed fields of the message; the rest stay raw text until asked for. */
export const EAGER = new Set([
  'via',
  'from',
  'to',
  'call-id',
  'cseq',
  'max-forwards',
  'contact',
  'route',
  'record-route',
  'content-length',
  'content-type',
]);

export function isEager(name: string): boolean {
  return EAGER.has(canonicalName(name).toLowerCase());
}

/** set(), add() and remove() are for raw headers; a typed one has its field. */
export function assertRaw(name: string): void {
  if (EAGER.has(name.toLowerCase())) {
    throw new TypeError(`${name} is a typed header: set the message field instead`);
  }
}

/** Where a typed header goes when the message was built rather than parsed. */
const EAGER_ORDER = [
  'Via',
  'Max-Forwards',
  'Route',
  'Record-Route',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Content-Type',
] as const;

/** The values of a typed header (`lower` is its lower-cased name) rendered from the message's fields. */
export function typedValues(msg: SipMessage, lower: string): string[] {
  switch (lower) {
    case 'via':
      return msg.via.map(String);
    case 'from':
      return msg.from ? [msg.from.toString()] : [];
    case 'to':
      return msg.to ? [msg.to.toString()] : [];
    case 'call-id':
      return msg.callId !== undefined ? [msg.callId] : [];
    case 'cseq':
      return msg.cseq ? [`${msg.cseq.seq} ${msg.cseq.method}`] : [];
    case 'max-forwards':
      return msg.maxForwards !== undefined ? [String(msg.maxForwards)] : [];
    case 'contact':
      return msg.contact.map(String);
    case 'route':
      return msg.route.map(String);
    case 'record-route':
      return msg.recordRoute.map(String);
    case 'content-type':
      return msg.contentType !== undefined ? [msg.contentType] : [];
    case 'content-length':
      return [String(msg.body.length)];
    default:
      return [];
  }
}

/** Serializes in header order, with a Content-Length computed from the body (RFC 3261 18.3). */
export function serialize(msg: SipMessage, startLine: string): Buffer {
  let head = `${startLine}\r\n`;
  const written = new Set<string>();
  const emitTyped = (lower: string, canon: string) => {
    if (written.has(lower)) return;
    written.add(lower);
    for (const v of typedValues(msg, lower)) head += `${canon}: ${v}\r\n`;
  };
  // Typed headers the message never had a line for go first, in the usual order.
  const present = new Set<string>();
  for (const h of msg.headers) present.add(h.name.toLowerCase());
  for (const canon of EAGER_ORDER) {
    const lower = canon.toLowerCase();
    if (!present.has(lower)) emitTyped(lower, canon);
  }
  // Content-Length goes where the message had it (a parsed message keeps its order), else last.
  let lengthWritten = false;
  for (const h of msg.headers) {
    const lower = h.name.toLowerCase();
    if (lower === 'content-length') {
      if (!lengthWritten) head += `Content-Length: ${msg.body.length}\r\n`;
      lengthWritten = true;
    } else if (EAGER.has(lower)) emitTyped(lower, canonicalName(h.name));
    else head += `${h.name}: ${oneLine(h.value)}\r\n`;
  }
  if (!lengthWritten) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  const headBuf = Buffer.from(head, 'utf8');
  return msg.body.length ? Buffer.concat([headBuf, msg.body]) : headBuf;
}
