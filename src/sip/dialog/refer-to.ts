import { SipError } from '../errors.ts';
import type { SipRequest } from '../message/message.ts';
import type { NameAddr } from '../message/name-addr.ts';
import { headerParams } from '../message/params-parser.ts';
import { parseNameAddr } from '../message/parser.ts';
import type { Uri } from '../message/uri.ts';

/** A dialog named by a Replaces header (RFC 3891 6.1), tags as the recipient of the INVITE sees them. */
export interface ReplacesTarget {
  callId: string;
  /** The recipient's local tag. */
  toTag: string;
  /** The recipient's remote tag. */
  fromTag: string;
  /** `early-only`: replace only a dialog that is still early (RFC 3891 3). */
  earlyOnly: boolean;
}

/** What a REFER asks for (RFC 3515 2.1): the target, and the dialog it replaces for an attended transfer. */
export interface ReferTarget {
  /** The Refer-To URI without its embedded headers: where to send the INVITE. */
  uri: Uri;
  /** The Refer-To value as received, for logs and webhooks. */
  text: string;
  /** RFC 3891: the `Replaces` embedded in the Refer-To URI (an attended transfer). */
  replaces?: ReplacesTarget;
  /** Other embedded headers (RFC 3261 19.1.5), decoded; the INVITE carries the safe ones. */
  headers: Map<string, string>;
}

const SCHEMES: ReadonlySet<string> = new Set(['sip', 'sips', 'tel']);

/** Parses a Replaces header value: `callid;to-tag=x;from-tag=y[;early-only]`. Throws a SipError 400. */
export function parseReplaces(value: string): ReplacesTarget {
  let parsed: ReturnType<typeof headerParams>;
  try {
    parsed = headerParams(value);
  } catch {
    throw new SipError('PARSE', `bad Replaces: ${value}`, 400);
  }
  const toTag = parsed.params.get('to-tag');
  const fromTag = parsed.params.get('from-tag');
  const callId = parsed.value.trim();
  if (!callId || !toTag || !fromTag) throw new SipError('PARSE', `incomplete Replaces: ${value}`, 400);
  return { callId, toTag, fromTag, earlyOnly: parsed.params.has('early-only') };
}

/** A Replaces header value (RFC 3891 6.1). */
export function formatReplaces(r: ReplacesTarget): string {
  return `${r.callId};to-tag=${r.toTag};from-tag=${r.fromTag}${r.earlyOnly ? ';early-only' : ''}`;
}

/**
 * The Refer-To of a REFER (RFC 3515 2.1): exactly one, a name-addr or addr-spec with a
 * sip, sips or tel URI. Embedded headers are %-decoded (RFC 3261 19.1.1); a Replaces among
 * them makes an attended transfer (RFC 3891 5). Throws a SipError with status 400.
 */
export function parseReferTo(req: SipRequest): ReferTarget {
  const values = req.getAll('Refer-To');
  if (values.length !== 1) throw new SipError('PARSE', `expected one Refer-To, got ${values.length}`, 400);
  const text = values[0].trim();
  let addr: NameAddr;
  try {
    addr = parseNameAddr(text);
  } catch {
    throw new SipError('PARSE', `bad Refer-To: ${text}`, 400);
  }
  const uri = addr.uri.clone();
  if (!SCHEMES.has(uri.scheme) || addr.wildcard) {
    throw new SipError('PARSE', `Refer-To must be a sip, sips or tel URI: ${text}`, 400);
  }
  const headers = new Map<string, string>();
  for (const [name, raw] of uri.headers) headers.set(name.toLowerCase(), decode(raw));
  uri.headers.clear();
  // RFC 3515 2.1: a method other than INVITE is not a transfer.
  const method = uri.param('method');
  if (method && method.toUpperCase() !== 'INVITE') {
    throw new SipError('PARSE', `Refer-To asks for ${method}, only INVITE is taken`, 400);
  }
  uri.params.delete('method');
  const replacesText = headers.get('replaces');
  headers.delete('replaces');
  const out: ReferTarget = { uri, text, headers };
  if (replacesText !== undefined) out.replaces = parseReplaces(replacesText);
  return out;
}

/** RFC 4488: `Refer-Sub: false` asks for no implicit subscription. */
export function wantsNoSubscription(req: SipRequest): boolean {
  return req.get('Refer-Sub')?.trim().toLowerCase() === 'false';
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new SipError('PARSE', `bad escape in Refer-To header: ${s}`, 400);
  }
}
