import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callPartiesOf } from '../../../src/calls/call-parties.ts';
import { causeOfSipStatus, HANGUP_CAUSES } from '../../../src/calls/hangup-cause.ts';
import { type Application, CallRouter } from '../../../src/calls/routing.ts';
import type { SipRequest } from '../../../src/sip/message/message.ts';
import { parseMessage } from '../../../src/sip/message/parser.ts';

const app = (name: string): Application => ({
  name,
  answerUrl: `http://127.0.0.1/${name}`,
  answerMethod: 'POST',
  hangupUrl: `http://127.0.0.1/${name}/hangup`,
  hangupMethod: 'POST',
  fallbackMethod: 'POST',
});

function invite(lines: string[]): SipRequest {
  const text = [
    ...lines,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipRequest;
}

describe('call routing', () => {
  test('exact numbers (with or without +) and users first, then *, then the default', () => {
    const r = new CallRouter(
      [
        { match: '+4930123', app: app('berlin') },
        { match: 'Sales', app: app('sales') },
        { match: '*', app: app('rest') },
      ],
      app('default'),
    );
    assert.equal(r.route('4930123')?.name, 'berlin');
    assert.equal(r.route('+4930123')?.name, 'berlin');
    assert.equal(r.route('sales')?.name, 'sales');
    assert.equal(r.route('other')?.name, 'rest');
  });

  test('no route and no default: undefined (the INVITE gets 404)', () => {
    const r = new CallRouter([{ match: '100', app: app('a') }]);
    assert.equal(r.route('101'), undefined);
    assert.equal(new CallRouter([], app('d')).route('x')?.name, 'd');
  });
});

describe('call parties of an INVITE', () => {
  test('numbers lose + and separators; SIP users stay URIs; display name is CallerName', () => {
    const p = callPartiesOf(
      invite([
        'INVITE sip:+1-415-555-0100@pb.example.com SIP/2.0',
        'From: "Alice Smith" <sip:+4930123456@carrier.example>;tag=1',
        'To: <sip:+14155550100@pb.example.com>',
        'Diversion: <sip:+4930999@carrier.example>;reason=unconditional',
        'X-VH-Ticket: 42',
        'X-PH-Legacy: yes',
      ]),
    );
    assert.equal(p.from, '4930123456');
    assert.equal(p.to, '14155550100');
    assert.equal(p.callerName, 'Alice Smith');
    assert.equal(p.forwardedFrom, '4930999');
    assert.deepEqual(p.customHeaders, { 'X-VH-Ticket': '42', 'X-PH-Legacy': 'yes' });
    const q = callPartiesOf(
      invite([
        'INVITE sip:demo@127.0.0.1 SIP/2.0',
        'From: <sip:bob@10.0.0.2>;tag=2',
        'To: <sip:demo@127.0.0.1>',
      ]),
    );
    assert.equal(q.from, 'sip:bob@10.0.0.2');
    assert.equal(q.to, 'demo');
    assert.equal(q.callerName, 'sip:bob@10.0.0.2');
  });
});

describe('hangup causes', () => {
  test('SIP failures map to the Vobiz codes', () => {
    assert.equal(causeOfSipStatus(486).code, 3010);
    assert.equal(causeOfSipStatus(404).code, 3050);
    assert.equal(causeOfSipStatus(487), HANGUP_CAUSES.canceled);
    assert.equal(causeOfSipStatus(599).code, 3080);
    assert.equal(causeOfSipStatus(606).code, 3020);
    assert.equal(HANGUP_CAUSES.endOfXml.name, 'End Of XML Instructions');
  });
});
