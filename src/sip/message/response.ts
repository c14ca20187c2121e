import { type SipRequest, SipResponse } from './message.ts';
import { reasonPhrase } from './reason.ts';

/**
 * Builds a response to `req` per RFC 3261 8.2.6.2: Via, From, Call-ID and CSeq copied,
 * To copied with `toTag` added when the request's To has none (never for 100, 8.2.6.2).
 * Record-Route is copied for dialog-creating responses (12.1.1).
 */
export function createResponse(
  req: SipRequest,
  status: number,
  opts: { reason?: string; toTag?: string } = {},
): SipResponse {
  const res = new SipResponse(status, opts.reason ?? reasonPhrase(status));
  res.via = req.via.map((v) => v.clone());
  res.from = req.from.clone();
  res.to = req.to.clone();
  if (status > 100 && !res.to.tag && opts.toTag) res.to.tag = opts.toTag;
  res.callId = req.callId;
  res.cseq = { seq: req.cseq.seq, method: req.cseq.method };
  if (status > 100 && status < 300 && req.recordRoute.length > 0) {
    res.recordRoute = req.recordRoute.map((r) => r.clone());
  }
  return res;
}
