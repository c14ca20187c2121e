import { randomUUID } from 'node:crypto';
import { Call, type CallEnd } from '../calls/call.ts';
import type { CallLeg } from '../calls/call-leg.ts';
import type { CallParties } from '../calls/call-parties.ts';
import { callPartiesOf } from '../calls/call-parties.ts';
import { HANGUP_CAUSES } from '../calls/hangup-cause.ts';
import { InboundLeg } from '../calls/inbound-leg.ts';
import { OutboundLeg } from '../calls/outbound-leg.ts';
import type { Application } from '../calls/routing.ts';
import { type Logger, lazyChild } from '../util/log.ts';
import { CallControlError } from './call-control.ts';
import { CallFlow, type CallFlowDeps } from './call-flow.ts';
import { dispositionOf } from './cdr.ts';
import type { LiveCalls } from './live-calls.ts';
import type { LegDocument } from './transfer-plan.ts';

const PHONE = /^\+?[0-9]{3,20}$/;

/** A SIP URI's user part as a number (no '+'), or the URI itself: the way calls show parties. */
function describeUri(uri: string): string {
  const user = /^sips?:([^@;?]+)@/i.exec(uri)?.[1];
  const decoded = user ? decodeURIComponent(user) : '';
  return PHONE.test(decoded) ? decoded.replace(/^\+/, '') : uri;
}

/**
 * Who the B-leg call is between: From is the caller ID the Dial's INVITE carried (callerId,
 * else the A-leg's caller), To the destination it dialed. A peer that came in by an INVITE
 * with Replaces is read from that INVITE.
 */
export function bLegParties(leg: CallLeg, aParties: CallParties): CallParties {
  if (leg instanceof OutboundLeg) {
    const m = /^\s*(?:"([^"]*)"\s*)?<([^>]+)>/.exec(leg.request.from);
    const from = m ? describeUri(m[2] as string) : aParties.from;
    const to = describeUri(leg.request.uri);
    return { from, to, user: to, callerName: m?.[1] || from, customHeaders: {} };
  }
  if (leg instanceof InboundLeg) return { ...callPartiesOf(leg.request), customHeaders: {} };
  return {
    from: aParties.to,
    to: aParties.from,
    user: aParties.from,
    callerName: aParties.to,
    customHeaders: {},
  };
}

/**
 * REST 2.9 with legs=bleg or both: a Dial's connected B-leg leaves the bridge (no BYE) and
 * runs `bleg_url` as a call of its own - a Call and CallFlow under the B-leg's UUID (the
 * DialBLegUUID its Dial reported), Direction=outbound, From/To of the B-leg, listed live,
 * steerable and hung up through the API like any call, a CDR when it ends. The A-leg's Dial
 * ends (DialStatus=completed, DialHangupCause=NORMAL_CLEARING, the B-leg's hangup source
 * `API Request`) and the A-leg's document goes on after it.
 *
 * The B call keeps the A-leg application's hangup URL (told with the B call's own CallUUID)
 * and transfer URL. A bleg_url that cannot be had or is not valid XML ends the B-leg with the
 * transfer causes (7013, 7023, 7033, 8013).
 */
export class BLegCalls {
  private readonly calls = new Map<string, Call>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly deps: CallFlowDeps,
    private readonly live: LiveCalls,
    private readonly log: Logger,
  ) {}

  /** B-leg calls up or ending (their hangup URL not yet told). */
  get size(): number {
    return this.calls.size;
  }

  /**
   * Takes the B-leg of `aCall`'s connected Dial and runs `doc` on it; returns the B call's
   * UUID. Throws CallControlError BAD_REQUEST when the call has no connected B-leg, or while
   * a SIP transfer (REFER) of the call is under way.
   */
  start(aCall: Call, app: Application, doc: LegDocument): string {
    const hub = this.deps.dialer.transfers;
    const taken = hub?.takePeer(aCall.uuid);
    if (!taken?.ok) {
      throw new CallControlError(
        'BAD_REQUEST',
        taken?.reason === 'busy'
          ? 'legs: a SIP transfer (REFER) of this call is under way; try again once it is over'
          : 'legs: the call has no connected B-leg (no <Dial> of it is bridged now)',
      );
    }
    const leg = taken.leg;
    const uuid = leg instanceof OutboundLeg ? leg.uuid : randomUUID();
    const run = this.run(uuid, leg, aCall, app, doc).catch((err: unknown) =>
      this.log.error({ err, callUuid: uuid }, 'B-leg call failed'),
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return uuid;
  }

  /** Ends every B-leg call and waits (bounded by their hangup URLs) for them. */
  async close(): Promise<void> {
    for (const call of this.calls.values()) {
      void call.hangup({
        cause: HANGUP_CAUSES.normal,
        source: 'Vobiz',
        detail: 'the server is shutting down',
      });
    }
    await Promise.allSettled([...this.running]);
  }

  private async run(
    uuid: string,
    leg: CallLeg,
    aCall: Call,
    app: Application,
    doc: LegDocument,
  ): Promise<void> {
    const parties = bLegParties(leg, aCall.parties);
    const placed = leg instanceof OutboundLeg ? leg : undefined;
    const startedAt = placed?.startedAt ?? new Date();
    const answeredAt = placed?.answeredAt ?? new Date();
    const log = lazyChild(this.log, { callUuid: uuid, aLegUuid: aCall.uuid });
    const call = new Call(parties, leg, log, { uuid, direction: 'outbound', startedAt, answeredAt });
    this.calls.set(uuid, call);
    const entry = this.live.add({
      call_uuid: uuid,
      request_uuid: uuid,
      direction: 'outbound',
      from: parties.from,
      to: parties.to,
      caller_name: parties.callerName,
      call_status: 'in-progress',
      initiated_at: startedAt.toISOString(),
      answered_at: answeredAt.toISOString(),
      parent_call_uuid: aCall.uuid,
    });
    entry.call = call;
    const bApp: Application = {
      name: `${app.name} B-leg`,
      answerUrl: doc.url,
      answerMethod: doc.method,
      hangupUrl: app.hangupUrl,
      hangupMethod: app.hangupMethod,
      fallbackMethod: app.fallbackMethod,
      ...(app.transferUrl ? { transferUrl: app.transferUrl, transferMethod: app.transferMethod } : {}),
    };
    const flow = new CallFlow(call, bApp, this.deps, { kind: 'transfer', url: doc.url, method: doc.method });
    entry.flow = flow;
    log.info(
      { url: doc.url, from: parties.from, to: parties.to },
      'B-leg transferred to a document of its own',
    );
    let end: CallEnd | undefined;
    try {
      end = await flow.run();
    } finally {
      this.calls.delete(uuid);
      const final = end ?? (call.end as CallEnd);
      this.live.finish(uuid, {
        uuid,
        accountId: this.deps.authId,
        direction: 'outbound',
        from: parties.from,
        to: parties.to,
        callerName: parties.callerName,
        startedAt,
        answeredAt,
        endedAt: call.endedAt ?? new Date(),
        end: final,
        disposition: dispositionOf(final, true, 'outbound'),
        sipCallId: leg.sipDialog?.callId ?? '',
        userAgent: '',
        networkAddr: placed
          ? placed.request.target
            ? `${placed.request.target.address}:${placed.request.target.port}`
            : placed.request.uri
          : '',
        parentCallUuid: aCall.uuid,
        stats: leg.endpoint.stats(),
      });
    }
  }
}
