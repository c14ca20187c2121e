import type { DialVerb, NumberTarget, UserTarget } from '../../../schemas/xml/index.ts';
import { DialError } from '../../calls/dialer.ts';
import type { OutboundLeg } from '../../calls/outbound-leg.ts';
import type { Uri } from '../../sip/message/uri.ts';
import type { VerbContext } from '../verb.ts';
import type { AttemptEnd } from './dial-status.ts';

/** A `<Number>` or `<User>` of a Dial, or the target a 3xx redirect pointed to. */
export type DialTargetSpec = NumberTarget | UserTarget;

/** One B-leg a Dial tries: its target, the leg once the INVITE is out, how it ended. */
export interface Attempt {
  target: DialTargetSpec;
  leg?: OutboundLeg;
  end?: AttemptEnd;
  /** 0 for a target of the document, n for one reached through n redirects (3xx). */
  hop: number;
}

/** Who the B-legs say is calling (Dial callerId / callerName, else the caller's own). */
export interface DialCaller {
  id: string;
  name?: string;
}

/** Digest credentials of a Number/User (sipAuthUsername/sipAuthPassword), answering a 401/407. */
export function authOf(t: DialTargetSpec): { username: string; password: string } | undefined {
  return t.sipAuthUsername !== undefined
    ? { username: t.sipAuthUsername, password: t.sipAuthPassword ?? '' }
    : undefined;
}

/** The target a 3xx Contact stands for: a tel: number through the trunk, a SIP URI directly. */
export function redirected(from: DialTargetSpec, uri: Uri): DialTargetSpec {
  const u = uri.clone();
  u.headers.clear();
  if (u.scheme === 'tel') return { ...from, kind: 'Number', number: u.user ?? '' };
  return { ...from, kind: 'User', uri: u.toString() };
}

/** The phone number or SIP URI of a target. */
export function addressOf(t: DialTargetSpec): string {
  return t.kind === 'Number' ? t.number : t.uri;
}

/** Custom headers as X-VH-<name> (spec 1.9: emit X-VH-). Later sets win. */
export function customHeaders(...sets: Array<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const set of sets) for (const [k, v] of Object.entries(set)) out[`X-VH-${k}`] = v;
  return out;
}

/**
 * Sends the INVITE of one attempt (sets `a.leg`). A routing failure (no trunk, a bad target)
 * or a media failure (no RTP port) ends the attempt at once (`a.end`); it never throws.
 */
export async function placeAttempt(
  a: Attempt,
  verb: DialVerb,
  caller: DialCaller,
  ctx: Pick<VerbContext, 'dialer' | 'log'>,
): Promise<void> {
  const auth = authOf(a.target);
  try {
    a.leg = await ctx.dialer.dial(
      {
        kind: a.target.kind,
        address: addressOf(a.target),
        headers: customHeaders(verb.sipHeaders, a.target.sipHeaders),
        ...(auth ? { auth } : {}),
      },
      caller,
    );
  } catch (err) {
    const routing = err instanceof DialError;
    ctx.log.warn({ target: a.target.path, err: (err as Error).message }, 'Dial target not called');
    a.end = { error: routing ? 'routing' : 'media' };
  }
}
