import type { SipRequest } from '../message/message.ts';
import type { ExtraHeaders, MessageContent } from './message-content.ts';
import type { OutgoingResponse } from './outgoing-response.ts';

/** A dialog's identity (RFC 3261 12). */
export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** Why a dialog ended: the `destroy` event says it once. */
export type DialogEndCause =
  | 'local' // destroy(): we sent BYE
  | 'bye' // the peer sent BYE
  | 'ack-timeout' // no ACK for our 2xx within 64*T1: we sent BYE (13.3.1.4)
  | 'request-failed' // 481, 408 or no answer to an in-dialog request (12.2.1.2)
  | 'cancelled' // an early dialog whose INVITE was cancelled
  | 'rejected' // an early dialog whose INVITE got a non-2xx final response
  | 'forked' // an early dialog of a fork that did not answer first
  | 'shutdown'; // the user agent closed

export interface DialogEnd {
  cause: DialogEndCause;
  status?: number;
  request?: SipRequest;
}

/** Events named after the SIP methods; request events get `(req, res)` and the app answers with `res.send()`. */
export interface DialogEvents {
  /** The peer ended the dialog; already answered 200 ('destroy' follows). */
  bye: [req: SipRequest];
  /** A re-INVITE. Unheard: 200 with the current local SDP (488 when there is none). */
  modify: [req: SipRequest, res: OutgoingResponse];
  /** Unheard: 200 (with the local SDP when the UPDATE carried an offer). */
  update: [req: SipRequest, res: OutgoingResponse];
  /** Unheard: 200. */
  info: [req: SipRequest, res: OutgoingResponse];
  /** Unheard: 200 with Allow and Accept. */
  options: [req: SipRequest, res: OutgoingResponse];
  /** Unheard: 200. */
  notify: [req: SipRequest, res: OutgoingResponse];
  /** Unheard: 501. */
  refer: [req: SipRequest, res: OutgoingResponse];
  /** Unheard: 501. */
  message: [req: SipRequest, res: OutgoingResponse];
  destroy: [end: DialogEnd];
}

export interface DestroyOptions {
  /** Extra headers of the BYE (or CANCEL, or final response of an early UAS dialog). */
  headers?: ExtraHeaders;
  /** Final status of an early UAS dialog; default 480. */
  status?: number;
}

export interface InDialogRequestOptions extends MessageContent {
  method: string;
}

/** The INVITE session that still owns an early dialog: destroy() and an early BYE go to it. */
export interface EarlyOwner {
  /** destroy() on the early dialog: CANCEL (UAC) or a final non-2xx (UAS). */
  destroyEarly(opts: DestroyOptions): void;
  /** The peer sent BYE on the early dialog, already answered 200 (RFC 3261 15.1.2). */
  earlyBye(req: SipRequest): void;
}
