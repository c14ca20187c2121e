import type { RedirectBudget } from '../../calls/dialer.ts';
import type { OutboundLeg } from '../../calls/outbound-leg.ts';
import type { VerbContext } from '../verb.ts';
import type { AttemptEnd } from './dial-status.ts';
import { type Attempt, redirected } from './targets.ts';

export interface RingOptions {
  /** Every attempt of the Dial; attempts for 3xx Contacts are appended. */
  attempts: Attempt[];
  /** The Dial's ring timeout in seconds (spec 2.5 `timeout`); none: ring until a final answer. */
  timeoutSec?: number;
  redirects: RedirectBudget;
  ctx: Pick<VerbContext, 'clock' | 'signal' | 'log'>;
  /** Sends the INVITE of a new attempt (a redirect's Contact). */
  place(a: Attempt): Promise<void>;
  /** A B-leg sent 180/183. */
  onRinging(leg: OutboundLeg, early: boolean): void;
  /** A B-leg answered (before confirmation): the DialAction=answer callback. */
  onAnswered(leg: OutboundLeg): void;
  /** confirmSound/confirmKey: resolves true when the answered leg is to be connected. */
  confirm(leg: OutboundLeg): Promise<boolean>;
}

/**
 * Parallel ringing (spec 2.5): every placed attempt rings at once until one answers (and
 * confirms), all fail, the ring timer fires, or the caller leaves; the others are then
 * CANCELled (or get BYE). A 3xx starts attempts for its Contacts (RFC 3261 8.1.3.4, within
 * the RedirectBudget). Resolves with the winner, or undefined; each loser's `end` says why.
 */
export function ringAll(o: RingOptions): Promise<OutboundLeg | undefined> {
  const { ctx } = o;
  const live = o.attempts.filter((a) => a.leg && !a.end);
  if (live.length === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let settled = false;
    let pending = live.length;
    const timer =
      o.timeoutSec !== undefined
        ? ctx.clock.setTimer(o.timeoutSec * 1000, () => stopAll({ ringTimeout: true }))
        : undefined;
    const onCallerGone = () => stopAll({ callerGone: true });
    ctx.signal.addEventListener('abort', onCallerGone, { once: true });
    const done = (winner: OutboundLeg | undefined) => {
      if (settled) return;
      settled = true;
      timer?.cancel();
      ctx.signal.removeEventListener('abort', onCallerGone);
      for (const a of live) if (a.leg !== winner && a.leg && a.leg.state !== 'ended') void a.leg.hangup();
      resolve(winner);
    };
    const stopAll = (why: AttemptEnd) => {
      for (const a of live) if (!a.end && a.leg?.state !== 'answered') a.end = why;
      done(undefined);
    };
    const failed = () => {
      pending--;
      if (pending === 0) done(undefined);
    };
    const follow = async (a: Attempt, leg: OutboundLeg): Promise<void> => {
      const next = o.redirects.next(leg.redirects, a.hop + 1);
      ctx.log.info(
        { target: a.target.path, status: leg.ended?.status, next: next.length },
        'Dial redirected',
      );
      const more = next.map((uri): Attempt => ({ target: redirected(a.target, uri), hop: a.hop + 1 }));
      o.attempts.push(...more);
      pending += more.length;
      await Promise.all(more.map((m) => o.place(m)));
      for (const m of more) {
        if (settled && m.leg) void m.leg.hangup();
        else if (m.leg && !m.end) track(m);
        else failed();
      }
      failed(); // the redirected attempt itself
    };
    const track = (a: Attempt) => {
      const leg = a.leg as OutboundLeg;
      live.push(a);
      leg.on('ringing', (early) => o.onRinging(leg, early));
      leg.answered.then(
        async () => {
          if (settled) return;
          o.onAnswered(leg);
          if (!(await o.confirm(leg))) {
            a.end = { error: 'confirm' };
            void leg.hangup();
            failed();
            return;
          }
          done(leg);
        },
        () => {
          a.end ??= { ...(leg.ended?.status ? { status: leg.ended.status } : {}) };
          if (!settled && leg.redirects.length > 0) void follow(a, leg);
          else failed();
        },
      );
    };
    for (const a of live.splice(0)) track(a);
  });
}
