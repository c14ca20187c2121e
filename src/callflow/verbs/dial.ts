import type { DialVerb } from '../../../schemas/xml/index.ts';
import { RedirectBudget } from '../../calls/dialer.ts';
import { HANGUP_CAUSES, type HangupSource } from '../../calls/hangup-cause.ts';
import { OutboundLeg } from '../../calls/outbound-leg.ts';
import { confirmCallee } from '../dial/confirm.ts';
import { type BridgeEndReason, DialBridge } from '../dial/dial-bridge.ts';
import { type BLegEnd, DialReport } from '../dial/dial-report.ts';
import { ringAll } from '../dial/ring.ts';
import { Ringback } from '../dial/ringback.ts';
import { sendDigits } from '../dial/send-digits.ts';
import { type Attempt, addressOf, type DialCaller, placeAttempt } from '../dial/targets.ts';
import type { VerbContext, VerbHandler, VerbOutcome } from '../verb.ts';

/**
 * `<Dial>` (spec 2.5): rings every Number/User at once, connects the caller to the first
 * that answers (and confirms, with confirmSound/confirmKey), cancels the others, bridges
 * the media, and when either side leaves (or timeLimit, or `*` with hangupOnStar) tells
 * `action` how it went. The caller hears the callee's early media, a ringback tone, or the
 * dialMusic document while it rings; the call is answered when the callee answers.
 *
 * The stages live in ../dial/: targets (INVITEs, auth, redirects), ring (parallel ringing),
 * ringback, confirm, dial-bridge (the connected call and its transfers), dial-report
 * (callbackUrl and action).
 */
export const dialVerb: VerbHandler<DialVerb> = {
  // Unanswered: early media waits for a B-leg to ring (Ringback), the caller keeps its 180.
  needs: (_verb, call) => (call.answered ? 'answered' : 'none'),
  run: (verb, ctx) => new DialRun(verb, ctx).run(),
};

class DialRun {
  private readonly attempts: Attempt[];
  private readonly report: DialReport;

  constructor(
    private readonly verb: DialVerb,
    private readonly ctx: VerbContext,
  ) {
    this.attempts = verb.targets.map((target) => ({ target, hop: 0 }));
    this.report = new DialReport(verb, ctx, this.attempts);
  }

  async run(): Promise<VerbOutcome> {
    const { verb, ctx } = this;
    const params = ctx.params();
    const caller: DialCaller = {
      id: verb.callerId ?? params.From ?? 'patchbay',
      name: verb.callerName ?? params.CallerName,
    };
    const place = (a: Attempt) => placeAttempt(a, verb, caller, ctx);
    await Promise.all(this.attempts.map(place));
    const ringback = new Ringback(verb, ctx);
    const winner = await ringAll({
      attempts: this.attempts,
      ...(verb.timeout !== undefined ? { timeoutSec: verb.timeout } : {}),
      redirects: new RedirectBudget(verb.targets.map(addressOf)),
      ctx,
      place,
      onRinging: (leg, early) => ringback.onRinging(leg, early),
      onAnswered: (leg) => this.report.callback('answer', leg),
      confirm: (leg) => confirmCallee(verb, leg, ctx),
    });
    ringback.stop();
    if (!winner) return this.report.finish(this.report.failedStatus(), undefined);
    return this.connect(winner);
  }

  /** The caller is answered (if not yet) and talks to `leg` until the bridge is over. */
  private async connect(leg: OutboundLeg): Promise<VerbOutcome> {
    const { ctx } = this;
    try {
      await ctx.answer();
    } catch {
      void leg.hangup();
      return this.report.finish('cancel', leg);
    }
    const bridge = new DialBridge(
      {
        verb: this.verb,
        ctx,
        onDigitsMatch: (match) =>
          this.report.callback('digits', leg, { DialDigitsMatch: match, DialDigitsPressedBy: 'ALeg' }),
      },
      leg,
    );
    this.report.callback('connected', leg);
    const target = this.attempts.find((a) => a.leg === leg)?.target;
    if (target?.sendDigits) ctx.background(sendDigits(leg, target.sendDigits, ctx));
    const { reason, peer, detachedBy } = await bridge.run();
    // The action hears about the last B-leg we placed (a transfer target replaces the winner).
    const last = peer instanceof OutboundLeg ? peer : leg;
    ctx.log.info({ reason, bLeg: last.uuid }, 'Dial ended');
    return this.report.finish('completed', last, bLegEnd(reason, detachedBy));
  }
}

/**
 * What the Dial's callbacks say of a B-leg whose own end does not tell: timeLimit, or a peer
 * that left still up. The latter is reported as a bridge that ended normally (DialStatus
 * completed, NORMAL_CLEARING, 4000) by whoever took it: `API Request` for REST 2.9 legs=bleg.
 */
function bLegEnd(reason: BridgeEndReason, detachedBy: HangupSource | undefined): BLegEnd | undefined {
  if (reason === 'time-limit') return { cause: HANGUP_CAUSES.scheduledHangup };
  if (reason === 'transferred') return { cause: HANGUP_CAUSES.normal, source: detachedBy ?? 'Vobiz' };
  return undefined;
}
