import type { SipRequest, SipResponse } from '../message/message.ts';
import type { NameAddr } from '../message/name-addr.ts';
import type { Uri } from '../message/uri.ts';
import type { Protocol } from '../transport/types.ts';
import { bodyText } from './message-content.ts';

export type DialogRole = 'uac' | 'uas';

/** The state a dialog starts with (RFC 3261 12.1). */
export interface DialogInit {
  role: DialogRole;
  /** 'early' for a 1xx with a To tag, 'confirmed' for a 2xx. */
  state: 'early' | 'confirmed';
  callId: string;
  /** Local URI with the local tag. */
  localUri: NameAddr;
  /** Remote URI with the remote tag (may lack one for an RFC 2543 peer). */
  remoteUri: NameAddr;
  /** Empty (undefined) at the UAS until it sends a request (12.1.1). */
  localSeq?: number;
  /** Empty (undefined) at the UAC until a request arrives (12.1.2). */
  remoteSeq?: number;
  routeSet: NameAddr[];
  remoteTarget: Uri;
  secure: boolean;
  localContact: NameAddr;
  /** We generated the Call-ID (RFC 3261 14.1 back-off). */
  callIdOwner: boolean;
  localSdp?: string;
  remoteSdp?: string;
}

/**
 * The UAS side (RFC 3261 12.1.1): route set = the request's Record-Route in order, remote
 * target = its Contact, remote sequence = its CSeq, local URI = To with our tag (from the
 * response), remote URI = From. Secure when the Request-URI is sips: and it came over TLS.
 */
export function uasDialogInit(
  req: SipRequest,
  res: SipResponse,
  protocol: Protocol,
  localContact: NameAddr,
): DialogInit {
  return {
    role: 'uas',
    state: res.status >= 200 ? 'confirmed' : 'early',
    callId: req.callId,
    localUri: res.to.clone(),
    remoteUri: req.from.clone(),
    remoteSeq: req.cseq.seq,
    routeSet: req.recordRoute.map((r) => r.clone()),
    remoteTarget: (req.contact[0]?.uri ?? req.from.uri).clone(),
    secure: req.uri.scheme === 'sips' && protocol === 'tls',
    localContact: localContact.clone(),
    callIdOwner: false,
    localSdp: bodyText(res),
    remoteSdp: bodyText(req),
  };
}

/**
 * The UAC side (RFC 3261 12.1.2): route set = the response's Record-Route reversed, remote
 * target = its Contact, local sequence = the request's CSeq, local URI = From, remote URI =
 * To with the response's tag. Secure when the request went to a sips: URI.
 */
export function uacDialogInit(req: SipRequest, res: SipResponse): DialogInit {
  const routeSet = res.recordRoute.map((r) => r.clone());
  routeSet.reverse();
  return {
    role: 'uac',
    state: res.status >= 200 ? 'confirmed' : 'early',
    callId: req.callId,
    localUri: req.from.clone(),
    remoteUri: res.to.clone(),
    localSeq: req.cseq.seq,
    routeSet,
    remoteTarget: (res.contact[0]?.uri ?? req.uri).clone(),
    secure: req.uri.scheme === 'sips',
    localContact: (req.contact[0] ?? req.from).clone(),
    callIdOwner: true,
    localSdp: bodyText(req),
    remoteSdp: bodyText(res),
  };
}

/**
 * A UAC dialog from its 2xx alone, for a 2xx that arrives after the INVITE was let go (a
 * late fork, 13.2.2.4, which only gets ACK and BYE): the UAS echoes our From, Call-ID and
 * CSeq (8.2.6.2), its Contact is the remote target, its Record-Route the route set.
 */
export function lateDialogInit(res: SipResponse): DialogInit {
  const routeSet = res.recordRoute.map((r) => r.clone());
  routeSet.reverse();
  const remoteTarget = (res.contact[0]?.uri ?? res.to.uri).clone();
  return {
    role: 'uac',
    state: 'confirmed',
    callId: res.callId,
    localUri: res.from.clone(),
    remoteUri: res.to.clone(),
    localSeq: res.cseq.seq,
    routeSet,
    remoteTarget,
    secure: remoteTarget.scheme === 'sips',
    localContact: res.from.clone(),
    callIdOwner: true,
    remoteSdp: bodyText(res),
  };
}
