import { Call, type CallEnd } from '../calls/call.ts';
import { callPartiesOf } from '../calls/call-parties.ts';
import { HANGUP_CAUSES } from '../calls/hangup-cause.ts';
import { InboundLeg } from '../calls/inbound-leg.ts';
import type { Application, CallRouter } from '../calls/routing.ts';
import type { SipRequest } from '../sip/message/message.ts';
import type { Uas } from '../sip/ua/uas.ts';
import type { ApplicationRecord, ApplicationStore } from '../store/types.ts';
import type { Logger } from '../util/log.ts';
import { CallFlow, type CallFlowDeps } from './call-flow.ts';
import { type CallLimits, RefusalLog } from './call-limits.ts';
import { dispositionOf } from './cdr.ts';
import type { LiveCalls } from './live-calls.ts';

/** An Application of the REST API as the call flow runs it. */
export function applicationOf(app: ApplicationRecord): Application {
  return {
    name: app.app_name,
    answerUrl: app.answer_url,
    answerMethod: app.answer_method,
    hangupUrl: app.hangup_url || app.answer_url,
    hangupMethod: app.hangup_method,
    fallbackMethod: app.fallback_method,
    ...(app.fallback_answer_url ? { fallbackUrl: app.fallback_answer_url } : {}),
    ...(app.sip_transfer_url
      ? { transferUrl: app.sip_transfer_url, transferMethod: app.sip_transfer_method }
      : {}),
  };
}

/**
 * How long a new call waits for its document to answer, pre-answer or reject it before the
 * caller is told 180 Ringing. A document that answers at once (a Speak, a Dial whose callee
 * answers before it rings) costs the caller no provisional response; a call that rings (a
 * slow answer URL, Wait first, a Dial whose callees have not answered) gets its 180 well
 * before the INVITE transaction's 100 Trying would go (200 ms, RFC 3261 17.2.1).
 */
export const RING_DELAY_MS = 100;

/**
 * Inbound INVITEs become calls: route by the Request-URI's user to an application (404
 * when none), set up the caller's media from the offer (488 when unusable), and run the
 * application's call flow, ringing the caller if it takes longer than RING_DELAY_MS. Live
 * calls are kept here until their hangup URL was told.
 */
export class InboundCalls {
  private readonly calls = new Map<string, Call>();
  private readonly flows = new Set<Promise<CallEnd>>();
  private closing = false;
  private readonly refusals: RefusalLog;

  constructor(
    private readonly router: CallRouter,
    private readonly deps: CallFlowDeps,
    private readonly log: Logger,
    private readonly live: LiveCalls,
    private readonly apps?: ApplicationStore,
    private readonly limits?: CallLimits,
  ) {
    this.refusals = new RefusalLog(log);
  }

  /** Calls up or ending (their hangup URL not yet told). */
  get size(): number {
    return this.calls.size;
  }

  get(uuid: string): Call | undefined {
    return this.calls.get(uuid);
  }

  /**
   * The application of a called user: one of the REST API's applications (the number
   * attached, else the default app), else the configuration's routes and default.
   */
  private async route(user: string): Promise<Application | undefined> {
    if (this.apps) {
      try {
        // The API keeps numbers without '+' (E.164 digits, as Vobiz writes them).
        const app = await this.apps.route(user.replace(/^\+/, ''));
        if (app?.enabled) return applicationOf(app);
      } catch (err) {
        this.log.warn({ err, user }, 'application store unavailable: routing by the configuration');
      }
    }
    return this.router.route(user);
  }

  async handle(req: SipRequest, uas: Uas): Promise<void> {
    if (this.closing) {
      uas.reject(503, { reason: 'Service Unavailable - shutting down' });
      return;
    }
    // Over capacity (rest-api 1.8): refused before anything is spent on the call. A 503 with
    // Retry-After tells a carrier or proxy to try another server or later (RFC 3261 21.5.4).
    const refusal = this.limits?.admit();
    if (refusal) {
      this.refusals.note(refusal, req.callId);
      uas.reject(503, {
        reason: `Service Unavailable - ${refusal.limitType} limit`,
        headers: { 'Retry-After': String(refusal.retryAfter) },
      });
      return;
    }
    const parties = callPartiesOf(req);
    const app = await this.route(parties.user);
    if (!app) {
      this.log.info({ callId: req.callId, to: parties.user }, 'INVITE for a user that routes nowhere: 404');
      uas.reject(404, { reason: 'Not Found' });
      return;
    }
    let leg: InboundLeg;
    try {
      leg = await InboundLeg.create(uas, this.deps.engine, this.log, `call ${req.callId}`);
    } catch (err) {
      this.log.info({ callId: req.callId, err: (err as Error).message }, 'INVITE refused: media');
      if (uas.state === 'proceeding') uas.reject(503, { reason: 'Service Unavailable - no media port' });
      return;
    }
    if (uas.cancelled) {
      await leg.hangup();
      return;
    }
    const call = new Call(parties, leg, this.log);
    this.calls.set(call.uuid, call);
    const entry = this.live.add({
      call_uuid: call.uuid,
      request_uuid: call.uuid,
      direction: 'inbound',
      from: parties.from,
      to: parties.to,
      caller_name: parties.callerName,
      call_status: 'ringing',
      initiated_at: call.startedAt.toISOString(),
    });
    entry.call = call;
    call.log.info({ from: parties.from, to: parties.to, app: app.name, callId: req.callId }, 'inbound call');
    const ringing = this.deps.clock.setTimer(RING_DELAY_MS, () => leg.ring());
    const callFlow = new CallFlow(call, app, this.deps);
    entry.flow = callFlow;
    const flow = callFlow.run();
    this.flows.add(flow);
    call.once('answered', () => this.live.setStatus(call.uuid, 'in-progress'));
    let end: CallEnd | undefined;
    try {
      end = await flow;
    } finally {
      ringing.cancel();
      this.flows.delete(flow);
      this.calls.delete(call.uuid);
      const source = uas.transaction.source;
      this.live.finish(call.uuid, {
        uuid: call.uuid,
        accountId: this.deps.authId,
        direction: 'inbound',
        from: parties.from,
        to: parties.to,
        callerName: parties.callerName,
        startedAt: call.startedAt,
        ...(call.answeredAt ? { answeredAt: call.answeredAt } : {}),
        endedAt: call.endedAt ?? new Date(),
        end: end ?? (call.end as CallEnd),
        disposition: end ? dispositionOf(end, call.answered, 'inbound') : 'send_bye',
        sipCallId: req.callId,
        userAgent: req.get('User-Agent') ?? '',
        networkAddr: `${source.address}:${source.port}`,
        stats: leg.endpoint.stats(),
      });
    }
  }

  /** Ends every live call and waits (bounded) for their hangup URLs to be told. */
  async close(): Promise<void> {
    this.closing = true;
    for (const call of this.calls.values()) {
      void call.hangup({
        cause: HANGUP_CAUSES.normal,
        source: 'Vobiz',
        detail: 'the server is shutting down',
        reject: { status: 503, reason: 'Service Unavailable - shutting down' },
      });
    }
    await Promise.allSettled([...this.flows]);
  }
}
