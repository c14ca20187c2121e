import type { OutgoingResponse } from '../../sip/dialog/outgoing-response.ts';
import type { SipRequest } from '../../sip/message/message.ts';
import type { CallLeg } from '../call-leg.ts';
import type { HangupSource } from '../hangup-cause.ts';

/** Webhook form fields (the call flow's WebhookParams). */
export type TransferParams = Record<string, string>;

/** What the customer hears about a transfer (Event=Transfer webhooks). */
export interface TransferInfo {
  type: 'blind' | 'attended';
  /** The Refer-To as received. */
  referTo: string;
  /** Referred-By, else the referrer's From URI. */
  referredBy: string;
}

export type TransferStatus = 'requested' | 'completed' | 'failed';

/**
 * What the call flow lends the transfer service for one call (given at watch()):
 * - ask: the application's transfer URL (the spec's sip_transfer_url) is asked whether to
 *   accept (resolves true to accept); absent when the application has none;
 * - tell: notifies the transfer URL of the outcome;
 * - cutVerb: cuts the running verb short; the document goes on with the next verb (the
 *   IVR case: the caller's leg was replaced and the verb played to the old one).
 */
export interface TransferHooks {
  ask?(info: TransferInfo): Promise<boolean>;
  tell?(info: TransferInfo, status: TransferStatus, extra: TransferParams): void;
  cutVerb?(): void;
}

/**
 * What a connected `<Dial>` lends the transfer service while it bridges the call's leg
 * (the A side) with its winner (the peer, B). Registered through Dialer.transfers.
 */
export interface BridgeHandle {
  /** The Dial's connected B-leg. */
  readonly peer: CallLeg;
  /** The call's own leg was replaced: bridge the peer with the call's new leg instead. */
  callLegReplaced(leg: CallLeg): void;
  /**
   * A transfer of the peer is under way (a REFER from it): while held, its end does not end
   * the Dial; release() undoes it (the transfer failed).
   */
  holdPeer(): { release(): void };
  /** Another leg takes the peer's place (it becomes the Dial's winner); the old one is no longer watched. */
  replacePeer(leg: CallLeg): void;
  /**
   * The peer leaves for another call, still up: the Dial ends without hanging it up. `by`
   * is the DialBLegHangupSource its callbacks report (default Vobiz).
   */
  detachPeer(by?: HangupSource): void;
}

/** A REFER as a leg hands it on (RFC 3515): the request and its answer to give. */
export type ReferListener = (req: SipRequest, res: OutgoingResponse) => void;

/** The Event=Transfer fields sent to the transfer URL (named in the style of the spec's parameters). */
export function transferParams(info: TransferInfo, status: TransferStatus): TransferParams {
  return {
    Event: 'Transfer',
    ReferTo: info.referTo,
    ReferredBy: info.referredBy,
    TransferType: info.type,
    TransferStatus: status,
  };
}
