import { SipRequest, type SipResponse } from '../message/message.ts';

/**
 * The ACK that an INVITE client transaction sends for a 300-699 response (RFC 3261
 * 17.1.1.3). It is part of the INVITE transaction, so it reuses the INVITE's branch:
 * Request-URI, Call-ID, From and CSeq number of the INVITE, the To of the response (with the
 * tag the server added), one Via equal to the INVITE's top Via, and the INVITE's Route set.
 */
export function createNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const ack = new SipRequest('ACK', invite.uri.clone());
  ack.via = [invite.via[0].clone()];
  ack.maxForwards = 70;
  ack.route = invite.route.map((r) => r.clone());
  ack.from = invite.from.clone();
  ack.to = res.to.clone();
  ack.callId = invite.callId;
  ack.cseq = { seq: invite.cseq.seq, method: 'ACK' };
  return ack;
}
