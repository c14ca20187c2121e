import { EventEmitter } from 'node:events';
import type { MediaEndpoint, MediaEngine } from '../media/media-engine.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';
import type { DialogEnd } from '../sip/dialog/dialog-types.ts';
import type { OutgoingResponse } from '../sip/dialog/outgoing-response.ts';
import { SipError } from '../sip/errors.ts';
import type { SipRequest } from '../sip/message/message.ts';
import { LocalSdpSession } from '../sip/sdp/local-sdp-session.ts';
import type { NegotiatedMedia } from '../sip/sdp/negotiated-media.ts';
import type { Uas } from '../sip/ua/uas.ts';
import type { Logger } from '../util/log.ts';
import { answerReinvites } from './answer-reinvites.ts';
import type { CallLeg, LegEnd, LegReject } from './call-leg.ts';
import { forwardRefers } from './transfer/forward-refers.ts';

export type { LegEnd } from './call-leg.ts';

export type LegState = 'offered' | 'early' | 'answering' | 'answered' | 'ended';

interface LegEvents {
  /** The leg is over (once), whoever ended it. */
  end: [end: LegEnd];
  /** A REFER from the caller (RFC 3515); unheard it gets 603. */
  refer: [req: SipRequest, res: OutgoingResponse];
}

const MOVES: Readonly<Record<LegState, readonly LegState[]>> = {
  offered: ['early', 'answering', 'ended'],
  early: ['answering', 'ended'],
  answering: ['answered', 'ended'],
  answered: ['ended'],
  ended: [],
};

/**
 * The caller's side of an inbound call: the INVITE server session, the SDP answer and the
 * media endpoint that plays into it.
 *
 *   offered --preAnswer(): 183 + SDP--> early
 *      |                                  |
 *      +----answer(): 200 + SDP-----------+--> answering --ACK--> answered
 *      |                                  |         |                |
 *      +--reject() / CANCEL --------------+---------+---BYE either---+--> ended
 *
 * The endpoint is allocated and the answer made from the offer before anything is sent, so
 * early media and the 200 carry the same answer (RFC 3264 5: one answer per offer); the
 * endpoint sends to the caller from the moment that answer goes out (183 or 200).
 */
export class InboundLeg extends EventEmitter<LegEvents> implements CallLeg {
  readonly request: SipRequest;
  private current: LegState = 'offered';
  private dialog?: Dialog;
  private answering?: Promise<void>;
  private endInfo?: LegEnd;
  /** Our answer, applied to the endpoint once it is sent (183 or 200); undefined after. */
  private pendingMedia?: NegotiatedMedia;

  private constructor(
    private readonly uas: Uas,
    readonly endpoint: MediaEndpoint,
    private readonly sdp: LocalSdpSession,
    private readonly answerSdp: string,
    answerMedia: NegotiatedMedia,
    private readonly log: Logger,
  ) {
    super();
    this.request = uas.request;
    this.pendingMedia = answerMedia;
    uas.on('cancel', () => this.finish({ by: 'remote', status: 487, detail: 'the caller cancelled' }));
  }

  /**
   * Allocates media for the INVITE's offer. An offer with nothing we can use is answered 488
   * here (RFC 3264 6) and the error rethrown; so is an INVITE without an offer, which this
   * version does not take (the 200 would have to carry the offer).
   */
  static async create(uas: Uas, engine: MediaEngine, log: Logger, label: string): Promise<InboundLeg> {
    const req = uas.request;
    const body = req.body;
    const type = req.get('Content-Type')?.split(';')[0].trim().toLowerCase();
    if (body.length > 0 && type && type !== 'application/sdp') {
      // RFC 3261 21.4.13: say what we take.
      uas.reject(415, { headers: { Accept: 'application/sdp' } });
      throw new SipError('STATE', `INVITE body of type ${type}`, 415);
    }
    const accept = req.getList('Accept');
    if (
      accept.length > 0 &&
      !accept.some((a) => /^(application\/sdp|application\/\*|\*\/\*)\s*(;|$)/i.test(a.trim()))
    ) {
      // RFC 4475 3.4.1: our answer must be SDP, which the caller says it cannot take.
      uas.reject(406, { headers: { Warning: '399 patchbay "answers are application/sdp"' } });
      throw new SipError('STATE', 'INVITE that accepts no application/sdp', 406);
    }
    if (body.length === 0) {
      uas.reject(488, { reason: 'Not Acceptable Here - an SDP offer is required in the INVITE' });
      throw new SipError('STATE', 'INVITE without an SDP offer', 488);
    }
    const endpoint = await engine.createEndpoint({ label });
    const sdp = new LocalSdpSession({ address: endpoint.capabilities().address });
    try {
      const answer = sdp.createAnswer(body, endpoint.capabilities());
      return new InboundLeg(uas, endpoint, sdp, answer.sdp, answer.media, log);
    } catch (err) {
      await endpoint.close();
      const status = err instanceof SipError && err.status ? err.status : 488;
      if (uas.state === 'proceeding') uas.reject(status >= 400 ? status : 488);
      throw err;
    }
  }

  get state(): LegState {
    return this.current;
  }

  get ended(): LegEnd | undefined {
    return this.endInfo;
  }

  get sipDialog(): Dialog | undefined {
    return this.dialog;
  }

  /** 180 Ringing, without media; ignored once early or later. */
  ring(): void {
    if (this.current !== 'offered') return;
    this.uas.progress(180);
  }

  /** 183 Session Progress with the SDP answer: early media flows (RFC 3960 gateway model). */
  preAnswer(): void {
    if (this.current !== 'offered') return;
    this.startMedia();
    this.dialog = this.uas.progress(183, { body: this.answerSdp, contentType: 'application/sdp' });
    this.transition('early');
  }

  /** 200 OK with the SDP answer; resolves once the ACK came. Idempotent. */
  answer(): Promise<void> {
    if (this.current === 'ended') return Promise.reject(new SipError('TERMINATED', 'the call is over'));
    this.answering ??= this.runAnswer();
    return this.answering;
  }

  /** Ends the leg from our side: a final response before answer, BYE after. Idempotent. */
  async hangup(reject: LegReject = { status: 480 }): Promise<void> {
    if (this.current === 'ended') return;
    if (this.current === 'offered' || this.current === 'early') {
      this.finish({ by: 'local', status: reject.status, detail: `rejected ${reject.status}` });
      try {
        this.uas.reject(reject.status, reject.reason ? { reason: reject.reason } : {});
      } catch (err) {
        this.log.debug({ err }, 'reject after the INVITE was over');
      }
      return;
    }
    this.finish({ by: 'local', detail: 'BYE sent' });
    // answering: the dialog sends the BYE after the ACK (RFC 3261 15).
    await this.dialog?.destroy().catch((err) => this.log.debug({ err }, 'BYE failed'));
  }

  private async runAnswer(): Promise<void> {
    const pending = this.current === 'early' ? this.dialog : undefined;
    this.transition('answering');
    this.startMedia();
    try {
      const dialog = await this.uas.accept({ body: this.answerSdp, contentType: 'application/sdp' });
      this.dialog = dialog;
      if (pending && pending !== dialog) pending.removeAllListeners();
      this.watch(dialog);
      if (dialog.state === 'terminated') {
        // The BYE came before (or instead of) the ACK (RFC 3261 15).
        this.finish({ by: 'remote', detail: 'the caller hung up before the ACK' });
      } else if (this.current === 'answering') {
        this.transition('answered');
      }
    } catch (err) {
      const status = err instanceof SipError ? err.status : undefined;
      this.finish({
        by: err instanceof SipError && err.code === 'CANCELLED' ? 'remote' : 'failure',
        ...(status ? { status } : {}),
        detail: (err as Error).message,
      });
      throw err;
    }
  }

  /**
   * Points the endpoint at the caller as our answer goes out. Not before: until the caller
   * has our answer there is no session to send to (RFC 3264), so a ringing call sends no
   * idle silence (which, under load, only made the backlog worse).
   */
  private startMedia(): void {
    const media = this.pendingMedia;
    if (!media) return;
    this.pendingMedia = undefined;
    this.endpoint.configure(media);
  }

  private watch(dialog: Dialog): void {
    answerReinvites(dialog, this.sdp, this.endpoint, this.log);
    forwardRefers(dialog, (req, res) => this.listenerCount('refer') > 0 && this.emit('refer', req, res));
    dialog.once('destroy', (end: DialogEnd) => {
      const remote = end.cause === 'bye';
      this.finish({
        by: remote ? 'remote' : end.cause === 'local' ? 'local' : 'failure',
        ...(end.status ? { status: end.status } : {}),
        detail: remote ? 'the caller hung up' : `dialog ended: ${end.cause}`,
      });
    });
  }

  private finish(end: LegEnd): void {
    if (this.current === 'ended') return;
    this.transition('ended');
    this.endInfo = end;
    void this.endpoint.close();
    this.emit('end', end);
  }

  private transition(to: LegState): void {
    if (!MOVES[this.current].includes(to))
      throw new SipError('STATE', `leg: illegal ${this.current} -> ${to}`);
    this.current = to;
  }
}
