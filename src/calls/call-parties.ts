import type { SipRequest } from '../sip/message/message.ts';
import type { Uri } from '../sip/message/uri.ts';

/** Who called whom, as the webhooks report it (spec 1.7). */
export interface CallParties {
  /** The caller: a number with country code (no '+'), or the caller's SIP URI. */
  from: string;
  /** The called number or user: a number (no '+'), or the user part for SIP users. */
  to: string;
  /** The Request-URI's user part, which routing matches on. */
  user: string;
  /** The caller's display name, or its number/URI when it sent none. */
  callerName: string;
  /** The diverting party (Diversion, RFC 5806), when the carrier sent one. */
  forwardedFrom?: string;
  /** Custom headers (X-VH-* or X-PH-*), which travel as webhook parameters of the same name (spec 1.9). */
  customHeaders: Record<string, string>;
}

const PHONE = /^\+?[0-9]{3,20}$/;

/** A phone number as Vobiz writes it: digits with country code, no '+' or visual separators. */
function asNumber(user: string): string | undefined {
  const compact = user.replace(/[-.() ]/g, '');
  return PHONE.test(compact) ? compact.replace(/^\+/, '') : undefined;
}

function describe(uri: Uri): string {
  if (uri.scheme === 'tel') return asNumber(uri.opaque ?? uri.user ?? '') ?? uri.toString();
  const number = uri.user ? asNumber(decodeURIComponent(uri.user)) : undefined;
  return number ?? `${uri.scheme}:${uri.user ? `${uri.user}@` : ''}${uri.host}`;
}

/** Reads the parties of an inbound INVITE. */
export function callPartiesOf(invite: SipRequest): CallParties {
  const fromUri = invite.from.uri;
  const from = describe(fromUri);
  const user = invite.uri.user ? decodeURIComponent(invite.uri.user) : '';
  const to = asNumber(user) ?? user;
  const customHeaders: Record<string, string> = {};
  for (const h of invite.headers) {
    const lower = h.name.toLowerCase();
    if (lower.startsWith('x-vh-') || lower.startsWith('x-ph-')) {
      customHeaders[`${h.name.slice(0, 5).toUpperCase()}${h.name.slice(5)}`] = h.value;
    }
  }
  const diversion = invite.get('Diversion');
  const divertedUser = diversion?.match(/<?(?:sips?|tel):\+?([^@;>]+)/)?.[1];
  return {
    from,
    to,
    user,
    callerName: invite.from.displayName?.trim() || from,
    ...(divertedUser ? { forwardedFrom: asNumber(divertedUser) ?? divertedUser } : {}),
    customHeaders,
  };
}
