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

/** Lower-cased name of each EAGER_ORDER entry, by index. */
const ORDER_LOWER: readonly string[] = EAGER_ORDER.map((c) => c.toLowerCase());
/** Bit of each typed header of EAGER_ORDER, by lower-cased name. */
const ORDER_BIT: ReadonlyMap<string, number> = new Map(ORDER_LOWER.map((l, i) => [l, 1 << i]));
const ALL_TYPED = (1 << EAGER_ORDER.length) - 1;

/** The lines of a typed header (`lower` is its lower-cased name), `canon` as the written name. */
function typedLines(msg: SipMessage, lower: string, canon: string): string {
  switch (lower) {
    case 'via':
    case 'contact':
    case 'route':
    case 'record-route': {
      const list: ReadonlyArray<{ toString(): string }> =
        lower === 'via'
          ? msg.via
          : lower === 'contact'
            ? msg.contact
            : lower === 'route'
              ? msg.route
              : msg.recordRoute;
      let out = '';
      for (let i = 0; i < list.length; i++) out += `${canon}: ${list[i].toString()}\r\n`;
      return out;
    }
    case 'from':
      return msg.from ? `${canon}: ${msg.from.toString()}\r\n` : '';
    case 'to':
      return msg.to ? `${canon}: ${msg.to.toString()}\r\n` : '';
    case 'call-id':
      return msg.callId !== undefined ? `${canon}: ${msg.callId}\r\n` : '';
    case 'cseq':
      return msg.cseq ? `${canon}: ${msg.cseq.seq} ${msg.cseq.method}\r\n` : '';
    case 'max-forwards':
      return msg.maxForwards !== undefined ? `${canon}: ${msg.maxForwards}\r\n` : '';
    case 'content-type':
      return msg.contentType !== undefined ? `${canon}: ${msg.contentType}\r\n` : '';
    case 'content-length':
      return `${canon}: ${msg.body.length}\r\n`;
    default:
      return '';
  }
}

/**
 * Serializes in header order, with a Content-Length computed from the body (RFC 3261 18.3):
 * typed headers the message has no line for first (in the usual order), then every line in
 * order (a typed header written once, where its first line was), Content-Length where the
 * message had it, else last.
 */
export function serialize(msg: SipMessage, startLine: string): Buffer {
  let head = `${startLine}\r\n`;
  const headers = msg.headers;
  // Typed headers with a line of their own (a parsed message keeps its order).
  let present = 0;
  for (let i = 0; i < headers.length; i++) {
    const bit = ORDER_BIT.get(headers[i].name.toLowerCase());
    if (bit !== undefined) present |= bit;
  }
  let written = present ^ ALL_TYPED;
  for (let k = 0; k < ORDER_LOWER.length; k++) {
    if ((present & (1 << k)) === 0) head += typedLines(msg, ORDER_LOWER[k], EAGER_ORDER[k]);
  }
  let lengthWritten = false;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    const lower = h.name.toLowerCase();
    if (lower === 'content-length') {
      if (!lengthWritten) head += `Content-Length: ${msg.body.length}\r\n`;
      lengthWritten = true;
      continue;
    }
    const bit = ORDER_BIT.get(lower);
    if (bit !== undefined) {
      if ((written & bit) === 0) {
        written |= bit;
        head += typedLines(msg, lower, canonicalName(h.name));
      }
    } else if (EAGER.has(lower)) {
      // A typed header outside EAGER_ORDER (none today): rendered like the others.
      head += typedLines(msg, lower, canonicalName(h.name));
    } else head += `${h.name}: ${oneLine(h.value)}\r\n`;
  }
  if (!lengthWritten) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  const body = msg.body;
  if (body.length === 0) return Buffer.from(head, 'utf8');
  const n = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(n + body.length);
  out.write(head, 0, 'utf8');
  body.copy(out, n);
  return out;
}
