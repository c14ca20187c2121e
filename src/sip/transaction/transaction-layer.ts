import { type Clock, systemClock } from '../../util/clock.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { ownString } from '../../util/own-string.ts';
import { SipError } from '../errors.ts';
import type { WireMessage } from '../message/frozen-message.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { Via } from '../message/via.ts';
import type { Source, Target } from '../transport/types.ts';
import type { BaseTransaction, TransactionContext } from './base-transaction.ts';
import { newBranch, newTag } from './ids.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { clientKey, isRfc3261Branch, rfc2543Key, serverKey } from './keys.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import {
  type ClientTransaction,
  type ClientTransactionUser,
  DEFAULT_TIMERS,
  type MessageSender,
  type TimerValues,
  type TransactionCore,
  type TransactionLayerApi,
} from './types.ts';

export interface TransactionLayerOptions {
  sender: MessageSender;
  clock?: Clock;
  timers?: Partial<TimerValues>;
  logger?: Logger;
}

type ClientTx = InviteClientTransaction | NonInviteClientTransaction;
type ServerTx = InviteServerTransaction | NonInviteServerTransaction;

/**
 * The transaction layer (RFC 3261 17): creates client transactions for the TU, matches
 * responses to them (17.1.3), matches requests to server transactions or creates new
 * ones (17.2.3, with the RFC 2543 fallback), answers CANCEL (9.2), and passes what belongs
 * to no transaction (2xx ACKs, stray responses) to the core.
 */
export class TransactionLayer implements TransactionLayerApi {
  private readonly ctx: TransactionContext;
  private readonly logger: Logger;
  private readonly clients = new Map<string, ClientTx>();
  private readonly servers = new Map<string, ServerTx>();
  private core?: TransactionCore;

  constructor(opts: TransactionLayerOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.ctx = {
      sender: opts.sender,
      clock: opts.clock ?? systemClock,
      timers: {
        T1: opts.timers?.T1 ?? DEFAULT_TIMERS.T1,
        T2: opts.timers?.T2 ?? DEFAULT_TIMERS.T2,
        T4: opts.timers?.T4 ?? DEFAULT_TIMERS.T4,
        D: opts.timers?.D ?? DEFAULT_TIMERS.D,
      },
      logger: this.logger,
      release: (tx) => this.release(tx),
    };
  }

  get size(): number {
    return this.clients.size + this.servers.size;
  }

  setCore(core: TransactionCore): void {
    this.core = core;
  }

  sendRequest(req: SipRequest, target: Target, user: ClientTransactionUser): ClientTransaction {
    if (req.method === 'ACK') {
      throw new SipError('STATE', 'an ACK is not a client transaction: use sendStateless');
    }
    const branch = ensureVia(req, target);
    const key = clientKey(branch, req.method);
    if (this.clients.has(key)) {
      throw new SipError(
        'STATE',
        `a client transaction with branch ${branch} and method ${req.method} exists`,
      );
    }
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(this.ctx, key, req, target, user)
        : new NonInviteClientTransaction(this.ctx, key, req, target, user);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  sendStateless(req: SipRequest, target: Target): Promise<void> {
    ensureVia(req, target);
    return this.ctx.sender.sendRequest(req, target);
  }

  sendAgain(req: WireMessage, target: Target): Promise<void> {
    return this.ctx.sender.sendRequest(req, target);
  }

  sendResponseStateless(res: SipResponse, source: Source): Promise<void> {
    return this.ctx.sender.sendResponse(res, source);
  }

  receiveResponse(res: SipResponse, source: Source): void {
    const branch = res.via[0]?.branch;
    const tx = branch === undefined ? undefined : this.clients.get(clientKey(branch, res.cseq.method));
    if (tx) {
      tx.receiveResponse(res);
      return;
    }
    // 17.1.1.2: a 2xx retransmitted after the transaction ended is the UAC core's.
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug({ status: res.status, branch, method: res.cseq.method }, 'stray response');
    }
    try {
      this.core?.onStrayResponse(res, source);
    } catch (err) {
      this.coreThrew(err, 'onStrayResponse');
    }
  }

  receiveRequest(req: SipRequest, source: Source): void {
    const top = req.via[0];
    if (!top) {
      // Nowhere to send a response to (18.2.2); the parser should not let this through.
      this.logger.debug({ method: req.method }, 'request without Via dropped');
      return;
    }
    const method = req.method;
    if (method === 'ACK') {
      this.receiveAck(req, source);
      return;
    }
    const rfc3261 = isRfc3261Branch(top.branch);
    const key = rfc3261 ? serverKey(top, method) : rfc2543Key(req, method, req.to.tag ?? '');
    const existing = this.servers.get(key);
    if (existing) {
      existing.receiveRequest(req); // a retransmission: the machine resends or absorbs
      return;
    }
    if (method === 'CANCEL') {
      this.receiveCancel(req, source, key, rfc3261);
      return;
    }
    // The key holds a slice of the request's text; the transaction may linger 32 s after it.
    const id = ownString(key);
    const tx =
      method === 'INVITE'
        ? new InviteServerTransaction(this.ctx, id, req, source)
        : new NonInviteServerTransaction(this.ctx, id, req, source);
    this.servers.set(id, tx);
    if (tx instanceof InviteServerTransaction) tx.start();
    const core = this.core;
    if (!core) {
      tx.respond(createResponse(req, 503, { toTag: newTag() }));
      return;
    }
    try {
      core.onRequest(req, tx);
    } catch (err) {
      this.coreThrew(err, 'onRequest');
      // The request must still get a final response, or an INVITE transaction would live on.
      if (tx.state === 'trying' || tx.state === 'proceeding') {
        tx.respond(createResponse(req, 500, { toTag: tx.toTag ?? newTag() }));
      }
    }
  }

  close(): void {
    const all: BaseTransaction[] = [...this.clients.values(), ...this.servers.values()];
    for (const tx of all) tx.destroy();
    this.clients.clear();
    this.servers.clear();
  }

  /**
   * An ACK for a 300-699 response belongs to the INVITE server transaction (17.2.3); any
   * other ACK (for a 2xx, or one that reached an Accepted transaction, RFC 6026 8.6) goes
   * to the core.
   */
  private receiveAck(ack: SipRequest, source: Source): void {
    const top = ack.via[0];
    let tx: ServerTx | undefined;
    if (isRfc3261Branch(top.branch)) {
      tx = this.servers.get(serverKey(top, 'INVITE'));
    } else {
      // RFC 2543: the ACK carries the To tag of the response, which the INVITE lacked
      // unless it was sent in a dialog.
      const toTag = ack.to.tag ?? '';
      tx = this.servers.get(rfc2543Key(ack, 'INVITE', toTag));
      if (!tx) {
        const candidate = this.servers.get(rfc2543Key(ack, 'INVITE', ''));
        if (candidate && candidate.toTag === ack.to.tag) tx = candidate;
      }
    }
    if (tx instanceof InviteServerTransaction && tx.state !== 'accepted') {
      tx.receiveAck();
      return;
    }
    try {
      this.core?.onAck(ack, source);
    } catch (err) {
      this.coreThrew(err, 'onAck');
    }
  }

  /**
   * CANCEL (9.2): its own non-INVITE server transaction, answered here. 481 when no INVITE
   * transaction matches; otherwise 200, and when the INVITE has no final response yet the
   * core hears of it and, unless it answered meanwhile, the INVITE gets 487.
   */
  private receiveCancel(cancel: SipRequest, source: Source, key: string, rfc3261: boolean): void {
    const cancelTx = new NonInviteServerTransaction(this.ctx, key, cancel, source);
    this.servers.set(key, cancelTx);
    // The CANCEL matches the INVITE as a retransmission of it would, bar the method (9.2).
    const inviteKey = rfc3261
      ? serverKey(cancel.via[0], 'INVITE')
      : rfc2543Key(cancel, 'INVITE', cancel.to.tag ?? '');
    const invite = this.servers.get(inviteKey);
    if (!(invite instanceof InviteServerTransaction)) {
      cancelTx.respond(createResponse(cancel, 481, { toTag: newTag() }));
      return;
    }
    // The To tag of the CANCEL's response and of the INVITE's should be the same (9.2).
    const toTag = invite.toTag ?? newTag();
    cancelTx.respond(createResponse(cancel, 200, { toTag }));
    if (invite.state !== 'proceeding') return;
    try {
      this.core?.onCancel?.(cancel, invite);
    } catch (err) {
      this.coreThrew(err, 'onCancel');
    }
    if (invite.state === 'proceeding') {
      invite.respond(createResponse(invite.request, 487, { toTag: invite.toTag ?? toTag }));
    }
  }

  private release(tx: BaseTransaction): void {
    if (this.clients.get(tx.id) === tx) this.clients.delete(tx.id);
    else if (this.servers.get(tx.id) === tx) this.servers.delete(tx.id);
  }

  /** A core that throws must not take the transport's socket handler down with it. */
  private coreThrew(err: unknown, callback: string): void {
    this.logger.error({ err, callback }, 'transaction core threw');
  }
}

/**
 * Pushes a Via with an empty host (the transport fills the sent-by), rport (RFC 3581) and a
 * fresh branch when the request has none; gives a branch to a top Via without one.
 * Returns the branch.
 */
function ensureVia(req: SipRequest, target: Target): string {
  const top = req.via[0];
  if (top) {
    const branch = top.branch;
    if (branch) return branch;
    const fresh = newBranch();
    top.branch = fresh;
    return fresh;
  }
  const branch = newBranch();
  req.via.push(
    new Via({
      transport: target.protocol.toUpperCase(),
      host: '',
      params: new Map<string, string | null>([
        ['branch', branch],
        ['rport', null],
      ]),
    }),
  );
  return branch;
}
