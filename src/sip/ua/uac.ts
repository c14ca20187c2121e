import { authorizeRequest, DigestClientState } from '../auth/digest-client.ts';
import { sendAndWait, withStatus } from '../dialog/client-request.ts';
import {
  type DestroyOptions,
  Dialog,
  type DialogEndCause,
  type EarlyOwner,
  type SentAck,
} from '../dialog/dialog.ts';
import { type DialogInit, lateDialogInit, uacDialogInit } from '../dialog/dialog-init.ts';
import type { ExtraHeaders } from '../dialog/message-content.ts';
import type { UaContext } from '../dialog/ua-context.ts';
import { SipError } from '../errors.ts';
import { FrozenMessage } from '../message/frozen-message.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import type { ClientTransactionUser, ServerTransaction } from '../transaction/types.ts';
import type { Target } from '../transport/types.ts';
import { buildCancel, copyInvite } from './invite-requests.ts';

export type UacState = 'resolving' | 'calling' | 'proceeding' | 'answered' | 'terminated';

const MOVES: Readonly<Record<UacState, readonly UacState[]>> = {
  resolving: ['calling', 'terminated'],
  calling: ['calling', 'proceeding', 'answered', 'terminated'],
  proceeding: ['calling', 'answered', 'terminated'],
  answered: [],
  terminated: [],
};

export interface UacCallbacks {
  /** Each provisional response, with the early dialog it created or belongs to (To tag, 12.1.2). */
  onProvisional?(res: SipResponse, earlyDialog?: Dialog): void;
}

export interface UacSettings {
  /** Where to send the INVITE instead of its Route/Request-URI (an outbound proxy). */
  target?: Target;
  /** Answers one 401/407 with digest (RFC 3261 22.2). */
  auth?: { username: string; password: string };
  /** User part of our Contact. */
  contactUser?: string;
}

/** Where pending UACs are known, so that early in-dialog requests can wait for their dialog. */
export interface UacRegistry {
  addUac(uac: Uac): void;
  removeUac(uac: Uac): void;
}

/** Requests held for a dialog this UAC has not created yet; more get 481. */
const MAX_HELD = 16;

/**
 * The client side of an INVITE outside a dialog: `established` resolves with the dialog on
 * the first 2xx, after its ACK went out (13.2.2.4), and rejects with REJECTED and the
 * status on 3xx-6xx, CANCELLED (487) after cancel(), TIMEOUT (408) on timer B, TRANSPORT
 * (503) when it cannot be sent.
 *
 *   resolving --INVITE sent--> calling --1xx--> proceeding
 *       |                        |  ^  401/407: once more    |
 *       |                        |  +-- with credentials ----+
 *       |                        | 2xx: ACK, dialog           | 2xx
 *       |                        +-------------> answered <---+
 *       | cancel() before sending; 3xx-6xx, timer B, transport error
 *       +-------------------------------------------> terminated
 *
 * cancel() sends CANCEL once a provisional has arrived (9.1), at once if one has. A 2xx
 * that wins the race with the CANCEL is ACKed and BYEd. Later 2xx of other forks get ACK
 * and BYE (13.2.2.4); their early dialogs end when the first 2xx arrives.
 *
 * Held: a request from the callee (its To tag our From tag) that arrives before the 1xx or
 * 2xx that creates its dialog (lost or overtaken) is kept, up to MAX_HELD, and given to that
 * dialog when it is created; when the INVITE ends without it, it gets 481 (12.2.2).
 */
export class Uac implements EarlyOwner {
  readonly established: Promise<Dialog>;
  /** Call-ID and From tag: with a remote tag, the id of every dialog this INVITE creates. */
  readonly callId: string;
  readonly localTag: string;
  private current: UacState = 'resolving';
  private invite: SipRequest;
  private target?: Target;
  private attempt = 0;
  private provisionalSeen = false;
  private cancelRequested = false;
  private cancelSent = false;
  private cancelHeaders?: ExtraHeaders;
  private authTried = false;
  private readonly early = new Map<string, Dialog>();
  private dialog?: Dialog;
  private readonly forks = new Map<string, Dialog>();
  private held: { req: SipRequest; tx: ServerTransaction }[] = [];
  private failure?: SipResponse;
  private resolve!: (d: Dialog) => void;
  private reject!: (err: SipError) => void;
  /** What the current INVITE transaction reaches (see `TransactionLink`). */
  private link?: TransactionLink;
  /** The ACK of the 2xx has been sent (or could not be): what a late 2xx gets is known. */
  private ackDone = false;

  constructor(
    private readonly ctx: UaContext,
    private readonly registry: UacRegistry,
    invite: SipRequest,
    private readonly settings: UacSettings,
    private callbacks: UacCallbacks,
    private readonly digest: DigestClientState = new DigestClientState(),
  ) {
    this.invite = invite;
    this.callId = invite.callId;
    this.localTag = invite.from.tag ?? '';
    this.established = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // The application may drop the promise (a cancelled call): no unhandled rejection.
    this.established.catch(() => {});
  }

  get state(): UacState {
    return this.current;
  }

  /** The final non-2xx response that ended the INVITE (a 3xx's Contacts: RFC 3261 8.1.3.4). */
  get finalResponse(): SipResponse | undefined {
    return this.failure;
  }

  /** The INVITE as sent last (after an authentication retry, the second one). */
  get request(): SipRequest {
    return this.invite;
  }

  /** Resolves the next hop and sends the INVITE. */
  async start(): Promise<void> {
    this.registry.addUac(this);
    let target: Target;
    try {
      target = this.settings.target ?? (await this.ctx.resolve(this.invite.route[0]?.uri ?? this.invite.uri));
    } catch (err) {
      this.fail(withStatus(err));
      return;
    }
    if (this.cancelRequested) {
      this.fail(new SipError('CANCELLED', 'cancelled before the INVITE was sent', 487));
      return;
    }
    this.target = target;
    this.invite.contact = [this.ctx.contact(target.protocol, this.settings.contactUser)];
    this.send(this.invite);
  }

  /** Cancels the INVITE (RFC 3261 9.1); nothing once a final response arrived. */
  cancel(opts: { headers?: ExtraHeaders } = {}): void {
    if (this.cancelRequested || this.current === 'answered' || this.current === 'terminated') return;
    this.cancelRequested = true;
    this.cancelHeaders = opts.headers;
    if (this.provisionalSeen) this.sendCancel();
  }

  /** @internal A request with our Call-ID and From tag as To tag, but no dialog yet: held until one exists. */
  hold(req: SipRequest, tx: ServerTransaction): boolean {
    if (this.current === 'answered' || this.current === 'terminated' || this.held.length >= MAX_HELD)
      return false;
    this.held.push({ req, tx });
    return true;
  }

  /** @internal (EarlyOwner) destroy() of an early dialog: cancel the INVITE. */
  destroyEarly(opts: DestroyOptions): void {
    this.cancel({ headers: opts.headers });
  }

  /** @internal (EarlyOwner) The peer sent BYE on an early dialog: that dialog is gone. */
  earlyBye(bye: SipRequest): void {
    this.early.delete(bye.from.tag ?? '');
  }

  private send(invite: SipRequest): void {
    const attempt = ++this.attempt;
    // The closures reach the UAC through the link only (never `this`): once the dialog is
    // over, the link is moved to what answers late 2xx, and the UAC can be collected.
    const link: TransactionLink = { uac: this };
    this.link = link;
    const user: ClientTransactionUser = {
      onResponse: (res) => {
        const uac = link.uac;
        if (uac) {
          if (attempt === uac.attempt) uac.onResponse(res);
        } else if (res.status >= 200 && res.status < 300) {
          link.late?.on2xx(res);
        }
      },
      onError: (err) => {
        const uac = link.uac;
        if (uac && attempt === uac.attempt) uac.onError(err);
      },
    };
    this.transition('calling');
    try {
      this.ctx.transactions.sendRequest(invite, this.target!, user);
    } catch (err) {
      this.fail(withStatus(err));
    }
  }

  private onResponse(res: SipResponse): void {
    if (res.status < 200) this.onProvisional(res);
    else if (res.status < 300) void this.on2xx(res);
    else this.onFailure(res);
  }

  private onProvisional(res: SipResponse): void {
    if (this.current !== 'calling' && this.current !== 'proceeding') return;
    if (this.current === 'calling') this.transition('proceeding');
    this.provisionalSeen = true;
    if (this.cancelRequested) {
      if (!this.cancelSent) this.sendCancel();
      return;
    }
    const tag = res.to.tag;
    let dialog: Dialog | undefined;
    if (tag !== undefined && res.status > 100) {
      dialog = this.early.get(tag);
      // An early dialog ended by a request of ours (481/408) starts afresh with the next 1xx.
      if (!dialog || dialog.state === 'terminated') {
        dialog = new Dialog(this.ctx, uacDialogInit(this.invite, res), this);
        this.early.set(tag, dialog);
        this.moveHeld(dialog);
      }
    }
    try {
      this.callbacks.onProvisional?.(res, dialog);
    } catch (err) {
      this.ctx.logger.error({ err }, 'onProvisional threw');
    }
  }

  private async on2xx(res: SipResponse): Promise<void> {
    const tag = res.to.tag ?? '';
    if (this.dialog) {
      if (tag === this.dialog.remoteTag) this.dialog.resendAck(res);
      else this.ackAndByeFork(res, tag);
      return;
    }
    if (this.current === 'terminated') {
      this.ackAndByeFork(res, tag);
      return;
    }
    let dialog = this.early.get(tag);
    this.early.delete(tag);
    if (dialog?.state === 'early') {
      dialog.confirm(res);
    } else {
      dialog = new Dialog(this.ctx, uacDialogInit(this.invite, res));
    }
    this.dialog = dialog;
    dialog.once('destroy', () => this.letGo());
    this.transition('answered');
    // No more provisionals reach the application; the transaction lingers (timer M, RFC 6026)
    // and must not keep the application's objects alive through these callbacks.
    this.callbacks = {};
    this.registry.removeUac(this);
    this.endEarly('forked');
    this.moveHeld(dialog);
    this.refuseHeld();
    try {
      await dialog.sendAck(this.invite.cseq.seq, credentialHeaders(this.invite));
    } catch (err) {
      this.ctx.logger.warn({ err, dialog: dialog.key }, 'ACK for the 2xx could not be sent');
    }
    this.ackDone = true;
    // A dialog that ended while its ACK was on its way is let go now, the ACK known.
    if (dialog.state === 'terminated') this.letGo();
    if (this.cancelRequested) {
      // The 2xx won the race with our CANCEL: end the call it set up (9.1, 15).
      void dialog.destroy();
      this.reject(new SipError('CANCELLED', 'cancelled; the 2xx that crossed the CANCEL was ended', 487));
      return;
    }
    this.resolve(dialog);
    dialog.handOver();
  }

  private onFailure(res: SipResponse): void {
    if (this.current !== 'calling' && this.current !== 'proceeding') return;
    const challenged = res.status === 401 || res.status === 407;
    if (challenged && this.settings.auth && !this.authTried && !this.cancelRequested) {
      this.retryWithCredentials(res);
      return;
    }
    this.failure = res;
    this.endEarly(this.cancelRequested ? 'cancelled' : 'rejected', res.status);
    this.fail(
      this.cancelRequested
        ? new SipError('CANCELLED', 'the INVITE was cancelled', 487)
        : new SipError('REJECTED', `INVITE answered ${res.status} ${res.reason}`, res.status),
    );
  }

  private onError(err: SipError): void {
    if (this.current !== 'calling' && this.current !== 'proceeding') return;
    this.endEarly(this.cancelRequested ? 'cancelled' : 'rejected', 408);
    this.fail(this.cancelRequested ? new SipError('CANCELLED', err.message, 487) : withStatus(err));
  }

  /** RFC 3261 22.2: the same INVITE with the next CSeq and the credentials, once. */
  private retryWithCredentials(res: SipResponse): void {
    this.authTried = true;
    this.endEarly('rejected', res.status);
    const next = copyInvite(this.invite, this.invite.cseq.seq + 1);
    try {
      const h = authorizeRequest(next, res, this.settings.auth!, this.digest);
      next.add(h.name, h.value);
    } catch (err) {
      this.fail(new SipError('REJECTED', `cannot answer the challenge: ${String(err)}`, res.status));
      return;
    }
    this.invite = next;
    this.provisionalSeen = false;
    this.send(next);
  }

  private sendCancel(): void {
    this.cancelSent = true;
    const cancel = buildCancel(this.invite, this.cancelHeaders);
    sendAndWait(this.ctx.transactions, cancel, this.target!).catch((err: unknown) => {
      this.ctx.logger.debug({ err, callId: this.callId }, 'CANCEL got no answer');
    });
  }

  /**
   * The dialog is over while the INVITE transaction lingers (timer M, RFC 6026, 64*T1): from
   * now on it reaches only what re-ACKs a retransmitted 2xx and ends late forks, so this UAC,
   * its dialog and what they hold are let go with the call, not 32 s later.
   */
  private letGo(): void {
    const link = this.link;
    const dialog = this.dialog;
    if (!link || link.uac !== this || !dialog || !this.ackDone) return;
    link.late = new LateAnswers(
      this.ctx,
      dialog.remoteTag,
      dialog.ackSent,
      this.forks.size > 0 ? this.forks : undefined,
      credentialHeaders(this.invite),
    );
    link.uac = undefined;
  }

  private ackAndByeFork(res: SipResponse, tag: string): void {
    const invite = this.invite;
    ackAndByeFork(
      this.ctx,
      () => uacDialogInit(invite, res),
      credentialHeaders(invite),
      this.forks,
      res,
      tag,
    );
  }

  private endEarly(cause: DialogEndCause, status?: number): void {
    for (const d of this.early.values()) d.finish({ cause, status });
    this.early.clear();
  }

  /** Held requests from the dialog's remote party go to it (it holds them until handed over). */
  private moveHeld(dialog: Dialog): void {
    if (this.held.length === 0) return;
    const keep: typeof this.held = [];
    for (const h of this.held) {
      if ((h.req.from.tag ?? '') === dialog.remoteTag) dialog.receiveRequest(h.req, h.tx);
      else keep.push(h);
    }
    this.held = keep;
  }

  /** 12.2.2: requests for a dialog that never came to be. */
  private refuseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) {
      const d = this.early.get(h.req.from.tag ?? '');
      if (d) d.receiveRequest(h.req, h.tx);
      else h.tx.respond(createResponse(h.req, 481));
    }
  }

  private fail(err: SipError): void {
    if (this.current === 'terminated' || this.current === 'answered') return;
    this.transition('terminated');
    this.callbacks = {};
    this.registry.removeUac(this);
    this.refuseHeld();
    this.reject(err);
  }

  private transition(to: UacState): void {
    if (!MOVES[this.current].includes(to)) {
      throw new SipError('STATE', `UAC ${this.callId}: illegal transition ${this.current} -> ${to}`);
    }
    this.current = to;
  }
}

/** What an INVITE's client transaction reaches: the UAC while its dialog lives, then only `late`. */
interface TransactionLink {
  uac?: Uac;
  late?: LateAnswers;
}

/**
 * 2xx responses that reach a lingering INVITE transaction after its dialog ended: the one
 * of the dialog gets its ACK again, one of another fork gets ACK and BYE (13.2.2.4). It
 * lives as long as the transaction (timer M, 32 s) and so keeps neither the INVITE nor the
 * ACK object: the ACK's bytes, and what the ACK of a fork needs besides its 2xx.
 */
class LateAnswers {
  private readonly ack: { seq: number; wire: FrozenMessage; target: Target } | undefined;

  constructor(
    private readonly ctx: UaContext,
    private readonly tag: string,
    ack: SentAck | undefined,
    private forks: Map<string, Dialog> | undefined,
    private readonly credentials: ExtraHeaders | undefined,
  ) {
    this.ack = ack && { seq: ack.seq, wire: FrozenMessage.of(ack.req), target: ack.target };
  }

  on2xx(res: SipResponse): void {
    const tag = res.to.tag ?? '';
    if (tag !== this.tag) {
      this.forks ??= new Map();
      ackAndByeFork(this.ctx, () => lateDialogInit(res), this.credentials, this.forks, res, tag);
      return;
    }
    const ack = this.ack;
    if (!ack || res.cseq.seq !== ack.seq) return;
    this.ctx.transactions.sendAgain(ack.wire, ack.target).catch((err: unknown) => {
      this.ctx.logger.debug({ err, callId: res.callId }, 'ACK retransmission failed');
    });
  }
}

/** A 2xx from another fork (or after we gave up): ACK it, then BYE it (13.2.2.4). */
function ackAndByeFork(
  ctx: UaContext,
  init: () => DialogInit,
  credentials: ExtraHeaders | undefined,
  forks: Map<string, Dialog>,
  res: SipResponse,
  tag: string,
): void {
  const known = forks.get(tag);
  if (known) {
    known.resendAck(res);
    return;
  }
  const fork = new Dialog(ctx, init());
  forks.set(tag, fork);
  fork.handOver();
  fork
    .sendAck(res.cseq.seq, credentials)
    .catch((err: unknown) => ctx.logger.debug({ err }, 'ACK of a forked 2xx failed'))
    .then(() => fork.destroy());
}

/** The credentials of an INVITE, for its ACK (22.1: the ACK of a 2xx carries the same). */
function credentialHeaders(invite: SipRequest): ExtraHeaders | undefined {
  const auth = invite.getAll('Authorization');
  const proxy = invite.getAll('Proxy-Authorization');
  if (auth.length === 0 && proxy.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  if (auth.length) out.Authorization = auth;
  if (proxy.length) out['Proxy-Authorization'] = proxy;
  return out;
}
