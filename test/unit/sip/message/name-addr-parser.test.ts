import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import {
  MessageParseError,
  parseNameAddr,
  parseNameAddrList,
  parseUri,
} from '../../../../src/sip/message/parser.ts';

function rejects(fn: () => unknown, reason: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => err instanceof MessageParseError && err.status === 400 && reason.test(err.message),
  );
}

describe('parseNameAddr', () => {
  test('quoted display name with quoted-pairs is unquoted and unescaped', () => {
    const na = parseNameAddr('"A \\"quoted\\" \\\\ name" <sip:a@example.com>;tag=1');
    assert.equal(na.displayName, 'A "quoted" \\ name');
    assert.equal(na.uri.toString(), 'sip:a@example.com');
    assert.equal(na.tag, '1');
  });

  test('token display name of several words, and none before <', () => {
    assert.equal(parseNameAddr('Alice  Smith <sip:a@b>').displayName, 'Alice  Smith');
    const bare = parseNameAddr('<sip:a@b>');
    assert.equal(bare.displayName, undefined);
    assert.equal(bare.params.size, 0);
  });

  test("an addr-spec's ;params belong to the header (RFC 3261 20.10)", () => {
    const na = parseNameAddr('sip:alice@example.com;tag=x;transport=tcp');
    assert.equal(na.uri.params.size, 0);
    assert.equal(na.uri.toString(), 'sip:alice@example.com');
    assert.equal(na.tag, 'x');
    assert.equal(na.param('transport'), 'tcp');
  });

  test('inside <> the ;params belong to the URI', () => {
    const na = parseNameAddr('<sip:alice@example.com;transport=tcp>;tag=x');
    assert.equal(na.uri.param('transport'), 'tcp');
    assert.deepEqual([...na.params], [['tag', 'x']]);
  });

  test('LWS around SEMI and EQUAL, quoted and IPv6 parameter values', () => {
    const na = parseNameAddr('<sip:a@b> ; Expires = 60 ; x="a;b, c" ; received=[2001:db8::1] ; flag');
    assert.deepEqual(
      [...na.params],
      [
        ['expires', '60'],
        ['x', '"a;b, c"'],
        ['received', '[2001:db8::1]'],
        ['flag', null],
      ],
    );
  });

  test('serializes as a name-addr that parses back to the same value', () => {
    const na = parseNameAddr('sip:alice@example.com;tag=x');
    assert.equal(na.toString(), '<sip:alice@example.com>;tag=x');
    const dn = new NameAddr(parseUri('sip:a@b'), { displayName: 'Tab\there "q" \\ bell\x07 cr\r\nlf' });
    const back = parseNameAddr(dn.toString());
    // CR and LF cannot be quoted: they become SP; everything else survives (RFC 3261 25.1).
    assert.equal(back.displayName, 'Tab\there "q" \\ bell\x07 cr  lf');
  });

  test('errors name the defect', () => {
    rejects(() => parseNameAddr('<sip:a@b'), /missing >/);
    rejects(() => parseNameAddr('"Mr. J. User <sip:j@b>'), /unterminated quoted string/);
    rejects(() => parseNameAddr('Bell, Alexander <sip:a@b>'), /non-token characters in display name/);
    rejects(() => parseNameAddr('< sip:a@b >'), /whitespace inside <>/);
    rejects(() => parseNameAddr('sip:a@b?Route=x'), /URI with headers not enclosed in <>/);
    rejects(() => parseNameAddr('<sip:a@b>, <sip:c@d>'), /more than one value/);
    rejects(() => parseNameAddr('<sip:a@b>;;tag=1'), /empty or invalid parameter/);
    rejects(() => parseNameAddr('<sip:a@b>;tag='), /invalid value of parameter tag/);
    rejects(() => parseNameAddr('"x" sip:a@b'), /missing < after display name/);
    rejects(() => parseNameAddr(''), /empty value/);
  });
});

describe('parseNameAddrList', () => {
  test('commas inside quotes and parameters do not split', () => {
    const list = parseNameAddrList(
      '"Doe, John" <sip:j@b.com>;q=0.7, <sip:k@c.com>;x="1,2" ,sip:m@d.com;q=0.1',
    );
    assert.equal(list.length, 3);
    assert.equal(list[0].displayName, 'Doe, John');
    assert.equal(list[0].param('q'), '0.7');
    assert.equal(list[1].param('x'), '"1,2"');
    assert.equal(list[2].uri.toString(), 'sip:m@d.com');
    assert.equal(list[2].param('q'), '0.1');
  });

  test('empty elements are an error', () => {
    rejects(() => parseNameAddrList('<sip:a@b>,,<sip:c@d>'), /empty value/);
    rejects(() => parseNameAddrList('<sip:a@b>,'), /empty value/);
  });
});
