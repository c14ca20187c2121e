import { EventEmitter } from 'node:events';
import { SipError } from '../errors.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { NameAddr } from '../message/name-addr.ts';
import type { Uri } from '../message/uri.ts';
import type { ServerTransaction } from '../transaction/types.ts';
import type { Target } from '../transport/types.ts';
import { type ClientRequestHooks, sendAndWait, withStatus } from './client-request.ts';
import type { DialogInit, DialogRole } from './dialog-init.ts';
import { DialogServer } from './dialog-server.ts';
import type {
  DestroyOptions,
  DialogEnd,
  DialogEvents,
  DialogId,
  EarlyOwner,
  InDialogRequestOptions,
} from './dialog-types.ts';
import { buildInDialogRequest, type DialogRouting, nextHopUri } from './in-dialog-request.ts';
import { InviteLock } from './invite-lock.ts';
import { bodyText, type ExtraHeaders, type MessageContent } from './message-content.ts';
import { ReInviteClient } from './reinvite-client.ts';
import { TwoXxRetransmitter } from './two-xx-retransmitter.ts';
import { dialogKey, type UaContext } from './ua-context.ts';

export type DialogState = 'early' | 'confirmed' | 'terminated';

/** The ACK a UAC sent for the 2xx of its INVITE, kept for that 2xx's retransmissions. */
export interface SentAck {
  seq: number;
  req: SipRequest;
  target: Target;
}

/** A retransmitted 2xx to our INVITE: the same ACK again, statelessly (13.2.2.4). */
function resendAck(ctx: UaContext, ack: SentAck, res: SipResponse): void {
  if (res.cseq.seq !== ack.seq) return;
  ctx.transactions.sendStateless(ack.req, ack.target).catch((err: unknown) => {
    ctx.logger.debug({ err, callId: res.callId }, 'ACK retransmission failed');
  });
}

export type {
  DestroyOptions,
  DialogEnd,
  DialogEndCause,
  DialogEvents,
  DialogId,
  EarlyOwner,
  InDialogRequestOptions,
} from './dialog-types.ts';

const MOVES: Readonly<Record<DialogState, readonly DialogState[]>> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

interface AckWait {
  retransmitter: TwoXxRetransmitter;
  resolve(): void;
  reject(err: SipError): void;
  /** Settles (never rejects) with the wait: what a deferred BYE waits for. */
  settled: Promise<void>;
}

/** Requests that carry our Contact: target refreshes (12.2.1.1) and RFC 3515/6665 usages. */
const WITH_CONTACT: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'REFER', 'SUBSCRIBE', 'NOTIFY']);
/** Methods that have their own operation: modify() and destroy(). */
const NOT_BY_REQUEST: ReadonlySet<string> = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE']);

/**
 * A dialog of RFC 3261 12: its id, state, sequence numbers, route set and remote target,
 * and the application's handle on the call leg (`request`, `modify`, `destroy`, events).
 *
 *     1xx with To tag        2xx (UAC: route set and target recomputed, 13.2.2.4)
 *   -----------------> early ------------------------------> confirmed
 *                        |  non-2xx final, CANCEL,              |  BYE either way, 481/408 to
 *                        |  early BYE, other fork won           |  a request, no ACK (13.3.1.4)
 *                        v                                      v
 *                    terminated <-------------------------------+
 *   2xx straight away: created 'confirmed'.
 *
 * Requests that arrive before the application holds the dialog (a UAC's dialog before its
 * promise resolved, a UAS's before the ACK) are held in order and delivered afterwards; see
 * DialogServer.
 */
export class Dialog extends EventEmitter<DialogEvents> implements DialogRouting {
  readonly role: DialogRole;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Registry key: Call-ID, local tag, remote tag. */
  readonly key: string;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  readonly secure: boolean;
  localSdp?: string;
  remoteSdp?: string;
  /** @internal At most one INVITE transaction at a time (14.1, 14.2). */
  readonly inviteLock = new InviteLock();
  /** @internal */
  readonly localContact: NameAddr;
  /** @internal */
  readonly ctx: UaContext;
  /** @internal */
  earlyOwner?: EarlyOwner;
  private current: DialogState;
  private localSeqValue?: number;
  private remoteSeqValue?: number;
  private routes: NameAddr[];
  private target: Uri;
  private readonly server: DialogServer;
  private ackWait?: AckWait;
  private lastAck?: SentAck;
  private destroying?: Promise<void>;
  private readonly reinvites: ReInviteClient;

  constructor(ctx: UaContext, init: DialogInit, earlyOwner?: EarlyOwner) {
    super();
    this.ctx = ctx;
    this.role = init.role;
    this.current = init.state;
    this.callId = init.callId;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.localTag = init.localUri.tag ?? '';
    this.remoteTag = init.remoteUri.tag ?? '';
    this.key = dialogKey(this.callId, this.localTag, this.remoteTag);
    this.localSeqValue = init.localSeq;
    this.remoteSeqValue = init.remoteSeq;
    this.routes = init.routeSet;
    this.target = init.remoteTarget;
    this.secure = init.secure;
    this.localContact = init.localContact;
    this.localSdp = init.localSdp;
    this.remoteSdp = init.remoteSdp;
    this.earlyOwner = init.state === 'early' ? earlyOwner : undefined;
    this.server = new DialogServer(this);
    this.reinvites = new ReInviteClient(this, init.callIdOwner);
    ctx.dialogs.add(this);
  }

  get state(): DialogState {
    return this.current;
  }

  get id(): DialogId {
    return { callId: this.callId, localTag: this.localTag, remoteTag: this.remoteTag };
  }

  get localSeq(): number | undefined {
    return this.localSeqValue;
  }

  get remoteSeq(): number | undefined {
    return this.remoteSeqValue;
  }

  get remoteTarget(): Uri {
    return this.target;
  }

  get routeSet(): readonly NameAddr[] {
    return this.routes;
  }

  /**
   * Sends a request in the dialog (INFO, OPTIONS, REFER, NOTIFY, MESSAGE, UPDATE ...) and
   * resolves with its final response, whatever the status. Rejects with TIMEOUT (408) or
   * TRANSPORT (503) when no response comes, TERMINATED when the dialog is over, STATE for
   * INVITE/ACK/CANCEL/BYE (use modify() and destroy()). A 481 or 408, or no answer, ends
   * the dialog (12.2.1.2).
   */
  async request(opts: InDialogRequestOptions): Promise<SipResponse> {
    const method = opts.method.toUpperCase();
    if (NOT_BY_REQUEST.has(method)) throw new SipError('STATE', `${method}: use modify() or destroy()`);
    if (this.current === 'terminated') throw new SipError('TERMINATED', 'the dialog is over');
    const req = this.createRequest(method, opts);
    const res = await this.sendInDialog(req);
    // 12.2.1.2: a 2xx to a target refresh request replaces the remote target.
    if (method === 'UPDATE' && res.status >= 200 && res.status < 300) this.refreshTarget(res);
    return res;
  }

  /**
   * Sends a re-INVITE with `sdp` and resolves with the answer once the 2xx is ACKed. A 491
   * (glare) is retried after the back-off of RFC 3261 14.1; other failures reject with
   * REJECTED and the status, and leave the session as it was.
   */
  modify(sdp: string, opts: MessageContent = {}): Promise<string> {
    return this.reinvites.modify(sdp, opts);
  }

  /**
   * Ends the dialog once, whatever its state: confirmed -> BYE (a UAS that still waits for
   * the ACK of its 2xx sends it after the ACK, 15); early UAC -> CANCEL; early UAS -> a
   * final response (480 unless `status`). Resolves when the BYE is answered; 'destroy'
   * is emitted once.
   */
  destroy(opts: DestroyOptions = {}): Promise<void> {
    this.destroying ??= this.runDestroy(opts);
    return this.destroying;
  }

  /** @internal A request matched to this dialog by the UA core (12.2.2). */
  receiveRequest(req: SipRequest, tx: ServerTransaction): void {
    this.server.receive(req, tx);
  }

  /** @internal A CANCEL for a re-INVITE of this dialog that has no final response yet (9.2). */
  receiveCancel(invite: ServerTransaction): void {
    this.server.cancel(invite);
  }

  /** @internal The ACK of a 2xx we sent (13.3.1.4); others (retransmitted, stray) are absorbed. */
  receiveAck(ack: SipRequest): void {
    const wait = this.ackWait;
    if (!wait || ack.cseq.seq !== wait.retransmitter.seq || !wait.retransmitter.ack()) return;
    this.ackWait = undefined;
    // 13.2.1: an offer in the 2xx is answered in the ACK.
    const body = bodyText(ack);
    if (body) this.remoteSdp = body;
    wait.resolve();
  }

  /** @internal A retransmitted 2xx to our INVITE: the same ACK again (13.2.2.4). */
  resendAck(res: SipResponse): void {
    if (this.lastAck) resendAck(this.ctx, this.lastAck, res);
  }

  /** @internal The ACK this dialog sent for its 2xx, if any (what a late 2xx gets again). */
  get ackSent(): SentAck | undefined {
    return this.lastAck;
  }

  /** @internal The application now holds the dialog: held requests follow. */
  handOver(): void {
    this.server.handOver();
  }

  /** @internal early -> confirmed by a 2xx; a UAC takes route set and target from it (13.2.2.4). */
  confirm(res: SipResponse): void {
    this.transition('confirmed');
    this.earlyOwner = undefined;
    if (this.role === 'uac') {
      this.routes = res.recordRoute.map((r) => r.clone()).reverse();
      this.refreshTarget(res);
      const body = bodyText(res);
      if (body) this.remoteSdp = body;
    }
  }

  /**
   * @internal Builds a request in the dialog. CSeq (12.2.1.1): one more than the last, a UAS
   * starting its empty sequence at random (8.1.1.5); ACK and CANCEL pass `seq`.
   */
  createRequest(method: string, content?: MessageContent, seq?: number): SipRequest {
    let cseq = seq;
    if (cseq === undefined) {
      const last = this.localSeqValue;
      cseq = last === undefined ? 1 + Math.floor(this.ctx.random() * 0x7fff) : last + 1;
      this.localSeqValue = cseq;
    }
    const contact = WITH_CONTACT.has(method) ? this.localContact : undefined;
    return buildInDialogRequest(this, method, cseq, content, contact);
  }

  /** @internal The next hop: the first route, else the remote target (8.1.2, 12.2.1.1). */
  nextHop(): Promise<Target> {
    return this.ctx.resolve(nextHopUri(this));
  }

  /**
   * @internal The ACK for a 2xx to our INVITE (13.2.2.4): CSeq number of the INVITE, built
   * like any request of the dialog, sent outside a transaction and kept for 2xx retransmissions.
   */
  async sendAck(seq: number, headers?: ExtraHeaders): Promise<void> {
    const req = this.createRequest('ACK', headers ? { headers } : undefined, seq);
    const target = await this.nextHop();
    this.lastAck = { seq, req, target };
    await this.ctx.transactions.sendStateless(req, target);
  }

  /**
   * @internal Sends a 2xx to an INVITE and waits for its ACK (13.3.1.4). Resolves on the
   * ACK, or on a BYE that makes it moot (15); rejects with TIMEOUT (408) after 64*T1, when
   * the dialog sends BYE itself, or TERMINATED when the dialog ends meanwhile.
   */
  awaitAck(tx: ServerTransaction, res: SipResponse): Promise<void> {
    tx.respond(res);
    let resolve!: () => void;
    let reject!: (err: SipError) => void;
    const done = new Promise<void>((res2, rej) => {
      resolve = res2;
      reject = rej;
    });
    const retransmitter = new TwoXxRetransmitter(this.ctx, res, tx.source, (err) => {
      this.ackWait = undefined;
      reject(err);
      void this.sendBye({ cause: 'ack-timeout', status: 408 });
    });
    this.ackWait = { retransmitter, resolve, reject, settled: done.then(noop, noop) };
    return done;
  }

  /** @internal A BYE before the ACK (RFC 3261 15): stop retransmitting, the wait is over. */
  stopAckWait(): void {
    const wait = this.ackWait;
    if (!wait) return;
    this.ackWait = undefined;
    wait.retransmitter.stop();
    wait.resolve();
  }

  /** @internal Replaces the remote target with the Contact of a target refresh (12.2). */
  refreshTarget(msg: SipRequest | SipResponse): void {
    const c = msg.contact[0];
    if (c && !c.wildcard) this.target = c.uri.clone();
  }

  /** @internal Checks and records the CSeq of a request from the peer (12.2.2): false when out of order. */
  acceptRemoteSeq(seq: number): boolean {
    if (this.remoteSeqValue !== undefined && seq < this.remoteSeqValue) return false;
    this.remoteSeqValue = seq;
    return true;
  }

  /**
   * @internal Ends the dialog without sending anything: the peer's BYE, a failed request,
   * a final response to the INVITE, shutdown. Stops every timer, answers what is pending
   * (15.1.2) and emits 'destroy' once.
   */
  finish(end: DialogEnd): void {
    if (this.current === 'terminated') return;
    this.transition('terminated');
    this.ctx.dialogs.remove(this);
    this.earlyOwner = undefined;
    const wait = this.ackWait;
    if (wait) {
      this.ackWait = undefined;
      wait.retransmitter.stop();
      wait.reject(new SipError('TERMINATED', 'the dialog ended before the ACK'));
    }
    this.inviteLock.close();
    this.reinvites.close();
    this.server.close();
    try {
      this.emit('destroy', end);
    } catch (err) {
      this.ctx.logger.error({ err, dialog: this.key }, "a 'destroy' listener threw");
    }
    // Nothing is emitted after 'destroy': the application's listeners (its call, its media)
    // are let go, while the dialog itself may stay reachable (a UAC's ACK for a late 2xx).
    this.removeAllListeners();
  }

  /** @internal Sends BYE and ends the dialog at once (15.1.1: the session is over when the BYE leaves). */
  async sendBye(end: DialogEnd, opts: DestroyOptions = {}): Promise<void> {
    if (this.current === 'terminated') return;
    const bye = this.createRequest('BYE', opts.headers ? { headers: opts.headers } : undefined);
    this.finish(end);
    try {
      await this.sendInDialog(bye);
    } catch (err) {
      this.ctx.logger.debug({ err, dialog: this.key }, 'BYE failed');
    }
  }

  private async runDestroy(opts: DestroyOptions): Promise<void> {
    if (this.current === 'early') {
      const owner = this.earlyOwner;
      if (owner) owner.destroyEarly(opts);
      else this.finish({ cause: 'local' });
      return;
    }
    // RFC 3261 15: the callee sends no BYE before the ACK of its 2xx (or the wait's end).
    if (this.ackWait && this.role === 'uas') await this.ackWait.settled;
    await this.sendBye({ cause: 'local' }, opts);
  }

  /** @internal Sends an in-dialog request; a 481 or 408, or no response at all, ends the dialog (12.2.1.2). */
  async sendInDialog(req: SipRequest, hooks?: ClientRequestHooks): Promise<SipResponse> {
    let res: SipResponse;
    try {
      res = await sendAndWait(this.ctx.transactions, req, await this.nextHop(), hooks);
    } catch (err) {
      const e = withStatus(err);
      if (e.code === 'TIMEOUT') void this.sendBye({ cause: 'request-failed', status: 408, request: req });
      throw e;
    }
    if (res.status === 481) this.finish({ cause: 'request-failed', status: 481, request: req });
    else if (res.status === 408) void this.sendBye({ cause: 'request-failed', status: 408, request: req });
    return res;
  }

  private transition(to: DialogState): void {
    if (!MOVES[this.current].includes(to)) {
      throw new SipError('STATE', `dialog ${this.key}: illegal transition ${this.current} -> ${to}`);
    }
    if (this.ctx.logger.isLevelEnabled('debug')) {
      this.ctx.logger.debug({ dialog: this.key, from: this.current, to }, 'dialog state');
    }
    this.current = to;
  }
}

function noop(): void {}
