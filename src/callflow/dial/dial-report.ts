import type { DialVerb } from '../../../schemas/xml/index.ts';
import { HANGUP_CAUSES, type HangupCause, type HangupSource } from '../../calls/hangup-cause.ts';
import type { OutboundLeg } from '../../calls/outbound-leg.ts';
import { NEXT, toAction, type VerbContext, type VerbOutcome, type WebhookParams } from '../verb.ts';
import { type AttemptEnd, attemptOutcome, type DialStatus, overallStatus } from './dial-status.ts';

/** DialAction values of callbackUrl (spec 2.5). */
export type DialCallbackAction = 'answer' | 'connected' | 'hangup' | 'digits';

/**
 * How a connected B-leg's part in the Dial ended, when its own end does not tell: timeLimit
 * (6000), or the leg taken away still up (a transfer: Normal Hangup by whoever took it).
 */
export interface BLegEnd {
  cause: HangupCause;
  source?: HangupSource;
}

/** What the report needs to know of the attempts: whether one rang, how the failed ones ended. */
export interface AttemptView {
  leg?: OutboundLeg;
  end?: AttemptEnd;
}

/**
 * What a Dial tells the application (spec 2.5): the callbackUrl events (DialAction answer,
 * connected, digits, hangup) and, when it is over, the `action` with DialStatus,
 * DialRingStatus, DialHangupCause and the A/B leg UUIDs.
 */
export class DialReport {
  private readonly aLegUuid: string;

  constructor(
    private readonly verb: DialVerb,
    private readonly ctx: VerbContext,
    private readonly attempts: readonly AttemptView[],
  ) {
    this.aLegUuid = ctx.callUuid;
  }

  /** The DialStatus when no attempt was connected: the most telling of their ends. */
  failedStatus(): DialStatus {
    return overallStatus(this.attempts.map((a) => attemptOutcome(a.end ?? {}).status));
  }

  /** Tells callbackUrl (hangup) and action how the dial went; decides what the call does next. */
  async finish(status: DialStatus, leg: OutboundLeg | undefined, bEnd?: BLegEnd): Promise<VerbOutcome> {
    const { verb, ctx } = this;
    const attempt = leg ? undefined : this.attempts.find((a) => a.end);
    const hangupCause =
      bEnd?.cause ??
      (leg
        ? leg.ended?.by === 'remote' || leg.ended?.by === 'local'
          ? HANGUP_CAUSES.normal
          : HANGUP_CAUSES.networkError
        : attemptOutcome(attempt?.end ?? {}).cause);
    if (leg) this.callback('hangup', leg, this.hangupFields(leg, hangupCause, bEnd?.source));
    if (!verb.action) return NEXT;
    const params: WebhookParams = {
      DialStatus: status,
      DialRingStatus: String(this.attempts.some((a) => a.leg?.ringed || a.leg?.answeredAt)),
      DialHangupCause: hangupCause.text,
      DialALegUUID: this.aLegUuid,
      DialBLegUUID: leg?.uuid ?? '',
    };
    return toAction(ctx, { url: verb.action, method: verb.method, redirect: verb.redirect }, params);
  }

  /** A Dial callbackUrl event (spec 2.5), sent in the background. */
  callback(action: DialCallbackAction, leg: OutboundLeg, extra: WebhookParams = {}): void {
    const { verb, ctx } = this;
    if (!verb.callbackUrl) return;
    const status = action === 'digits' ? 'connected' : action;
    ctx.background(
      ctx.notify(verb.callbackUrl, verb.callbackMethod, {
        DialAction: action,
        DialBLegStatus: status,
        DialALegUUID: this.aLegUuid,
        DialBLegUUID: leg.uuid,
        DialBLegFrom: ctx.params().From ?? '',
        DialBLegTo: leg.request.uri,
        ...extra,
      }),
    );
  }

  private hangupFields(leg: OutboundLeg, cause: HangupCause, source?: HangupSource): WebhookParams {
    // A leg taken away still up (a transfer) left the Dial now, not when it ends.
    const end = leg.endedAt ?? new Date();
    const secs = leg.answeredAt ? Math.ceil((end.getTime() - leg.answeredAt.getTime()) / 1000) : 0;
    const by =
      source ??
      (leg.ended?.by === 'remote'
        ? 'Callee'
        : leg.ended?.by === 'local'
          ? this.ctx.signal.aborted
            ? 'Caller'
            : 'Vobiz'
          : 'Error');
    return {
      DialBLegDuration: String(secs),
      DialBLegBillDuration: String(secs),
      DialBLegHangupCauseName: cause.name,
      DialBLegHangupCauseCode: String(cause.code),
      DialBLegHangupSource: by,
    };
  }
}
