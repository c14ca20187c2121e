import type { ReferVerb } from '../../../schemas/xml/index.ts';
import type { OutboundLeg } from '../../calls/outbound-leg.ts';
import { type ReferOutcome, sendRefer } from '../../sip/dialog/refer-client.ts';
import { formatReplaces } from '../../sip/dialog/refer-to.ts';
import { NEXT, toAction, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/** ReferStatus values told to `action`. */
export type ReferStatus = 'completed' | 'failed' | 'refused' | 'timeout';

/** Custom headers of the REFER as X-PH-<name> (spec 1.9). */
function referHeaders(verb: ReferVerb): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(verb.sipHeaders)) out[`X-PH-${k}`] = v;
  return out;
}

function statusOf(o: ReferOutcome): ReferStatus {
  if (o.result === 'completed') return 'completed';
  // The peer may hang up on us as soon as its new call is up, before or instead of the final NOTIFY.
  if (o.result === 'ended' && o.sipStatus !== undefined && o.sipStatus >= 200 && o.sipStatus < 300)
    return 'completed';
  if (o.result === 'refused' || o.result === 'timeout') return o.result;
  return 'failed';
}

/**
 * `<Refer>` (Patchbay extension): asks the caller's side to transfer the call itself with a
 * SIP REFER (RFC 3515) and waits for the NOTIFY with the final status (`timeout` seconds).
 * - blind: Refer-To is the target;
 * - attended: Patchbay first calls the target (User/Number rules: tel: through the trunk),
 *   and once it answered REFERs with Replaces naming that call (RFC 3891), so the caller's
 *   side replaces Patchbay's call with the target. A target that does not answer within
 *   `timeout` (CANCEL) or refuses is a `failed` Refer, with no REFER sent; ReferSipStatus is
 *   then the target's refusal (e.g. 486), or empty.
 * `action` hears ReferStatus (completed / failed / refused / timeout), ReferSipStatus,
 * ReferTo and ReferMode. On success Patchbay's leg is released (BYE) and the call ends
 * (Normal Hangup); on failure (4xx-6xx to the REFER, a failed or missing final NOTIFY) the
 * document goes on: with `action` and redirect="true" its XML takes over, otherwise the next
 * verb runs.
 */
export const referVerb: VerbHandler<ReferVerb> = {
  needs: 'answered',
  run: (verb, ctx) => runRefer(verb, ctx),
};

async function runRefer(verb: ReferVerb, ctx: VerbContext): Promise<VerbOutcome> {
  const dialog = ctx.dialer.transfers?.legOf(ctx.callUuid)?.sipDialog;
  let outcome: ReferOutcome = { result: 'failed', referStatus: 0 };
  let consult: OutboundLeg | undefined;
  if (dialog?.state !== 'confirmed') {
    ctx.log.warn('Refer: the call has no SIP dialog to send REFER in');
  } else if (verb.mode === 'attended') {
    const called = await callTarget(verb, ctx);
    consult = called.leg;
    // The target's own refusal (486 busy, 603 ...) is the status the action hears.
    if (called.status !== undefined) outcome = { result: 'failed', referStatus: 0, sipStatus: called.status };
    const d = consult?.sipDialog;
    if (consult && d) {
      // RFC 3891: the tags as the target (the recipient of the INVITE with Replaces) sees them.
      const replaces = formatReplaces({
        callId: d.callId,
        toTag: d.remoteTag,
        fromTag: d.localTag,
        earlyOnly: false,
      });
      const bridge = ctx.engine.bridge(ctx.endpoint, consult.endpoint);
      outcome = await sendRefer(dialog, {
        referTo: `<${d.remoteTarget.toString()}?Replaces=${encodeURIComponent(replaces)}>`,
        headers: referHeaders(verb),
        timeoutMs: verb.timeout * 1000,
      });
      bridge.destroy();
    }
  } else {
    outcome = await sendRefer(dialog, {
      referTo: `<${verb.target}>`,
      headers: referHeaders(verb),
      timeoutMs: verb.timeout * 1000,
    });
  }
  const status = statusOf(outcome);
  // Attended: once replaced, the target ends our call to it; otherwise it is ours to end.
  if (consult && status !== 'completed') await consult.hangup();
  const sip = outcome.sipStatus ?? (outcome.referStatus || undefined);
  const params = {
    ReferStatus: status,
    ReferSipStatus: sip === undefined ? '' : String(sip),
    ReferTo: verb.target,
    ReferMode: verb.mode,
  };
  ctx.log.info({ ...params, result: outcome.result }, 'Refer done');
  if (status === 'completed') {
    if (verb.action) ctx.background(ctx.notify(verb.action, verb.method, params));
    if (consult) ctx.background(releaseLater(consult, ctx));
    return { kind: 'hangup', cause: 'normal', source: 'Answer XML' };
  }
  if (!verb.action) return NEXT;
  return toAction(ctx, { url: verb.action, method: verb.method, redirect: verb.redirect }, params);
}

/**
 * Calls the target of an attended Refer: `leg` once it answered; otherwise no leg, with
 * `status` when the target itself refused (its 3xx-6xx final), none when it did not answer
 * within `timeout` (we cancelled), the caller left, or it could not be called.
 */
async function callTarget(
  verb: ReferVerb,
  ctx: VerbContext,
): Promise<{ leg?: OutboundLeg; status?: number }> {
  const tel = verb.target.startsWith('tel:');
  let leg: OutboundLeg;
  try {
    leg = await ctx.dialer.dial(
      { kind: tel ? 'Number' : 'User', address: tel ? verb.target.slice(4) : verb.target },
      { id: ctx.params().From ?? 'patchbay' },
    );
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'Refer: the target could not be called');
    return {};
  }
  const answered = await new Promise<boolean>((resolve) => {
    const finish = (ok: boolean) => {
      timer.cancel();
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const timer = ctx.clock.setTimer(verb.timeout * 1000, () => finish(false));
    const onAbort = () => finish(false);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    leg.answered.then(
      () => finish(true),
      () => finish(false),
    );
  });
  if (!answered || leg.state !== 'answered') {
    const refused = leg.ended?.by === 'remote' ? leg.ended.status : undefined;
    await leg.hangup();
    ctx.log.info({ status: refused }, 'Refer: the target did not take the consultation call');
    return refused !== undefined ? { status: refused } : {};
  }
  return { leg };
}

/** The replaced call normally gets its BYE from the target; this ends it if it did not within 5 s. */
async function releaseLater(leg: OutboundLeg, ctx: VerbContext): Promise<void> {
  if (leg.state === 'ended') return;
  await new Promise<void>((resolve) => {
    const timer = ctx.clock.setTimer(5000, () => resolve());
    leg.once('end', () => {
      timer.cancel();
      resolve();
    });
  });
  await leg.hangup();
}
