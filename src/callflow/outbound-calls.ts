import { randomUUID } from 'node:crypto';
import { Call, type CallEnd } from '../calls/call.ts';
import type { CallParties } from '../calls/call-parties.ts';
import { DialError } from '../calls/dialer.ts';
import { HANGUP_CAUSES } from '../calls/hangup-cause.ts';
import type { OutboundLeg } from '../calls/outbound-leg.ts';
import type { Application } from '../calls/routing.ts';
import type { TimerHandle } from '../util/clock.ts';
import { type Logger, lazyChild } from '../util/log.ts';
import { BLegCalls } from './bleg-calls.ts';
import { CallControlError, type MakeCallRequest } from './call-control.ts';
import { CallFlow, type CallFlowDeps } from './call-flow.ts';
import { CallLimitError, type CallLimits, RefusalLog } from './call-limits.ts';
import { dispositionOf } from './cdr.ts';
import { sendDialString } from './dial-string.ts';
import type { LiveCalls } from './live-calls.ts';
import { hangupParams, standardParams, webhookTime } from './params.ts';

const NUMBER = /^\+?[0-9*#]{2,32}$/;
const SIP_URI = /^sips?:[^\s<>"]+$/i;
/** time_limit is cut at 24 h (rest-api 2.1). */
const MAX_TIME_LIMIT_S = 86_400;

/** A destination as the webhooks and CDRs show it: a number without '+', or the SIP URI. */
function describe(dest: string): string {
  return NUMBER.test(dest) ? dest.replace(/^\+/, '') : dest;
}

/**
 * Calls the REST API places (rest-api 2.1): one per destination, each its own CallUUID. A call
 * is queued until its INVITE gets a provisional, ringing until answered; ring_url hears the
 * first ring, the answer_url document runs once the callee answers (Direction=outbound), and
 * hangup_url hears how it ended, answered or not.
 */
export class OutboundCalls {
  private readonly running = new Set<Promise<void>>();
  private closing = false;
  /** Dial B-legs given a document of their own (REST 2.9 legs=bleg): outbound calls too. */
  readonly bLegs: BLegCalls;

  private readonly refusals: RefusalLog;

  constructor(
    private readonly deps: CallFlowDeps,
    private readonly live: LiveCalls,
    private readonly log: Logger,
    private readonly limits?: CallLimits,
  ) {
    this.bLegs = new BLegCalls(deps, live, log);
    this.refusals = new RefusalLog(log);
  }

  /** Checks every destination, then starts them all; resolves with their UUIDs. */
  place(req: MakeCallRequest): string[] {
    if (this.closing) throw new CallControlError('UNAVAILABLE', 'the server is shutting down');
    for (const dest of req.to) {
      if (SIP_URI.test(dest)) continue;
      if (!NUMBER.test(dest))
        throw new CallControlError('BAD_REQUEST', `to: not a number or SIP URI: ${dest}`);
      if (!this.deps.dialer.hasTrunk) {
        throw new CallControlError(
          'BAD_REQUEST',
          `to: cannot call ${dest}: no PATCHBAY_OUTBOUND_PROXY (trunk) is configured for phone numbers`,
        );
      }
    }
    // Every destination is a call: all of them fit the limits, or none starts (rest-api 1.8).
    const refusal = this.limits?.admit(req.to.length);
    if (refusal) {
      this.refusals.note(refusal);
      throw new CallLimitError(refusal);
    }
    return req.to.map((dest) => {
      const uuid = randomUUID();
      const run = this.run(uuid, dest, req).catch((err) =>
        this.log.error({ err, callUuid: uuid }, 'outbound call failed'),
      );
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
      return uuid;
    });
  }

  /** Ends every call placed here and waits (bounded by their hangup URLs) for them. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.running, this.bLegs.close()]);
  }

  private async run(uuid: string, dest: string, req: MakeCallRequest): Promise<void> {
    const log = lazyChild(this.log, { callUuid: uuid });
    const from = req.from.replace(/^\+/, '');
    const to = describe(dest);
    const customHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.sipHeaders)) customHeaders[`X-VH-${k}`] = v;
    const parties: CallParties = {
      from,
      to,
      user: to,
      callerName: req.callerName ?? from,
      customHeaders,
    };
    const entry = this.live.add({
      call_uuid: uuid,
      request_uuid: uuid,
      direction: 'outbound',
      from,
      to,
      caller_name: req.callerName ?? '',
      call_status: 'queued',
      initiated_at: new Date().toISOString(),
      ...(req.parentCallUuid ? { parent_call_uuid: req.parentCallUuid } : {}),
    });
    const startedAt = new Date();
    let cancelled = false;
    entry.cancel = () => {
      cancelled = true;
    };
    let leg: OutboundLeg;
    try {
      leg = await this.deps.dialer.dial(
        { kind: SIP_URI.test(dest) ? 'User' : 'Number', address: dest, headers: customHeaders },
        { id: from, ...(req.callerName ? { name: req.callerName } : {}) },
      );
    } catch (err) {
      const routing = err instanceof DialError;
      log.warn({ to: dest, err: (err as Error).message }, 'outbound call not placed');
      const end: CallEnd = {
        cause: routing ? HANGUP_CAUSES.routingError : HANGUP_CAUSES.internalError,
        source: 'Error',
        detail: (err as Error).message,
      };
      await this.notifyUnplaced(uuid, parties, req, startedAt, end);
      this.live.finish(uuid, {
        uuid,
        accountId: this.deps.authId,
        direction: 'outbound',
        from,
        to,
        callerName: req.callerName ?? '',
        startedAt,
        endedAt: new Date(),
        end,
        disposition: 'send_refuse',
        sipCallId: '',
        userAgent: '',
        networkAddr: '',
      });
      return;
    }
    const call = new Call(parties, leg, log, { uuid, direction: 'outbound' });
    entry.call = call;
    entry.cancel = undefined;
    if (cancelled || this.closing) {
      void call.hangup({
        cause: HANGUP_CAUSES.canceled,
        source: 'API Request',
        detail: 'cancelled while queued',
      });
    }
    const app = this.application(req);
    const timers: TimerHandle[] = [];
    const clock = this.deps.clock;
    let progressAt: Date | undefined;
    const giveUp = (detail: string) =>
      void call.hangup({ cause: HANGUP_CAUSES.ringTimeout, source: 'Vobiz', detail });
    timers.push(clock.setTimer(req.ringTimeout * 1000, () => giveUp(`no answer in ${req.ringTimeout} s`)));
    leg.on('ringing', () => {
      if (progressAt) return;
      progressAt = new Date();
      this.live.setStatus(uuid, 'ringing');
      if (req.hangupOnRing !== undefined) {
        const s = req.hangupOnRing;
        timers.push(clock.setTimer(s * 1000, () => giveUp(`hangup_on_ring after ${s} s`)));
      }
      if (req.sendDigits && req.sendOnPreanswer) void this.sendDigits(call, req.sendDigits);
      if (req.ringUrl) void this.notifyRing(call, req.ringUrl, req.ringMethod, progressAt);
    });
    const answered = await leg.answered.then(
      () => true,
      () => false,
    );
    for (const t of timers) t.cancel();
    if (answered && !call.end) {
      await call.answer();
      this.live.setStatus(uuid, 'in-progress');
      const limit = Math.min(req.timeLimit, MAX_TIME_LIMIT_S);
      const timer = clock.setTimer(limit * 1000, () => {
        void call.hangup({
          cause: HANGUP_CAUSES.scheduledHangup,
          source: 'Vobiz',
          detail: `time_limit of ${limit} s reached`,
        });
      });
      call.onEnding(() => timer.cancel());
      if (req.sendDigits && !req.sendOnPreanswer) void this.sendDigits(call, req.sendDigits);
      log.info({ to: dest }, 'outbound call answered');
      const flow = new CallFlow(call, app, this.deps);
      entry.flow = flow;
      await flow.run();
    } else {
      // Never answered: no document ran; the hangup URL still hears how it ended.
      const end = await call.whenEnded();
      await this.deps.webhooks.notify({
        url: app.hangupUrl,
        method: app.hangupMethod,
        params: hangupParams(call, end, this.deps.authId),
        purpose: 'hangup',
        callUuid: uuid,
      });
    }
    const end = call.end as CallEnd;
    this.live.finish(uuid, {
      uuid,
      accountId: this.deps.authId,
      direction: 'outbound',
      from,
      to,
      callerName: req.callerName ?? '',
      startedAt,
      ...(progressAt ? { progressAt } : {}),
      ...(call.answeredAt ? { answeredAt: call.answeredAt } : {}),
      endedAt: call.endedAt ?? new Date(),
      end,
      disposition: dispositionOf(end, call.answered, 'outbound'),
      sipCallId: leg.callId,
      userAgent: '',
      networkAddr: leg.request.target
        ? `${leg.request.target.address}:${leg.request.target.port}`
        : leg.request.uri,
      ...(req.parentCallUuid ? { parentCallUuid: req.parentCallUuid } : {}),
      stats: leg.endpoint.stats(),
    });
  }

  private application(req: MakeCallRequest): Application {
    return {
      name: 'api',
      answerUrl: req.answerUrl,
      answerMethod: req.answerMethod,
      hangupUrl: req.hangupUrl ?? '',
      hangupMethod: req.hangupMethod,
      fallbackMethod: req.fallbackMethod,
      ...(req.fallbackUrl ? { fallbackUrl: req.fallbackUrl } : {}),
    };
  }

  private async sendDigits(call: Call, digits: string): Promise<void> {
    await sendDialString(call.endpoint, digits, {
      clock: this.deps.clock,
      signal: call.signal,
    }).catch((err) => call.log.info({ err: (err as Error).message }, 'send_digits failed'));
  }

  /** ring_url (rest-api 5.3), once, at the first 180/183. */
  private async notifyRing(call: Call, url: string, method: 'GET' | 'POST', at: Date): Promise<void> {
    const ms = String(at.getUTCMilliseconds() * 1000).padStart(6, '0');
    const params = standardParams(call, this.deps.authId);
    params.Event = 'Ring';
    params.CallStatus = 'ringing';
    params.SessionStart = `${webhookTime(at)}.${ms}`;
    await this.deps.webhooks.notify({
      url,
      method,
      params,
      purpose: 'callback',
      callUuid: call.uuid,
    });
  }

  /** hangup_url of a call whose INVITE never left (no trunk, no media port). */
  private async notifyUnplaced(
    uuid: string,
    parties: CallParties,
    req: MakeCallRequest,
    startedAt: Date,
    end: CallEnd,
  ): Promise<void> {
    if (!req.hangupUrl) return;
    const t = webhookTime(startedAt);
    await this.deps.webhooks.notify({
      url: req.hangupUrl,
      method: req.hangupMethod,
      params: {
        CallUUID: uuid,
        RequestUUID: uuid,
        ALegUUID: uuid,
        ALegRequestUUID: uuid,
        From: parties.from,
        To: parties.to,
        CallerName: parties.callerName,
        Direction: 'outbound',
        Event: 'Hangup',
        CallStatus: 'failed',
        HangupCause: end.cause.text,
        HangupCauseCode: String(end.cause.code),
        HangupCauseName: end.cause.name,
        HangupSource: end.source,
        Duration: '0',
        BillDuration: '0',
        StartTime: t,
        AnswerTime: '',
        EndTime: webhookTime(new Date()),
        ParentAuthID: this.deps.authId,
        ...parties.customHeaders,
      },
      purpose: 'hangup',
      callUuid: uuid,
    });
  }
}
