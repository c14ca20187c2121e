import { ACCEPTED_TYPES, KNOWN_METHODS, SUPPORTED_OPTIONS } from '../dialog/capabilities.ts';
import type { ExtraHeaders } from '../dialog/message-content.ts';
import type { SipRequest } from '../message/message.ts';

/** A request refused before it reaches a dialog or the application. */
export interface Rejection {
  status: number;
  reason?: string;
  headers?: ExtraHeaders;
}

const SCHEMES: ReadonlySet<string> = new Set(['sip', 'sips', 'tel']);

/**
 * The checks of a UAS core before anything else (RFC 3261 8.2, in its order; RFC 4475 3.3):
 * - an unknown method -> 501 (8.2.1; the torture message intmeth);
 * - a Request-URI scheme other than sip/sips/tel -> 416 (8.2.2.1; unkscm, novelsc);
 * - Max-Forwards 0 on anything but OPTIONS -> 483 (zeromf: a UAS may answer that OPTIONS);
 * - Require with option tags we do not support -> 420 with Unsupported (8.2.2.3; bext01);
 *   not for CANCEL and ACK, and Proxy-Require is a proxy's business;
 * - an INVITE whose body is neither application/sdp nor multipart holding it -> 415 with
 *   Accept, a Content-Encoding other than identity -> 415 with Accept-Encoding (8.2.3; invut);
 * - an INVITE with several Contacts or `*` -> 400 (8.1.1.8: one remote target). A missing
 *   Contact is accepted, as RFC 2543 allowed (RFC 4475 3.4.1, inv2543): the From URI is the target.
 */
export function checkRequest(req: SipRequest): Rejection | undefined {
  const method = req.method;
  if (!KNOWN_METHODS.has(method)) return { status: 501 };
  if (!SCHEMES.has(req.uri.scheme)) return { status: 416 };
  if (req.maxForwards === 0 && method !== 'OPTIONS') return { status: 483 };
  if (method !== 'CANCEL' && method !== 'ACK') {
    const unsupported = unsupportedOptions(req);
    if (unsupported.length > 0) return { status: 420, headers: { Unsupported: unsupported.join(', ') } };
  }
  if (method === 'INVITE') {
    const encoding = req.get('Content-Encoding');
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return { status: 415, headers: { 'Accept-Encoding': 'identity' } };
    }
    if (!isSessionBody(req)) return { status: 415, headers: { Accept: ACCEPTED_TYPES } };
    if (req.contact.length > 1 || req.contact[0]?.wildcard) {
      return { status: 400, reason: 'Bad Request - an INVITE needs a single Contact' };
    }
  }
  return undefined;
}

/** Option tags of Require that are not in SUPPORTED_OPTIONS (compared as tokens, case-insensitively). */
export function unsupportedOptions(req: SipRequest): string[] {
  const out: string[] = [];
  if (req.get('Require') === undefined) return out; // the common case, without splitting
  for (const tag of req.getList('Require')) {
    if (!SUPPORTED_OPTIONS.includes(tag.toLowerCase())) out.push(tag);
  }
  return out;
}

/** No body, an SDP body, or a multipart body with an SDP part (RFC 5621). */
function isSessionBody(req: SipRequest): boolean {
  const type = req.contentType;
  if (type === undefined) return true;
  const semi = type.indexOf(';');
  const media = (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase();
  if (media === ACCEPTED_TYPES) return true;
  if (!media.startsWith('multipart/')) return req.body.length === 0;
  return req.body.toString('latin1').toLowerCase().includes(ACCEPTED_TYPES);
}
