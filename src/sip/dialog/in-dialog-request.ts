import { SipRequest } from '../message/message.ts';
import { NameAddr } from '../message/name-addr.ts';
import type { Uri } from '../message/uri.ts';
import { applyContent, type MessageContent } from './message-content.ts';

/** The parts of a dialog's state that shape the requests sent in it (RFC 3261 12.2.1.1). */
export interface DialogRouting {
  readonly callId: string;
  /** Local URI with the local tag: the From of our requests. */
  readonly localUri: NameAddr;
  /** Remote URI with the remote tag: the To of our requests. */
  readonly remoteUri: NameAddr;
  readonly remoteTarget: Uri;
  readonly routeSet: readonly NameAddr[];
}

/** URI parameters that a Request-URI may not carry (RFC 3261 19.1.1 table 1). */
const NOT_IN_REQUEST_URI = ['method'];

/**
 * Builds a request inside a dialog (RFC 3261 12.2.1.1): To/From/Call-ID from the dialog,
 * the given CSeq, Max-Forwards 70, and Request-URI plus Route from the route set:
 * - empty route set: Request-URI = remote target, no Route;
 * - first route has `lr` (loose routing): Request-URI = remote target, Route = route set;
 * - first route without `lr` (a strict router): Request-URI = that route's URI stripped of
 *   parameters a Request-URI may not have, Route = the remaining routes then the remote target.
 * `contact` goes in for target refresh and dialog-usage requests (INVITE, UPDATE, REFER ...).
 */
export function buildInDialogRequest(
  d: DialogRouting,
  method: string,
  seq: number,
  content?: MessageContent,
  contact?: NameAddr,
): SipRequest {
  const first = d.routeSet[0];
  let req: SipRequest;
  if (!first) {
    req = new SipRequest(method, d.remoteTarget.clone());
  } else if (first.uri.param('lr') !== undefined) {
    req = new SipRequest(method, d.remoteTarget.clone());
    req.route = d.routeSet.map((r) => r.clone());
  } else {
    const uri = first.uri.clone();
    for (const p of NOT_IN_REQUEST_URI) uri.params.delete(p);
    uri.headers.clear();
    req = new SipRequest(method, uri);
    req.route = d.routeSet.slice(1).map((r) => r.clone());
    req.route.push(new NameAddr(d.remoteTarget.clone()));
  }
  req.from = d.localUri.clone();
  req.to = d.remoteUri.clone();
  req.callId = d.callId;
  req.cseq = { seq, method };
  req.maxForwards = 70;
  if (contact) req.contact = [contact.clone()];
  applyContent(req, content);
  return req;
}

/**
 * The URI of the next hop (RFC 3261 8.1.2, 12.2.1.1): the first route whether it is a loose
 * or a strict router (then it is also the Request-URI), else the remote target.
 */
export function nextHopUri(d: DialogRouting): Uri {
  return d.routeSet[0]?.uri ?? d.remoteTarget;
}
