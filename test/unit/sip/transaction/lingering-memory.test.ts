import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipRequest } from '../../../../src/sip/message/message.ts';
import { parseMessage } from '../../../../src/sip/message/parser.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import { TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.ts';
import type {
  MessageSender,
  ServerTransaction,
  TransactionCore,
} from '../../../../src/sip/transaction/types.ts';
import { collectGarbage } from '../../../helpers/collect-garbage.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { source } from './fixtures.ts';

/** Sends nothing anywhere and keeps nothing. */
const sender: MessageSender = {
  sendRequest: () => Promise.resolve(),
  sendResponse: () => Promise.resolve(),
  isReliable: (protocol) => protocol !== 'udp',
};

/** Answers every request 200 at once, as a UAS core does, and keeps nothing. */
const core: TransactionCore = {
  onRequest(req: SipRequest, tx: ServerTransaction) {
    tx.respond(createResponse(req, 200, { toTag: `uas-tag-${req.cseq.seq}-0123456789` }));
  },
  onAck() {},
  onStrayResponse() {},
};

/** A request as it comes off the wire, with 2 KB of headers no transaction needs. */
function datagram(method: string, i: number): Buffer {
  return Buffer.from(
    `${method} sip:bob@127.0.0.1:5060 SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK-lingering-${method}-${i};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:alice@127.0.0.5>;tag=from-tag-${i}-abcdefghij\r\n` +
      `To: <sip:bob@127.0.0.1>${method === 'BYE' ? `;tag=to-tag-of-the-dialog-${i}` : ''}\r\n` +
      `Call-ID: call-${i}-0123456789abcdef@127.0.0.5\r\n` +
      `CSeq: ${i} ${method}\r\n` +
      `X-Padding: ${'p'.repeat(2000)}\r\n` +
      'Content-Length: 0\r\n\r\n',
  );
}

test("a lingering server transaction keeps none of its request's text (32 s per call over UDP)", async () => {
  const clock = new FakeClock();
  const layer = new TransactionLayer({ sender, clock });
  layer.setCore(core);
  const n = 2000;
  const datagrams = Array.from({ length: n }, (_, i) => datagram(i % 2 === 0 ? 'INVITE' : 'BYE', i + 1));
  await collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (const d of datagrams) layer.receiveRequest(parseMessage(d) as SipRequest, source());
  await collectGarbage();
  const perTransaction = (process.memoryUsage().heapUsed - before) / n;

  // INVITEs Accepted (RFC 6026, timer L) and BYEs Completed (timer J), both 64*T1.
  assert.equal(layer.size, n);
  // The transaction, its timer, key and frozen 200 are about 1.8 KB; a key or To tag sliced
  // from the request's text kept all 2.3 KB of it too (4.3 KB).
  assert.ok(perTransaction < 2500, `${Math.round(perTransaction)} bytes per lingering transaction`);
  clock.advance(64 * 500 + 1);
  assert.equal(layer.size, 0);
});
