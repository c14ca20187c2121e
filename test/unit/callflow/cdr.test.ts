import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCdr, type CdrInput } from '../../../src/callflow/cdr.ts';
import { HANGUP_CAUSES } from '../../../src/calls/hangup-cause.ts';
import type { SipRequest } from '../../../src/sip/message/message.ts';
import { parseMessage } from '../../../src/sip/message/parser.ts';
import { collectGarbage } from '../../helpers/collect-garbage.ts';

/** An INVITE as it comes off the wire, with 2 KB of headers a CDR has no use for. */
function invite(i: number): SipRequest {
  return parseMessage(
    Buffer.from(
      'INVITE sip:+14155550100@127.0.0.1:5060 SIP/2.0\r\n' +
        `Via: SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK-cdr-${i}\r\n` +
        'Max-Forwards: 70\r\n' +
        `From: "A caller named ${i}" <sip:+14155550${String(i).padStart(3, '0')}@127.0.0.5>;tag=f${i}\r\n` +
        'To: <sip:+14155550100@127.0.0.1>\r\n' +
        `Call-ID: cdr-call-${i}-0123456789abcdef@127.0.0.5\r\n` +
        `CSeq: 1 INVITE\r\n` +
        'User-Agent: a carrier gateway of some length/1.0\r\n' +
        `X-Padding: ${'p'.repeat(2000)}\r\n` +
        'Content-Length: 0\r\n\r\n',
    ),
  ) as SipRequest;
}

function input(req: SipRequest, i: number): CdrInput {
  const started = new Date(Date.UTC(2026, 10, 25, 10, 0, 0));
  return {
    uuid: `uuid-${i}`,
    accountId: 'MA0000000000000000001',
    direction: 'inbound',
    from: req.from.uri.user ?? '',
    to: req.uri.user ?? '',
    callerName: req.from.displayName ?? '',
    startedAt: started,
    answeredAt: new Date(started.getTime() + 2_000),
    endedAt: new Date(started.getTime() + 62_000),
    end: { cause: HANGUP_CAUSES.normal, source: 'Caller', detail: 'BYE' },
    disposition: 'recv_bye',
    sipCallId: req.callId,
    userAgent: req.get('User-Agent') ?? '',
    networkAddr: '127.0.0.5:5070',
  };
}

test('a CDR takes its call and SIP fields from the call (REST 4.6 names)', () => {
  const cdr = buildCdr(input(invite(7), 7));
  assert.equal(cdr.sip_call_id, 'cdr-call-7-0123456789abcdef@127.0.0.5');
  assert.equal(cdr.caller_id_name, 'A caller named 7');
  assert.equal(cdr.caller_id_number, '+14155550007');
  assert.equal(cdr.destination_number, '+14155550100');
  assert.equal(cdr.sip_user_agent, 'a carrier gateway of some length/1.0');
  assert.equal(cdr.network_addr, '127.0.0.5:5070');
  assert.equal(cdr.duration, 62);
  assert.equal(cdr.billsec, 60);
  assert.equal(cdr.hangup_cause, 'NORMAL_CLEARING');
});

test("a stored CDR keeps none of the INVITE's text (the store keeps thousands)", async () => {
  const n = 2000;
  await collectGarbage();
  const before = process.memoryUsage().heapUsed;
  // Each call, and with it its INVITE, is gone once its CDR is made.
  const cdrs = Array.from({ length: n }, (_, i) => buildCdr(input(invite(i), i)));
  await collectGarbage();
  const perCdr = (process.memoryUsage().heapUsed - before) / n;
  // About 840 bytes of fields and strings; a Call-ID or User-Agent sliced from the INVITE
  // kept its whole 2.4 KB text too (3.3 KB).
  assert.ok(perCdr < 2000, `${Math.round(perCdr)} bytes per CDR`);
  assert.equal(cdrs.length, n);
});
