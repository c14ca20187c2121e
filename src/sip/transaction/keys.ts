import type { SipRequest } from '../message/message.ts';
import { BRANCH_COOKIE, type Via } from '../message/via.ts';

/**
 * Transaction keys: strings built once per message and looked up in maps.
 * RFC 3261 keys start with the magic cookie; RFC 2543 keys start with '|', which a branch
 * (a token) cannot, so both kinds share the server map without colliding.
 */

/** Whether the branch is an RFC 3261 one (8.1.1.7), so that 17.2.3 matching applies. */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch?.startsWith(BRANCH_COOKIE) === true;
}

/** Client matching (17.1.3): the top Via branch and the CSeq method. */
export function clientKey(branch: string, method: string): string {
  return branch + ' ' + method;
}

/**
 * Server matching (17.2.3) for an RFC 3261 branch: branch, sent-by and method, where
 * `method` is the method of the request that created the transaction (INVITE for an ACK).
 */
export function serverKey(top: Via, method: string): string {
  return top.branch + ' ' + top.sentBy.toLowerCase() + ' ' + method;
}

/**
 * Server matching for requests from RFC 2543 elements (17.2.3): Request-URI, To tag, From
 * tag, Call-ID, CSeq number and top Via (its transport, sent-by and branch, not the
 * received/rport the transport may have added). `method` is the method of the request
 * that created the transaction; `toTag` is given separately because an ACK carries the tag
 * of the response, not the INVITE's.
 */
export function rfc2543Key(req: SipRequest, method: string, toTag: string): string {
  const top = req.via[0];
  return (
    '|' +
    method +
    '|' +
    req.uri.toString() +
    '|' +
    toTag +
    '|' +
    (req.from.tag ?? '') +
    '|' +
    req.callId +
    '|' +
    req.cseq.seq +
    '|' +
    top.transport +
    ' ' +
    top.sentBy.toLowerCase() +
    ' ' +
    (top.branch ?? '')
  );
}
