// A FrozenMessage is what a lingering transaction or dialog sends again: the same bytes, to
// the same place as the message it was made from would go.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrozenMessage, type WireMessage } from '../../../../src/sip/message/frozen-message.ts';
import { parseMessage } from '../../../../src/sip/message/parser.ts';
import type { Source } from '../../../../src/sip/transport/types.ts';
import { responseDestination } from '../../../../src/sip/transport/via-routing.ts';
import { collectGarbage } from '../../../helpers/collect-garbage.ts';

const response = (via: string): Buffer =>
  Buffer.from(
    [
      'SIP/2.0 200 OK',
      `Via: ${via}`,
      'Via: SIP/2.0/UDP 127.0.0.9:5090;branch=z9hG4bK-second',
      'From: <sip:a@example.com>;tag=f1',
      'To: <sip:b@example.com>;tag=t1',
      'Call-ID: frozen-1@example.com',
      'CSeq: 2 BYE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );

const topVia = (m: WireMessage) => {
  const v = m.via[0];
  assert.ok(v, 'a top Via');
  return v;
};

const source = (protocol: 'udp' | 'tcp'): Source => ({
  protocol,
  address: '127.0.0.7',
  port: 40000,
  local: { address: '127.0.0.1', port: 5060 },
});

test('a frozen response goes where the response would, byte for byte, for every routing Via', () => {
  const vias = [
    'SIP/2.0/UDP sender-host.example.com:5070;branch=z9hG4bK-a-long-branch-value',
    'SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK-b;received=127.0.0.6',
    'SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK-c;received=127.0.0.6;rport=5071',
    'SIP/2.0/UDP 127.0.0.5;branch=z9hG4bK-d;rport',
    'SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK-e;maddr=127.0.0.8;ttl=1',
    'SIP/2.0/TLS sender-host.example.com;branch=z9hG4bK-f;received=127.0.0.6',
    'SIP/2.0/TCP [::1]:5072;branch=z9hG4bK-g;rport=5073',
  ];
  for (const via of vias) {
    const bytes = response(via);
    const res = parseMessage(bytes);
    const frozen = FrozenMessage.of(res);
    assert.deepEqual(frozen.toBuffer(), res.toBuffer(), via);
    for (const protocol of ['udp', 'tcp'] as const) {
      const reliable = protocol === 'tcp';
      assert.deepEqual(
        responseDestination(topVia(frozen), source(protocol), reliable),
        responseDestination(topVia(res), source(protocol), reliable),
        `${via} over ${protocol}`,
      );
    }
    assert.equal(frozen.via.length, 1, 'only the top Via routes a response');
  }
});

test('a frozen message does not see later changes to the message, and one without Via has none', () => {
  const res = parseMessage(response('SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK-h;rport=5071'));
  const frozen = FrozenMessage.of(res);
  const before = frozen.toBuffer().toString();
  const top = topVia(res);
  top.host = '127.0.0.99';
  top.params.set('rport', '6000');
  assert.equal(frozen.toBuffer().toString(), before);
  assert.deepEqual(responseDestination(topVia(frozen), source('udp'), false), {
    address: '127.0.0.7',
    port: 5071,
  });

  const bare = parseMessage(response('SIP/2.0/UDP 127.0.0.5;branch=z9hG4bK-i'));
  bare.via = [];
  assert.deepEqual(FrozenMessage.of(bare).via, []);
});

test('a frozen message keeps little of the parsed message (it lingers 32 s per call)', async () => {
  const n = 5000;
  const datagrams = Array.from({ length: n }, (_, i) =>
    response(`SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bK-${i}-lingering-branch;received=127.0.0.6;rport=5071`),
  );
  await collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const kept = datagrams.map((d) => {
    const res = parseMessage(d);
    void res.to.tag; // a transaction reads the To tag before it freezes the response
    return FrozenMessage.of(res);
  });
  await collectGarbage();
  const perMessage = (process.memoryUsage().heapUsed - before) / n;
  // The bytes' Buffer and a few fields are about 300 bytes; a clone of the whole top Via
  // (its parameter map, the branch and the header text it was sliced from) was about 860.
  assert.ok(perMessage < 550, `${Math.round(perMessage)} bytes per frozen message`);
  assert.equal(kept.length, n);
});
