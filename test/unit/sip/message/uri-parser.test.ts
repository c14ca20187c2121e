import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageParseError, parseUri } from '../../../../src/sip/message/parser.ts';

function rejects(s: string, reason: RegExp): void {
  assert.throws(
    () => parseUri(s),
    (err: unknown) => err instanceof MessageParseError && err.status === 400 && reason.test(err.message),
    s,
  );
}

describe('parseUri: sip and sips', () => {
  test('user, host and port', () => {
    const u = parseUri('sip:alice@atlanta.example.com:5070');
    assert.equal(u.scheme, 'sip');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, undefined);
    assert.equal(u.host, 'atlanta.example.com');
    assert.equal(u.port, 5070);
    assert.equal(u.isSip, true);
    assert.equal(u.toString(), 'sip:alice@atlanta.example.com:5070');
  });

  test('sips, a host alone, and a scheme in capitals', () => {
    const u = parseUri('SIPS:biloxi.example.com');
    assert.equal(u.scheme, 'sips');
    assert.equal(u.user, undefined);
    assert.equal(u.host, 'biloxi.example.com');
    assert.equal(u.port, undefined);
    assert.equal(u.toString(), 'sips:biloxi.example.com');
  });

  test('password', () => {
    const u = parseUri('sip:alice:secret%21@example.com');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secret%21');
    assert.equal(u.toString(), 'sip:alice:secret%21@example.com');
  });

  test('escaped user part is kept as received and decoded on demand', () => {
    const u = parseUri('sip:%61lice%20smith@example.com');
    assert.equal(u.user, '%61lice%20smith');
    assert.equal(u.userDecoded, 'alice smith');
  });

  test('telephone-subscriber user with ; and visual separators', () => {
    const u = parseUri('sip:+1-212-555-1212;isub=1234@gateway.com;user=phone');
    assert.equal(u.user, '+1-212-555-1212;isub=1234');
    assert.equal(u.param('user'), 'phone');
  });

  test('IPv6 reference with a port', () => {
    const u = parseUri('sip:bob@[2001:db8::10]:5070');
    assert.equal(u.host, '2001:db8::10');
    assert.equal(u.port, 5070);
    assert.equal(u.hostport, '[2001:db8::10]:5070');
    assert.equal(u.toString(), 'sip:bob@[2001:db8::10]:5070');
  });

  test('IPv6 reference without a port (RFC 5118 4.3: the last group is not a port)', () => {
    const u = parseUri('sip:[2001:db8::10:5070]');
    assert.equal(u.host, '2001:db8::10:5070');
    assert.equal(u.port, undefined);
  });

  test('IPv4-mapped IPv6 reference', () => {
    assert.equal(parseUri('sip:[::ffff:192.0.2.1]').host, '::ffff:192.0.2.1');
  });

  test('parameters with and without values; names lower-cased, values kept', () => {
    const u = parseUri('sip:example.com;Transport=TCP;lr;maddr=239.255.255.1;x-Name=Va%6Cue');
    assert.deepEqual(
      [...u.params],
      [
        ['transport', 'TCP'],
        ['lr', null],
        ['maddr', '239.255.255.1'],
        ['x-name', 'Va%6Cue'],
      ],
    );
    assert.equal(u.param('TRANSPORT'), 'TCP');
    assert.equal(u.toString(), 'sip:example.com;transport=TCP;lr;maddr=239.255.255.1;x-name=Va%6Cue');
  });

  test('headers', () => {
    const u = parseUri('sip:bob@example.com;lr?Subject=project%20x&Priority=urgent&empty=');
    assert.deepEqual(
      [...u.headers],
      [
        ['Subject', 'project%20x'],
        ['Priority', 'urgent'],
        ['empty', ''],
      ],
    );
    assert.equal(u.param('lr'), null);
    assert.equal(u.toString(), 'sip:bob@example.com;lr?Subject=project%20x&Priority=urgent&empty=');
  });

  test('surrounding whitespace is ignored', () => {
    assert.equal(parseUri('  sip:a@b  ').host, 'b');
  });
});

describe('parseUri: tel and other schemes', () => {
  test('tel: global number with parameters', () => {
    const u = parseUri('tel:+1-201-555-0123;ext=1234;phone-context=example.com');
    assert.equal(u.scheme, 'tel');
    assert.equal(u.user, '+1-201-555-0123');
    assert.equal(u.param('ext'), '1234');
    assert.equal(u.param('phone-context'), 'example.com');
    assert.equal(u.isSip, false);
    assert.equal(u.toString(), 'tel:+1-201-555-0123;ext=1234;phone-context=example.com');
  });

  test('tel: local number', () => {
    const u = parseUri('tel:7042;phone-context=example.com');
    assert.equal(u.user, '7042');
  });

  test('unknown schemes are kept opaque', () => {
    const u = parseUri('urn:service:sos');
    assert.equal(u.scheme, 'urn');
    assert.equal(u.opaque, 'service:sos');
    assert.equal(u.host, '');
    assert.equal(u.toString(), 'urn:service:sos');
    assert.equal(parseUri('mailto:bob@example.com?subject=hi').opaque, 'bob@example.com?subject=hi');
  });
});

describe('parseUri: errors', () => {
  test('missing or invalid scheme', () => {
    rejects('alice@example.com', /missing URI scheme/);
    rejects(':x', /missing URI scheme/);
    rejects('1sip:x', /invalid URI scheme/);
  });

  test('invalid host, port and IPv6 references', () => {
    rejects('sip:alice@', /host/);
    rejects('sip:a@exa mple.com', /invalid character/);
    rejects('sip:a@example.com:70000', /invalid port/);
    rejects('sip:a@example.com:', /invalid port/);
    rejects('sip:[2001:db8::1', /IPv6/);
    rejects('sip:[zz::1]', /IPv6/);
  });

  test('invalid user part and password', () => {
    rejects('sip:a<b@example.com', /invalid user part/);
    rejects('sip:@example.com', /invalid user part/);
    rejects('sip:a:p;w@example.com', /invalid password/);
  });

  test('empty parameters and malformed headers', () => {
    rejects('sip:example.com;;lr', /empty or invalid URI parameter/);
    rejects('sip:example.com;lr=', /invalid URI parameter value/);
    rejects('sip:example.com?noequal', /invalid URI header/);
  });

  test('tel: without a number, opaque with a space', () => {
    rejects('tel:;x=1', /telephone number/);
    rejects('urn:a b', /invalid character/);
  });
});
