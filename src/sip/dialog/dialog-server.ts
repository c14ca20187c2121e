import type { SipRequest } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import type { ServerTransaction } from '../transaction/types.ts';
import { ALLOW_HEADER, APP_ANSWER_T1, capabilityHeaders } from './capabilities.ts';
import type { Dialog } from './dialog.ts';
import { applyContent, bodyText } from './message-content.ts';
import { OutgoingResponse, type ResponseOptions, type ResponseSink } from './outgoing-response.ts';

/** The dialog events that carry a request for the application to answer. */
type RequestEvent = 'modify' | 'update' | 'info' | 'options' | 'refer' | 'notify' | 'message';

const EVENTS: Readonly<Record<string, RequestEvent>> = {
  INVITE: 'modify',
  UPDATE: 'update',
  INFO: 'info',
  OPTIONS: 'options',
  REFER: 'refer',
  NOTIFY: 'notify',
  MESSAGE: 'message',
};

/** Requests held for a dialog not yet in the application's hands; more get 500 + Retry-After. */
const MAX_HELD = 32;

interface Held {
  req: SipRequest;
  tx: ServerTransaction;
}

/**
 * The UAS half of a dialog: requests the peer sends inside it (RFC 3261 12.2.2).
 *
 * What is held: every request that arrives before the application holds the dialog (before
 * the UAC's promise resolved; before the ACK of the UAS's 2xx; in an early dialog) is kept
 * in arrival order, untouched, and handled once the application's continuation has run
 * (`handOver`, then one macrotask). Exceptions, acted on at arrival: a BYE stops the 2xx
 * retransmissions (15: a BYE makes the ACK moot) and is then held like the rest; a BYE in
 * an early dialog ends it at once (15.1.2). Held requests of a dialog that ends first get 481.
 *
 * Requests the application does not answer within 60*T1 (APP_ANSWER_T1) get 500; those pending when the
 * dialog ends get 487 (15.1.2).
 */
export class DialogServer implements ResponseSink {
  private held: Held[] | undefined = [];
  private releasing = false;
  /** Handed to the application, not answered yet. */
  private readonly pending = new Set<OutgoingResponse>();

  constructor(private readonly dialog: Dialog) {}

  receive(req: SipRequest, tx: ServerTransaction): void {
    const d = this.dialog;
    if (d.state === 'terminated') {
      this.reply(req, tx, 481);
      return;
    }
    if (req.method === 'BYE') {
      d.stopAckWait();
      if (d.state === 'early') {
        this.reply(req, tx, 200);
        const owner = d.earlyOwner;
        d.finish({ cause: 'bye', request: req });
        owner?.earlyBye(req);
        return;
      }
    }
    if (this.held) {
      if (this.held.length >= MAX_HELD) this.reply(req, tx, 500, { headers: { 'Retry-After': '1' } });
      else this.held.push({ req, tx });
      return;
    }
    this.dispatch(req, tx);
  }

  /** A CANCEL matched a re-INVITE the application has not answered (9.2): 487 in its place. */
  cancel(tx: ServerTransaction): void {
    for (const res of this.pending) {
      if (res.transaction === tx) {
        this.pending.delete(res);
        res.abandon(487);
        return;
      }
    }
  }

  /** The application holds the dialog now: what was held is handled after its continuation. */
  handOver(): void {
    const held = this.held;
    if (!held || this.releasing) return;
    if (held.length === 0) {
      this.held = undefined;
      return;
    }
    this.releasing = true;
    setImmediate(() => this.release());
  }

  /** The dialog ended: held requests get 481, unanswered ones 487 (15.1.2). */
  close(): void {
    const held = this.held;
    this.held = undefined;
    if (held) for (const h of held) this.reply(h.req, h.tx, 481);
    const pending = [...this.pending];
    this.pending.clear();
    for (const res of pending) res.abandon(487);
  }

  private release(): void {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    for (const h of held) {
      // Answered meanwhile (a CANCELled re-INVITE got its 487 from the transaction layer).
      if (h.tx.state === 'trying' || h.tx.state === 'proceeding') this.receive(h.req, h.tx);
    }
  }

  private dispatch(req: SipRequest, tx: ServerTransaction): void {
    const d = this.dialog;
    if (!d.acceptRemoteSeq(req.cseq.seq)) {
      this.reply(req, tx, 500, { reason: 'CSeq Out of Order' }); // 12.2.2
      return;
    }
    if (req.method === 'BYE') {
      this.reply(req, tx, 200);
      try {
        d.emit('bye', req);
      } catch (err) {
        d.ctx.logger.error({ err, dialog: d.key }, "a 'bye' listener threw");
      }
      d.finish({ cause: 'bye', request: req });
      return;
    }
    const event = EVENTS[req.method];
    if (!event) {
      this.reply(req, tx, 405);
      return;
    }
    if (req.method === 'INVITE') {
      const holder = d.inviteLock.tryServer();
      // 14.2: our own re-INVITE is pending -> 491; an earlier incoming one is -> 500 + Retry-After 0-10 s.
      if (holder === 'client') {
        this.reply(req, tx, 491);
        return;
      }
      if (holder !== 'taken') {
        const after = String(Math.floor(d.ctx.random() * 11));
        this.reply(req, tx, 500, { headers: { 'Retry-After': after } });
        return;
      }
    }
    const res = new OutgoingResponse(req, tx, this);
    if (d.listenerCount(event) === 0) {
      this.answerByDefault(event, req, res);
      return;
    }
    res.guard = d.ctx.clock.setTimer(APP_ANSWER_T1 * d.ctx.timers.T1, () => {
      d.ctx.logger.warn({ dialog: d.key, method: req.method }, 'the application did not answer: 500');
      res.abandon(500);
    });
    this.pending.add(res);
    try {
      d.emit(event, req, res);
    } catch (err) {
      d.ctx.logger.error({ err, dialog: d.key }, `a '${event}' listener threw`);
      res.abandon(500);
    }
  }

  private answerByDefault(event: RequestEvent, req: SipRequest, res: OutgoingResponse): void {
    const local = this.dialog.localSdp;
    switch (event) {
      case 'modify':
        if (local) res.send(200, { body: local });
        else res.send(488);
        return;
      case 'update':
        res.send(200, req.body.length > 0 && local ? { body: local } : {});
        return;
      case 'refer':
      case 'message':
        res.send(501);
        return;
      case 'options':
        res.send(200, { headers: capabilityHeaders() });
        return;
      default:
        res.send(200);
    }
  }

  /** (ResponseSink) Builds the response, applies what a 2xx changes, sends it. */
  deliver(res: OutgoingResponse, status: number, opts: ResponseOptions): void {
    const d = this.dialog;
    const req = res.request;
    const tx = res.transaction;
    if (status >= 200) this.pending.delete(res);
    const out = createResponse(req, status, { reason: opts.reason });
    const refresh = req.method === 'INVITE' || req.method === 'UPDATE';
    const success = status >= 200 && status < 300;
    // 12.2.2 / 13.3.1: responses to a target refresh carry our Contact.
    if (refresh && status > 100 && status < 300) out.contact = [d.localContact.clone()];
    if (status === 405) out.set('Allow', ALLOW_HEADER);
    applyContent(out, opts);
    if (refresh && success && d.state !== 'terminated') {
      // 12.2.2: the target refresh takes effect with the 2xx (RFC 6141: not for a refused one).
      d.refreshTarget(req);
      const offer = bodyText(req);
      if (offer) d.remoteSdp = offer;
      const answer = bodyText(out);
      if (answer) d.localSdp = answer;
    }
    if (req.method !== 'INVITE' || status < 200) {
      tx.respond(out);
      return;
    }
    if (!success) {
      tx.respond(out);
      d.inviteLock.release();
      return;
    }
    const release = (): void => d.inviteLock.release();
    d.awaitAck(tx, out).then(release, release);
  }

  private reply(req: SipRequest, tx: ServerTransaction, status: number, opts: ResponseOptions = {}): void {
    const out = createResponse(req, status, { reason: opts.reason });
    if (status === 405) out.set('Allow', ALLOW_HEADER);
    applyContent(out, opts);
    tx.respond(out);
  }
}
