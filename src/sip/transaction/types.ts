import type { SipError } from '../errors.ts';
import type { WireMessage } from '../message/frozen-message.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Source, Target } from '../transport/types.ts';

/** RFC 3261 timer values in ms (17.1.1.1, table 4). */
export interface TimerValues {
  T1: number;
  T2: number;
  T4: number;
  /** Timer D over unreliable transports: "at least 32 s" (17.1.1.2), the larger of this and 64*T1. */
  D: number;
}

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000, D: 32_000 };

/**
 * What the transaction layer needs from the transport layer below it. The transport layer
 * fills the top Via's sent-by (transport, host, port) of requests and routes responses by
 * their top Via (RFC 3261 18.2.2) using the source the request came from.
 */
export interface MessageSender {
  /** A request (its top Via already complete, or with an empty host the transport fills). */
  sendRequest(req: WireMessage, target: Target): Promise<void>;
  sendResponse(res: WireMessage, source: Source): Promise<void>;
  /** Whether the protocol is reliable (no retransmission timers A, E, G; zero-length D, I, J, K). */
  isReliable(protocol: Target['protocol']): boolean;
}

/** The transaction user of a client transaction (the UAC core or a dialog). */
export interface ClientTransactionUser {
  /** Every response that the state machine passes up: provisionals, the final, 2xx retransmissions (RFC 6026). */
  onResponse(res: SipResponse): void;
  /** Timer B / F fired (the TU treats it as a 408, RFC 3261 8.1.3.1), or the transport failed. */
  onError(err: SipError): void;
  /** The transaction reached Terminated. */
  onTerminated?(): void;
}

export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';
export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';
export type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';
export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export interface ClientTransaction {
  readonly id: string;
  readonly request: SipRequest;
  readonly target: Target;
  readonly state: InviteClientState | NonInviteClientState;
}

export interface ServerTransaction {
  readonly id: string;
  /** The request that created it; let go once the final response is sent (a lingering transaction needs only its key). */
  readonly request: SipRequest;
  readonly source: Source;
  readonly state: InviteServerState | NonInviteServerState;
  /** Sends a response through the state machine (retransmitted/absorbed as 17.2 says). */
  respond(res: SipResponse): void;
  /**
   * Subscribes to the end of the transaction. `err` says why it failed when it did: TIMEOUT
   * (timer H, no ACK), TRANSPORT (17.2.4), TERMINATED (the layer closed before a final
   * response). A handler added after the end runs at once.
   */
  onTerminated(handler: (err?: SipError) => void): void;
}

/** Handlers the UA core installs on the transaction layer. */
export interface TransactionCore {
  /** A request that created a new server transaction (not retransmissions, not ACK, not a matched CANCEL). */
  onRequest(req: SipRequest, tx: ServerTransaction): void;
  /** An ACK that matches no server transaction: the ACK for a 2xx, for the dialog layer (RFC 3261 17.2.3, RFC 6026). */
  onAck(ack: SipRequest, source: Source): void;
  /** A CANCEL matched an INVITE server transaction that has no final response yet (RFC 3261 9.2). */
  onCancel?(cancel: SipRequest, invite: ServerTransaction): void;
  /** A response matching no client transaction: 2xx retransmissions after the transaction ended go to the UAC core (RFC 3261 17.1.1.2). */
  onStrayResponse(res: SipResponse, source: Source): void;
}

/**
 * The transaction layer as the UA core and the dialog layer use it. The class that
 * implements it is `TransactionLayer` in `transaction-layer.ts`.
 */
export interface TransactionLayerApi {
  /** Installs the UA core that receives new requests, 2xx ACKs, CANCELs and stray responses. */
  setCore(core: TransactionCore): void;
  /**
   * Starts a client transaction for `req` (INVITE, or any non-INVITE but ACK). When the request
   * has no Via, pushes one with an empty host, `rport` and a fresh `z9hG4bK` branch (the
   * transport layer fills the sent-by); a request that already has a top Via with a branch
   * (CANCEL, RFC 3261 9.1) keeps it.
   */
  sendRequest(req: SipRequest, target: Target, user: ClientTransactionUser): ClientTransaction;
  /** Sends a request outside any transaction: the ACK for a 2xx (RFC 3261 13.2.2.4). Adds a Via as above when missing. */
  sendStateless(req: SipRequest, target: Target): Promise<void>;
  /** Sends a request sent before (its Via complete) again as it was: a kept ACK for a late 2xx. */
  sendAgain(req: WireMessage, target: Target): Promise<void>;
  /** Sends a response outside any transaction: 2xx retransmissions by the UAS core (13.3.1.4). */
  sendResponseStateless(res: SipResponse, source: Source): Promise<void>;
  /** Entry points called by the transport layer for every parsed message. */
  receiveRequest(req: SipRequest, source: Source): void;
  receiveResponse(res: SipResponse, source: Source): void;
  /** Number of live transactions: tests assert it returns to 0. */
  readonly size: number;
  /** Cancels every timer and drops every transaction. */
  close(): void;
}
