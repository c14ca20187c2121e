import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageParseError, parseVia } from '../../../../src/sip/message/parser.ts';

function rejects(s: string, reason: RegExp): void {
  assert.throws(
    () => parseVia(s),
    (err: unknown) => err instanceof MessageParseError && err.status === 400 && reason.test(err.message),
    s,
  );
}

describe('parseVia', () => {
  test('branch, received, rport requested, maddr, ttl', () => {
    const [v] = parseVia(
      'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK77;rport;received=192.0.2.9;maddr=224.2.0.1;ttl=16',
    );
    assert.equal(v.protocol, 'SIP/2.0');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, '192.0.2.1');
    assert.equal(v.port, 5060);
    assert.equal(v.branch, 'z9hG4bK77');
    assert.equal(v.rportRequested, true);
    assert.equal(v.rport, undefined);
    assert.equal(v.received, '192.0.2.9');
    assert.equal(v.maddr, '224.2.0.1');
    assert.equal(v.params.get('ttl'), '16');
    assert.equal(
      v.toString(),
      'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK77;rport;received=192.0.2.9;maddr=224.2.0.1;ttl=16',
    );
  });

  test('rport with a value (RFC 3581)', () => {
    const [v] = parseVia('SIP/2.0/UDP host.example.com;rport=5061;branch=z9hG4bKa');
    assert.equal(v.rport, 5061);
    assert.equal(v.rportRequested, false);
    assert.equal(v.port, undefined);
    assert.equal(v.sentBy, 'host.example.com:5060');
  });

  test('IPv6 sent-by, and received with or without brackets (RFC 5118 4.5)', () => {
    const [a, b] = parseVia(
      'SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx;received=2001:db8::9, SIP/2.0/TLS [2001:db8::2];received=[2001:db8::9]',
    );
    assert.equal(a.host, '2001:db8::1');
    assert.equal(a.port, 5061);
    assert.equal(a.sentBy, '[2001:db8::1]:5061');
    assert.equal(a.received, '2001:db8::9');
    assert.equal(b.host, '2001:db8::2');
    assert.equal(b.received, '[2001:db8::9]');
    assert.equal(b.sentBy, '[2001:db8::2]:5061');
    assert.equal(a.toString(), 'SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx;received=2001:db8::9');
  });

  test('several values, LWS around separators, lower-case protocol and transport', () => {
    const vias = parseVia(
      'SIP / 2.0 / udp a.example.com : 5062 ; branch = z9hG4bK1 ,sip/2.0/tcp b.example.com',
    );
    assert.equal(vias.length, 2);
    assert.equal(vias[0].protocol, 'SIP/2.0');
    assert.equal(vias[0].transport, 'UDP');
    assert.equal(vias[0].port, 5062);
    assert.equal(vias[0].branch, 'z9hG4bK1');
    assert.equal(vias[1].transport, 'TCP');
    assert.equal(vias[1].branch, undefined);
  });

  test('errors name the defect', () => {
    rejects('SIP/2.0 host', /sent-protocol/);
    rejects('SIP/2.0/UDP', /host/);
    rejects('SIP/2.0/UDP a.com;branch=1,,SIP/2.0/UDP b.com', /empty Via value/);
    rejects('SIP/2.0/UDP a.com:99999', /invalid port/);
    rejects('SIP/2.0/UDP a.com;;branch=1', /empty or invalid parameter in Via/);
    rejects('SIP/2.0/UDP a.com b.com', /invalid character in Via/);
    rejects('SIP/2.0/UDP [::1', /IPv6/);
  });
});
