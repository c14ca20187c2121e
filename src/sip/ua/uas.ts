import { EventEmitter } from 'node:events';
import { type DestroyOptions, Dialog, type EarlyOwner } from '../dialog/dialog.ts';
import { uasDialogInit } from '../dialog/dialog-init.ts';
import { applyContent } from '../dialog/message-content.ts';
import type { ResponseOptions } from '../dialog/outgoing-response.ts';
import type { UaContext } from '../dialog/ua-context.ts';
import { SipError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { newTag } from '../transaction/ids.ts';
import type { ServerTransaction } from '../transaction/types.ts';

export type UasState = 'proceeding' | 'early' | 'accepted' | 'confirmed' | 'terminated';

const MOVES: Readonly<Record<UasState, readonly UasState[]>> = {
  proceeding: ['early', 'accepted', 'terminated'],
  early: ['accepted', 'terminated'],
  accepted: ['confirmed', 'terminated'],
  confirmed: [],
  terminated: [],
};

export interface UasEvents {
  /** The caller gave up: a CANCEL (RFC 3261 9.2) or a BYE on the early dialog (15.1.2). The INVITE got 487. */
  cancel: [req: SipRequest];
}

export interface UasOptions {
  /** User part of our Contact; default the Request-URI's user. */
  contactUser?: string;
}

/**
 * The server side of an INVITE outside a dialog, as the application sees it: provisionals,
 * then accept() or reject(). A CANCEL emits 'cancel' and makes accept() reject with
 * CANCELLED (487); the transaction layer answers the INVITE 487 itself.
 *
 *   INVITE (the transaction sent 100 Trying)
 *      |
 *      v        progress(1xx): To tag, early dialog (12.1.1)
 *   proceeding -----------------------------> early
 *      | accept(): 2xx, dialog confirmed        | accept()
 *      +------------------> accepted <----------+
 *      |                       | ACK, or a BYE that makes it moot (15)
 *      |                       v
 *      |                   confirmed   (accept() resolves with the dialog)
 *      | reject(), CANCEL, early BYE; from accepted: no ACK in 64*T1 (BYE sent)
 *      +---------------------------------> terminated   (also from early and accepted)
 */
export class Uas extends EventEmitter<UasEvents> implements EarlyOwner {
  readonly request: SipRequest;
  readonly transaction: ServerTransaction;
  private current: UasState = 'proceeding';
  private readonly localTag = newTag();
  private dialogValue?: Dialog;
  private cancelledBy?: SipRequest;
  private settledHook?: () => void;

  constructor(
    private readonly ctx: UaContext,
    tx: ServerTransaction,
    private readonly opts: UasOptions = {},
  ) {
    super();
    this.request = tx.request;
    this.transaction = tx;
  }

  get state(): UasState {
    return this.current;
  }

  /**
   * @internal Called once when the INVITE is settled (confirmed or terminated): nothing can
   * happen to it any more, so whoever indexes this Uas may let go of it (the transaction
   * lingers 32 s more, RFC 6026, and must not keep the call alive).
   */
  set onSettled(hook: () => void) {
    this.settledHook = hook;
  }

  /** The dialog: early once a provisional went out, confirmed after accept(). */
  get dialog(): Dialog | undefined {
    return this.dialogValue;
  }

  /** Whether the caller cancelled (CANCEL or early BYE). */
  get cancelled(): boolean {
    return this.cancelledBy !== undefined;
  }

  /** Sends a provisional (180 Ringing, 183 Session Progress ...) with our To tag: the early dialog. */
  progress(status = 180, opts: ResponseOptions = {}): Dialog {
    if (status < 101 || status > 199) throw new SipError('STATE', `not a provisional status: ${status}`);
    if (this.current !== 'proceeding' && this.current !== 'early') {
      throw new SipError(
        this.cancelled ? 'CANCELLED' : 'STATE',
        `cannot send ${status}: INVITE is ${this.current}`,
      );
    }
    const res = this.build(status, opts);
    this.transaction.respond(res);
    if (!this.dialogValue) {
      this.dialogValue = new Dialog(this.ctx, this.dialogInit(res), this);
      this.transition('early');
    }
    return this.dialogValue;
  }

  /**
   * Sends 200 with `opts.body` (the SDP answer) and resolves with the dialog once the ACK
   * arrives (or a BYE that makes it moot, RFC 3261 15). Rejects with CANCELLED (487) when
   * the caller cancelled first, TIMEOUT (408) when no ACK came within 64*T1 (the dialog
   * then sent BYE, 13.3.1.4), STATE when already answered.
   */
  async accept(opts: ResponseOptions = {}): Promise<Dialog> {
    if (this.cancelledBy) throw new SipError('CANCELLED', 'the caller cancelled', 487);
    if (this.current !== 'proceeding' && this.current !== 'early') {
      throw new SipError('STATE', `cannot accept: INVITE is ${this.current}`);
    }
    const res = this.build(200, opts);
    let dialog = this.dialogValue;
    if (dialog?.state === 'early') {
      dialog.confirm(res);
      if (opts.body !== undefined) dialog.localSdp = res.body.toString('utf8');
    } else {
      dialog = new Dialog(this.ctx, this.dialogInit(res));
      this.dialogValue = dialog;
    }
    this.transition('accepted');
    try {
      await dialog.awaitAck(this.transaction, res);
    } catch (err) {
      this.transition('terminated');
      this.settle();
      throw err;
    }
    this.transition('confirmed');
    this.settle();
    dialog.handOver();
    return dialog;
  }

  /** Sends a final non-2xx (486 Busy Here by default). Ignored once the caller cancelled. */
  reject(status = 486, opts: ResponseOptions = {}): void {
    if (status < 300 || status > 699) throw new SipError('STATE', `not a rejection status: ${status}`);
    if (this.current === 'terminated' && this.cancelledBy) return;
    if (this.current !== 'proceeding' && this.current !== 'early') {
      throw new SipError('STATE', `cannot reject: INVITE is ${this.current}`);
    }
    this.transaction.respond(this.build(status, opts));
    this.transition('terminated');
    this.dialogValue?.finish({ cause: 'rejected', status });
    this.settle();
  }

  /** @internal A CANCEL matched the INVITE before its final response (9.2); the layer sends the 487. */
  receiveCancel(cancel: SipRequest): void {
    if (this.current !== 'proceeding' && this.current !== 'early') return;
    this.cancelledBy = cancel;
    this.transition('terminated');
    this.dialogValue?.finish({ cause: 'cancelled', status: 487 });
    this.emitCancel(cancel);
    this.settle();
  }

  /** @internal (EarlyOwner) destroy() on the early dialog: a final response, 480 unless told. */
  destroyEarly(opts: DestroyOptions): void {
    this.reject(opts.status ?? 480, { headers: opts.headers });
  }

  /** @internal (EarlyOwner) A BYE on the early dialog (15.1.2): the INVITE gets 487. */
  earlyBye(bye: SipRequest): void {
    if (this.current !== 'early') return;
    this.cancelledBy = bye;
    this.transaction.respond(this.build(487, {}));
    this.transition('terminated');
    this.emitCancel(bye);
    this.settle();
  }

  private emitCancel(req: SipRequest): void {
    try {
      this.emit('cancel', req);
    } catch (err) {
      this.ctx.logger.error({ err }, "a 'cancel' listener threw");
    }
  }

  /** Confirmed or terminated: no 'cancel' can follow, its listeners (the call) are let go. */
  private settle(): void {
    this.removeAllListeners('cancel');
    const hook = this.settledHook;
    this.settledHook = undefined;
    hook?.();
  }

  /** A response to the INVITE with our To tag (8.2.6.2) and, for 101-299, our Contact (12.1.1). */
  private build(status: number, opts: ResponseOptions): SipResponse {
    const res = createResponse(this.request, status, { toTag: this.localTag, reason: opts.reason });
    if (status < 300) res.contact = [this.contact()];
    applyContent(res, opts);
    return res;
  }

  private contact() {
    const user = this.opts.contactUser ?? this.request.uri.user;
    return this.ctx.contact(this.transaction.source.protocol, user);
  }

  private dialogInit(res: SipResponse) {
    return uasDialogInit(this.request, res, this.transaction.source.protocol, res.contact[0]);
  }

  private transition(to: UasState): void {
    if (!MOVES[this.current].includes(to)) {
      throw new SipError('STATE', `UAS: illegal transition ${this.current} -> ${to}`);
    }
    this.current = to;
  }
}
