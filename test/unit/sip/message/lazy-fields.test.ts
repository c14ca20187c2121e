// A parsed message checks every typed header at once but builds the Via, From, To, Contact,
// Route and Record-Route objects, the raw values and the body view when first read.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { MessageParseError, parseMessage, parseNameAddr } from '../../../../src/sip/message/parser.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { Via } from '../../../../src/sip/message/via.ts';

const INVITE = [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport',
  'Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bK0',
  'Max-Forwards: 70',
  'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
  'Record-Route: <sip:rr.example.com;lr>',
  'From: "Alice" <sip:alice@example.com>;tag=a1',
  'To: <sip:bob@example.com>',
  'Call-ID: c1@192.0.2.1',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@192.0.2.1:5060;transport=udp>',
  'Allow: INVITE, ACK, BYE',
  'Content-Type: application/sdp',
];

function wire(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function req(lines: string[], body = ''): SipRequest {
  const m = parseMessage(wire(lines, body));
  assert.ok(m.isRequest());
  return m;
}

function rejects(data: Buffer, reason: RegExp): MessageParseError {
  try {
    parseMessage(data);
  } catch (err) {
    assert.ok(err instanceof MessageParseError);
    assert.match(err.message, reason);
    return err;
  }
  assert.fail('expected a MessageParseError');
}

describe('lazily built fields', () => {
  test('are built on first read, once, with every value in order', () => {
    const m = req(INVITE, 'v=0\r\n');
    const via = m.via;
    assert.equal(m.via, via);
    assert.deepEqual(
      via.map((v) => [v.transport, v.host, v.port, v.branch]),
      [
        ['UDP', '192.0.2.1', 5060, 'z9hG4bK1'],
        ['TCP', 'proxy.example.com', undefined, 'z9hG4bK0'],
      ],
    );
    assert.equal(via[0].rportRequested, true);
    assert.equal(m.from, m.from);
    assert.equal(m.from.displayName, 'Alice');
    assert.equal(m.from.tag, 'a1');
    assert.equal(m.to.tag, undefined);
    assert.equal(m.to.uri.user, 'bob');
    assert.deepEqual(
      m.route.map((r) => r.uri.host),
      ['p1.example.com', 'p2.example.com'],
    );
    assert.equal(m.recordRoute[0].uri.param('lr'), null);
    assert.equal(m.contact[0].uri.port, 5060);
    assert.equal(m.contact[0].uri.param('transport'), 'udp');
    assert.equal(m.get('Allow'), 'INVITE, ACK, BYE');
    assert.equal(m.body.toString(), 'v=0\r\n');
    assert.equal(m.body, m.body);
  });

  test('a field set before it is read replaces the parsed one', () => {
    const m = req(INVITE, 'v=0\r\n');
    m.via = [new Via({ transport: 'TLS', host: 'b.example.com', params: new Map([['branch', 'z9hG4bKx']]) })];
    m.from = new NameAddr(new Uri({ scheme: 'sip', user: 'carol', host: 'c.example.com' }));
    m.to = new NameAddr(new Uri({ scheme: 'sip', host: 'd.example.com' }));
    m.contact = [];
    m.route = [];
    m.recordRoute = [];
    m.body = Buffer.from('x');
    const out = parseMessage(m.toBuffer());
    assert.equal(out.via.length, 1);
    assert.equal(out.via[0].transport, 'TLS');
    assert.equal(out.from.uri.user, 'carol');
    assert.equal(out.to.uri.host, 'd.example.com');
    assert.equal(out.contact.length + out.route.length + out.recordRoute.length, 0);
    assert.equal(out.body.toString(), 'x');
  });

  test('a message built in code has empty lists and no body', () => {
    const m = parseMessage(wire(INVITE)) as SipRequest;
    const res = createResponse(m, 200, { toTag: 't1' });
    assert.equal(res.contact.length, 0);
    assert.equal(res.route.length, 0);
    assert.equal(res.body.length, 0);
    assert.deepEqual(res.recordRoute.map(String), ['<sip:rr.example.com;lr>']);
    const back = parseMessage(res.toBuffer()) as SipResponse;
    assert.equal(back.via[1].branch, 'z9hG4bK0');
    assert.equal(back.to.tag, 't1');
    assert.equal(back.from.tag, 'a1');
  });

  test('serializing an unread parsed message gives its header lines back', () => {
    // One value per line, as the serializer writes them.
    const lines = INVITE.map((l) => (l.startsWith('Route') ? 'Route: <sip:p1.example.com;lr>' : l));
    const data = wire(lines, 'v=0\r\n');
    assert.equal(parseMessage(data).toString(), data.toString());
  });

  test('the body is a view of the datagram, made when first read', () => {
    const data = wire(INVITE, 'v=0\r\n');
    const m = parseMessage(data);
    assert.equal(m.body.buffer, data.buffer);
    assert.equal(m.body.byteOffset, data.byteOffset + data.length - 5);
    assert.equal(req(INVITE).body.length, 0);
  });
});

describe('typed headers are still checked at parse time', () => {
  test('a defect in a header whose objects are built later is a 400 naming it', () => {
    const bad = (line: string) => INVITE.map((l) => (l.startsWith(line.split(':')[0]) ? line : l));
    rejects(wire(bad('Route: <sip:p1.example.com;lr>;;x')), /empty or invalid parameter in Route/);
    rejects(wire(bad('Record-Route: <sip:rr.example.com;lr')), /missing > in Record-Route/);
    rejects(wire(bad('Contact: <sip:alice@192.0.2.1:99999>')), /invalid port in Contact URI/);
    rejects(wire(bad('Contact: <sip:a@b>;expires=x')), /malformed Contact expires/);
    rejects(wire(bad('To: <sip:bob@exa mple.com>')), /To/);
    const err = rejects(
      wire(bad('From: <sip:alice@example.com>;tag=a1;;')),
      /empty or invalid parameter in From/,
    );
    assert.equal(err.partial?.callId, 'c1@192.0.2.1');
  });

  test('a line of the usual shape that goes on in a fold is read whole', () => {
    const m = req([
      ...INVITE.slice(0, 1),
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n ;rport',
      ...INVITE.slice(3),
    ]);
    assert.equal(m.via.length, 1);
    assert.equal(m.via[0].rportRequested, true);
    const to = [...INVITE];
    to[7] = 'To: <sip:bob@example.com>\r\n\t;tag=b2';
    assert.equal(req(to).to.tag, 'b2');
  });

  test('names spelt otherwise, and names that only start like a known one', () => {
    const lines = [...INVITE];
    lines[1] = 'VIA : SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1';
    lines[2] = 'v:SIP/2.0/TCP proxy.example.com;branch=z9hG4bK0';
    lines.push('Viaduct: not a Via', 'Tox: x');
    const m = req(lines);
    assert.equal(m.via.length, 2);
    assert.equal(m.via[1].transport, 'TCP');
    assert.equal(m.get('Viaduct'), 'not a Via');
    assert.equal(m.get('Tox'), 'x');
  });

  test('From, To and Contact rules hold on the fast path too', () => {
    rejects(wire([...INVITE, 'From: <sip:x@example.com>;tag=2']), /more than one From header/);
    rejects(wire([...INVITE, 'To: <sip:x@example.com>']), /more than one To header/);
    rejects(wire([...INVITE.slice(0, 10), 'Contact: *', 'Contact: <sip:a@b>']), /wildcard Contact/);
  });
});

describe('text that is not ASCII', () => {
  test('reason phrase, raw values and quoted parameters are UTF-8; a bad octet is U+FFFD', () => {
    const r = parseMessage(wire(['SIP/2.0 200 Très bien', ...INVITE.slice(1, 2), ...INVITE.slice(6, 10)]));
    assert.equal((r as SipResponse).reason, 'Très bien');
    const m = req([...INVITE, 'Subject: café', 'X-Note: x;y="naïve"']);
    assert.equal(m.get('Subject'), 'café');
    assert.equal(m.get('X-Note'), 'x;y="naïve"');
    const bad = Buffer.concat([
      wire(INVITE).subarray(0, -4),
      Buffer.from('\r\nSubject: a\xffb\r\n\r\n', 'latin1'),
    ]);
    assert.equal(parseMessage(bad).get('Subject'), 'a\ufffdb');
    assert.equal(parseNameAddr('<sip:a@b>;x="naïve"').param('x'), '"naïve"');
  });

  test('a non-ASCII octet outside quotes is rejected where the grammar has no room for it', () => {
    rejects(wire(['INVITE sip:bób@example.com SIP/2.0', ...INVITE.slice(1)]), /Request-URI/);
    rejects(wire(INVITE.map((l) => (l.startsWith('To:') ? 'To: <sip:bób@example.com>' : l))), /To URI/);
  });
});

describe('name-addr URIs', () => {
  test("a URI is found up to the first '>' even when an '@' follows it", () => {
    const na = parseNameAddr('<sip:host> ; x="a@b"');
    assert.equal(na.uri.host, 'host');
    assert.equal(na.uri.user, undefined);
    assert.equal(na.param('x'), '"a@b"');
    const h = parseNameAddr('<sip:a@b?subject=x>;tag=1');
    assert.equal(h.uri.headers.get('subject'), 'x');
  });
});
