import { type SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';

/**
 * The error response (400, 505, 413, 513) to a request that was only partly parsed, with
 * the defect as reason phrase; undefined when not even the top Via and CSeq survived.
 */
export function errorResponse(req: SipRequest, status: number, reason: string): SipResponse | undefined {
  if (!req.via[0] || !req.cseq) return undefined;
  const phrase = sanitizeReason(reason);
  if (req.from && req.to && req.callId !== undefined) return createResponse(req, status, { reason: phrase });
  // Not enough for 8.2.6.2: answer anyway so that the client transaction (matched by
  // branch and CSeq method, 17.1.3) ends instead of retransmitting.
  const res = new SipResponse(status, phrase);
  res.via = req.via.map((v) => v.clone());
  if (req.from) res.from = req.from.clone();
  if (req.to) res.to = req.to.clone();
  if (req.callId !== undefined) res.callId = req.callId;
  res.cseq = { seq: req.cseq.seq, method: req.cseq.method };
  return res;
}

/** A Reason-Phrase is one line of text (RFC 3261 25.1). */
function sanitizeReason(reason: string): string {
  const line = reason.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return (line.length > 120 ? line.slice(0, 120) : line) || 'Bad Request';
}
