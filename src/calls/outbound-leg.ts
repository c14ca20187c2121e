import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { MediaEndpoint, MediaEngine } from '../media/media-engine.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { DialogEnd } from '../sip/dialog/dialog-types.ts';
import type { ExtraHeaders } from '../sip/dialog/message-content.ts';
import type { OutgoingResponse } from '../sip/dialog/outgoing-response.ts';
import { SipError } from '../sip/errors.ts';
import type { SipRequest, SipResponse } from '../sip/message/message.ts';
import type { Uri } from '../sip/message/uri.ts';
import { processAnswer } from '../sip/sdp/create-offer.ts';
import { LocalSdpSession } from '../sip/sdp/local-sdp-session.ts';
import { parseSdp } from '../sip/sdp/parse-sdp.ts';
import type { SessionDescription } from '../sip/sdp/session-description.ts';
import type { Target } from '../sip/transport/types.ts';
import type { Uac } from '../sip/ua/uac.ts';
import type { UserAgent } from '../sip/ua/user-agent.ts';
import type { Logger } from '../util/log.ts';
import { answerReinvites } from './answer-reinvites.ts';
import type { CallLeg, LegEnd } from './call-leg.ts';
import { forwardRefers } from './transfer/forward-refers.ts';

export type OutboundLegState = 'calling' | 'ringing' | 'answered' | 'ended';

export interface OutboundCallRequest {
  /** The Request-URI. */
  uri: string;
  /** Where to send it instead of resolving the URI (the outbound proxy / trunk). */
  target?: Target;
  /** The From name-addr, e.g. `"Alice" <sip:4930123@pb.example.com>`. */
  from: string;
  headers?: ExtraHeaders;
  auth?: { username: string; password: string };
}

interface OutboundLegEvents {
  /** A 180/183: the callee is ringing; `early` when its SDP came along (early media flows). */
  ringing: [early: boolean];
  /** Once, whoever ended it. */
  end: [end: LegEnd];
  /** A REFER from the callee (RFC 3515); unheard it gets 603. */
  refer: [req: SipRequest, res: OutgoingResponse];
}

const MOVES: Readonly<Record<OutboundLegState, readonly OutboundLegState[]>> = {
  calling: ['ringing', 'answered', 'ended'],
  ringing: ['answered', 'ended'],
  answered: ['ended'],
  ended: [],
};

/**
 * A leg we place (a B-leg of `<Dial>`): the INVITE with an offer from a new media endpoint,
 * early media when a 183 carries an answer, the dialog once a 2xx came.
 *
 *   calling --1xx--> ringing --2xx--> answered
 *      |                |                 |
 *      +--- 3xx-6xx, hangup() (CANCEL), timeout ---+--- BYE either way ---> ended
 *
 * The answer is read against the offer kept here, so an early answer (183) and the final
 * one (2xx) each configure the endpoint (RFC 3264 without 100rel: the 2xx's answer counts).
 */
export class OutboundLeg extends EventEmitter<OutboundLegEvents> implements CallLeg {
  readonly uuid = randomUUID();
  readonly startedAt = new Date();
  answeredAt?: Date;
  endedAt?: Date;
  /** Resolves on the 2xx (the endpoint then sends to the callee); rejects with the SipError. */
  readonly answered: Promise<void>;
  private current: OutboundLegState = 'calling';
  private dialog?: Dialog;
  private endValue?: LegEnd;
  private rang = false;

  private constructor(
    private readonly uac: Uac,
    readonly endpoint: MediaEndpoint,
    private readonly offer: SessionDescription,
    private readonly sdp: LocalSdpSession,
    readonly request: OutboundCallRequest,
    private readonly log: Logger,
  ) {
    super();
    this.answered = uac.established.then(
      (dialog) => this.onAnswer(dialog),
      (err: unknown) => {
        const status = err instanceof SipError ? err.status : undefined;
        this.finish({
          by: status === 487 ? 'local' : 'remote',
          ...(status ? { status } : {}),
          detail: (err as Error).message,
        });
        throw err;
      },
    );
    // Callers await `answered` when they care; a failure is reported through 'end' too.
    this.answered.catch(() => {});
  }

  /** Allocates media and sends the INVITE. */
  static async start(
    ua: UserAgent,
    engine: MediaEngine,
    req: OutboundCallRequest,
    log: Logger,
  ): Promise<OutboundLeg> {
    const endpoint = await engine.createEndpoint({ label: `dial ${req.uri}` });
    // Our o= line for this leg: the offer's, and the answers to the callee's later offers.
    const sdp = new LocalSdpSession({ address: endpoint.capabilities().address });
    const { sdp: offerSdp, offer } = sdp.createOffer(endpoint.capabilities());
    let leg: OutboundLeg | undefined;
    const uac = ua.createUAC(
      {
        uri: req.uri,
        from: req.from,
        body: offerSdp,
        contentType: 'application/sdp',
        ...(req.target ? { target: req.target } : {}),
        ...(req.headers ? { headers: req.headers } : {}),
        ...(req.auth ? { auth: req.auth } : {}),
      },
      { onProvisional: (res) => leg?.onProvisional(res) },
    );
    leg = new OutboundLeg(uac, endpoint, offer, sdp, req, log);
    return leg;
  }

  get state(): OutboundLegState {
    return this.current;
  }

  /** Whether a 180/183 came (DialRingStatus). */
  get ringed(): boolean {
    return this.rang;
  }

  get ended(): LegEnd | undefined {
    return this.endValue;
  }

  /**
   * The Contacts of the 3xx that ended the INVITE, highest q first (RFC 3261 8.1.3.4);
   * empty for any other end.
   */
  get redirects(): Uri[] {
    const res = this.uac.finalResponse;
    if (!res || res.status < 300 || res.status > 399) return [];
    const contacts = res.contact.filter((c) => !c.wildcard);
    const q = (c: (typeof contacts)[number]) => {
      const v = Number(c.param('q') ?? '1');
      return Number.isFinite(v) ? v : 0;
    };
    return contacts
      .map((c, i) => ({ c, i }))
      .sort((a, b) => q(b.c) - q(a.c) || a.i - b.i)
      .map(({ c }) => c.uri.clone());
  }

  /** The INVITE's Call-ID. */
  get callId(): string {
    return this.uac.callId;
  }

  get sipDialog(): Dialog | undefined {
    return this.dialog;
  }

  /** We placed this leg: it is answered when the callee answers. */
  answer(): Promise<void> {
    return this.answered;
  }

  /** Nothing to do: early media on a leg we place is the callee's to send. */
  preAnswer(): void {}

  /** CANCEL while ringing, BYE once answered. Idempotent. */
  async hangup(): Promise<void> {
    if (this.current === 'ended') return;
    if (this.current === 'answered') {
      this.finish({ by: 'local', detail: 'BYE sent' });
      await this.dialog?.destroy().catch((err) => this.log.debug({ err }, 'BYE failed'));
      return;
    }
    this.uac.cancel();
    // 'end' follows when the 487 (or a crossing 2xx, then BYE) arrives.
  }

  /** Sends digits to the callee (Number/User sendDigits). */
  sendDigits(digits: string): Promise<void> {
    return this.endpoint.sendDtmf(digits);
  }

  private onProvisional(res: SipResponse): void {
    if (this.current === 'ended' || this.current === 'answered') return;
    if (res.status === 100) return;
    this.rang = true;
    const early = res.body.length > 0 && this.configure(res.body);
    if (this.current === 'calling') this.transition('ringing');
    this.emit('ringing', early);
  }

  private onAnswer(dialog: Dialog): void {
    this.dialog = dialog;
    if (this.current === 'ended') {
      void dialog.destroy();
      throw new SipError('CANCELLED', 'answered after the leg was ended', 487);
    }
    if (!dialog.remoteSdp || !this.configure(dialog.remoteSdp)) {
      void dialog.destroy();
      this.finish({ by: 'failure', status: 488, detail: 'the 2xx carried no usable SDP answer' });
      throw new SipError('STATE', 'the 2xx carried no usable SDP answer', 488);
    }
    this.answeredAt = new Date();
    this.transition('answered');
    answerReinvites(dialog, this.sdp, this.endpoint, this.log);
    forwardRefers(dialog, (req, res) => this.listenerCount('refer') > 0 && this.emit('refer', req, res));
    dialog.once('destroy', (end: DialogEnd) =>
      this.finish({
        by: end.cause === 'bye' ? 'remote' : end.cause === 'local' ? 'local' : 'failure',
        ...(end.status ? { status: end.status } : {}),
        detail: end.cause === 'bye' ? 'the callee hung up' : `dialog ended: ${end.cause}`,
      }),
    );
  }

  /** Applies an SDP answer to our offer; false when it is unusable. */
  private configure(sdp: string | Buffer): boolean {
    try {
      this.endpoint.configure(processAnswer(this.offer, parseSdp(sdp)));
      return true;
    } catch (err) {
      this.log.info({ err: (err as Error).message }, 'SDP answer not usable');
      return false;
    }
  }

  private finish(end: LegEnd): void {
    if (this.current === 'ended') return;
    this.transition('ended');
    this.endValue = end;
    this.endedAt = new Date();
    void this.endpoint.close();
    this.emit('end', end);
  }

  private transition(to: OutboundLegState): void {
    if (!MOVES[this.current].includes(to))
      throw new SipError('STATE', `B-leg: illegal ${this.current} -> ${to}`);
    this.current = to;
  }
}
