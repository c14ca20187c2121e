import { ownOptional } from '../../util/own-string.ts';
import type { SipError } from '../errors.ts';
import { FrozenMessage } from '../message/frozen-message.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Source } from '../transport/types.ts';
import { BaseTransaction, type TransactionContext } from './base-transaction.ts';
import type { InviteServerState, NonInviteServerState, ServerTransaction } from './types.ts';

type EndHandler = (err?: SipError) => void;

/** What the INVITE and non-INVITE server transactions share: the request, the last response, the end handlers. */
export abstract class ServerTransactionBase extends BaseTransaction implements ServerTransaction {
  readonly source: Source;
  private req: SipRequest | undefined;
  /** The most recent response sent: what a request retransmission gets again (17.2.1, 17.2.2). */
  protected last?: SipResponse;
  /** The last response as bytes, once the transaction only lingers (see `freezeLast`). */
  private frozen?: FrozenMessage;
  /** The To tag of a response no longer kept (the 2xx of an Accepted INVITE transaction). */
  protected forgottenTag?: string;
  private handlers?: EndHandler[];
  private endError?: SipError;
  private ended = false;

  constructor(ctx: TransactionContext, id: string, request: SipRequest, source: Source) {
    super(ctx, id, source.protocol);
    this.req = request;
    this.source = source;
  }

  /**
   * The request that created the transaction, until its final response is sent: then the
   * TU is done with it, and a transaction that lingers (32 s for Completed over UDP, RFC 6026
   * Accepted) absorbs retransmissions by its key and the last response alone.
   */
  get request(): SipRequest {
    return this.req as SipRequest;
  }

  /** The final response went out: the request is let go (see `request`). */
  protected forgetRequest(): void {
    this.req = undefined;
  }

  abstract override readonly state: InviteServerState | NonInviteServerState;

  abstract respond(res: SipResponse): void;

  /** Input: a retransmission of the request that created the transaction. */
  abstract receiveRequest(req: SipRequest): void;

  /** The most recent response sent through the transaction, if any. */
  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** The To tag of the most recent response sent (a 100 Trying has none, 8.2.6.2). */
  get toTag(): string | undefined {
    return this.last ? this.last.to.tag : this.forgottenTag;
  }

  onTerminated(handler: EndHandler): void {
    if (this.ended) {
      this.runHandler(handler);
      return;
    }
    if (this.handlers) this.handlers.push(handler);
    else this.handlers = [handler];
  }

  /** Sends the most recent response again. */
  protected resend(): void {
    const last = this.last ?? this.frozen;
    if (last) this.sendResponse(last, this.source);
  }

  /**
   * The final response was sent and the transaction lingers to answer retransmissions
   * (timer J, 32 s over UDP): it keeps the response's bytes, not the response.
   */
  protected freezeLast(): void {
    const last = this.last;
    if (!last) return;
    this.frozen = FrozenMessage.of(last);
    this.forgottenTag = ownOptional(last.to.tag);
    this.last = undefined;
  }

  /** Call once the machine is in Terminated: tells the TU, with the failure if there was one. */
  protected finish(err: SipError | undefined): void {
    this.ended = true;
    this.endError = err;
    const handlers = this.handlers;
    this.handlers = undefined;
    if (handlers) for (const h of handlers) this.runHandler(h);
  }

  private runHandler(handler: EndHandler): void {
    try {
      handler(this.endError);
    } catch (e) {
      this.userThrew(e);
    }
  }
}
