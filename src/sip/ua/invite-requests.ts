import { applyContent, type ExtraHeaders } from '../dialog/message-content.ts';
import { SipRequest } from '../message/message.ts';

/**
 * The CANCEL of an INVITE (RFC 3261 9.1): the same Request-URI, Call-ID, From, To, Route
 * and CSeq number, and a single Via equal to the INVITE's top Via, so that it matches the
 * INVITE's server transaction hop by hop.
 */
export function buildCancel(invite: SipRequest, headers?: ExtraHeaders): SipRequest {
  const cancel = new SipRequest('CANCEL', invite.uri.clone());
  cancel.via = [invite.via[0].clone()];
  cancel.from = invite.from.clone();
  cancel.to = invite.to.clone();
  cancel.callId = invite.callId;
  cancel.cseq = { seq: invite.cseq.seq, method: 'CANCEL' };
  cancel.maxForwards = 70;
  cancel.route = invite.route.map((r) => r.clone());
  applyContent(cancel, { headers });
  return cancel;
}

/**
 * The INVITE again for a new transaction (RFC 3261 22.2, after a 401/407): no Via, the given
 * CSeq, the old credentials dropped; Call-ID, tags, body and other headers kept.
 */
export function copyInvite(invite: SipRequest, seq: number): SipRequest {
  const out = new SipRequest(invite.method, invite.uri.clone());
  out.from = invite.from.clone();
  out.to = invite.to.clone();
  out.callId = invite.callId;
  out.cseq = { seq, method: invite.method };
  out.maxForwards = 70;
  out.route = invite.route.map((r) => r.clone());
  out.contact = invite.contact.map((c) => c.clone());
  out.contentType = invite.contentType;
  out.body = invite.body;
  out.headers = invite.headers.filter((h) => {
    const n = h.name.toLowerCase();
    return n !== 'authorization' && n !== 'proxy-authorization' && n !== 'via';
  });
  return out;
}
