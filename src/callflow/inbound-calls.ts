import { Call, type CallEnd } from '../calls/call.ts';
import { callPartiesOf } from '../calls/call-parties.ts';
import { HANGUP_CAUSES } from '../calls/hangup-cause.ts';
import { InboundLeg } from '../calls/inbound-leg.ts';
import type { CallRouter } from '../calls/routing.ts';
import type { SipRequest } from '../sip/message/message.ts';
import type { Uas } from '../sip/ua/uas.ts';
import type { Logger } from '../util/log.ts';
import { CallFlow, type CallFlowDeps } from './call-flow.ts';

/**
 * Inbound INVITEs become calls: route by the Request-URI's user to an application (404
 * when none), set up the caller's media from the offer (488 when unusable), ring, and run
 * the application's call flow. Live calls are kept here until their hangup URL was told.
 */
export class InboundCalls {
  private readonly live = new Map<string, Call>();
  private readonly flows = new Set<Promise<CallEnd>>();
  private closing = false;

  constructor(
    private readonly router: CallRouter,
    private readonly deps: CallFlowDeps,
    private readonly log: Logger,
  ) {}

  /** Calls up or ending (their hangup URL not yet told). */
  get size(): number {
    return this.live.size;
  }

  get(uuid: string): Call | undefined {
    return this.live.get(uuid);
  }

  async handle(req: SipRequest, uas: Uas): Promise<void> {
    if (this.closing) {
      uas.reject(503, { reason: 'Service Unavailable - shutting down' });
      return;
    }
    const parties = callPartiesOf(req);
    const app = this.router.route(parties.user);
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
    this.live.set(call.uuid, call);
    call.log.info({ from: parties.from, to: parties.to, app: app.name, callId: req.callId }, 'inbound call');
    leg.ring();
    const flow = new CallFlow(call, app, this.deps).run();
    this.flows.add(flow);
    try {
      await flow;
    } finally {
      this.flows.delete(flow);
      this.live.delete(call.uuid);
    }
  }

  /** Ends every live call and waits (bounded) for their hangup URLs to be told. */
  async close(): Promise<void> {
    this.closing = true;
    for (const call of this.live.values()) {
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
