import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/message.ts';
import {
  DEFAULT_LIMITS,
  MessageParseError,
  type ParseOptions,
  parseMessage,
} from '../../../../src/sip/message/parser.ts';

const VIA = 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1';
const BASE = [
  VIA,
  'From: <sip:a@example.com>;tag=1',
  'To: <sip:b@example.com>',
  'Call-ID: c1',
  'CSeq: 1 OPTIONS',
];

function text(lines: string[], body = ''): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

function options(extra: string[] = [], body = ''): Buffer {
  return text(['OPTIONS sip:b@example.com SIP/2.0', ...BASE, ...extra], body);
}

function req(data: Buffer, opts?: ParseOptions): SipRequest {
  const m = parseMessage(data, opts);
  assert.ok(m.isRequest());
  return m;
}

function rejects(
  data: Buffer,
  expect: { status?: number; reason: RegExp },
  opts?: ParseOptions,
): MessageParseError {
  try {
    parseMessage(data, opts);
  } catch (err) {
    assert.ok(err instanceof MessageParseError);
    assert.equal(err.status, expect.status ?? 400);
    assert.match(err.message, expect.reason);
    return err;
  }
  assert.fail('expected a MessageParseError');
}

describe('parseMessage: header names', () => {
  test('every compact form expands (RFC 3261 7.3.3 and later RFCs)', () => {
    const m = req(
      text(
        [
          'INVITE sip:b@example.com SIP/2.0',
          'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2',
          'f: <sip:a@example.com>;tag=1',
          't: <sip:b@example.com>',
          'i: c2',
          'CSeq: 1 INVITE',
          'm: <sip:a@192.0.2.1>',
          'c: application/sdp',
          'k: timer',
          's: hello',
          'e: gzip',
          'o: refer',
          'r: <sip:c@example.com>',
          'b: <sip:a@example.com>',
          'u: presence',
          'x: 1800',
          'y: abc',
          'l: 3',
        ],
        'abc',
      ),
    );
    assert.equal(m.via[0].branch, 'z9hG4bK2');
    assert.equal(m.from.tag, '1');
    assert.equal(m.to.uri.user, 'b');
    assert.equal(m.callId, 'c2');
    assert.equal(m.contact[0].uri.host, '192.0.2.1');
    assert.equal(m.contentType, 'application/sdp');
    assert.equal(m.body.toString(), 'abc');
    assert.deepEqual(
      m.headers.filter((h) => h.value !== '').map((h) => [h.name, h.value]),
      [
        ['Supported', 'timer'],
        ['Subject', 'hello'],
        ['Content-Encoding', 'gzip'],
        ['Event', 'refer'],
        ['Refer-To', '<sip:c@example.com>'],
        ['Referred-By', '<sip:a@example.com>'],
        ['Allow-Events', 'presence'],
        ['Session-Expires', '1800'],
        ['Identity', 'abc'],
      ],
    );
  });

  test('names are case-insensitive, known ones re-cased, compact forms in capitals too', () => {
    const m = req(
      text([
        'OPTIONS sip:b@example.com SIP/2.0',
        'vIA: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK3',
        'FROM: <sip:a@example.com>;tag=1',
        'T: <sip:b@example.com>',
        'cALL-iD: c3',
        'cseq: 1 OPTIONS',
        'MAX-forwards: 7',
        'user-AGENT: x',
        'X-Custom: kept as sent',
      ]),
    );
    assert.equal(m.via.length, 1);
    assert.equal(m.callId, 'c3');
    assert.equal(m.maxForwards, 7);
    assert.equal(m.get('User-Agent'), 'x');
    assert.equal(m.headers.find((h) => h.value === 'x')?.name, 'User-Agent');
    assert.equal(m.get('x-custom'), 'kept as sent');
    assert.equal(m.headers.find((h) => h.value === 'kept as sent')?.name, 'X-Custom');
  });

  test('invalid header names and lines', () => {
    rejects(options(['Bad Name: x']), { reason: /invalid header field name/ });
    rejects(options(['NoColon']), { reason: /header field without colon/ });
    rejects(options([': empty']), { reason: /empty header field name/ });
    rejects(text(['OPTIONS sip:b@example.com SIP/2.0', ' Via: x', ...BASE]), { reason: /whitespace before/ });
  });
});

describe('parseMessage: values', () => {
  test('folded lines become one value with a single SP (RFC 3261 7.3.1)', () => {
    const m = req(
      options([
        'Subject: first\r\n   second \r\n\tthird',
        'Route:\r\n <sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>',
      ]),
    );
    assert.equal(m.get('Subject'), 'first second third');
    assert.deepEqual(
      m.route.map((r) => r.uri.host),
      ['p1.example.com', 'p2.example.com'],
    );
  });

  test('multi-value headers: several lines and commas; auth headers are never split', () => {
    const m = req(
      options([
        'Contact: <sip:a@1.example.com>, <sip:a@2.example.com>',
        'Contact: <sip:a@3.example.com>',
        'Record-Route: <sip:rr1.example.com;lr>',
        'Record-Route: <sip:rr2.example.com;lr>, <sip:rr3.example.com;lr>',
        'Allow: INVITE, ACK',
        'Allow: BYE',
        'Authorization: Digest username="a", realm="b", nonce="c"',
      ]),
    );
    assert.equal(m.contact.length, 3);
    assert.deepEqual(
      m.recordRoute.map((r) => r.uri.host),
      ['rr1.example.com', 'rr2.example.com', 'rr3.example.com'],
    );
    assert.deepEqual(m.getList('Allow'), ['INVITE', 'ACK', 'BYE']);
    assert.deepEqual(m.getList('Authorization'), ['Digest username="a", realm="b", nonce="c"']);
  });

  test('Contact * (RFC 3261 10.2.2), alone only', () => {
    const m = req(options(['Contact: *', 'Expires: 0']));
    assert.equal(m.contact.length, 1);
    assert.equal(m.contact[0].wildcard, true);
    assert.match(m.toString(), /\r\nContact: \*\r\n/);
    rejects(options(['Contact: *', 'Contact: <sip:a@b>']), { reason: /wildcard Contact/ });
  });

  test('single-value headers given twice or with several values', () => {
    rejects(options(['From: <sip:x@example.com>;tag=2']), { reason: /more than one From header/ });
    rejects(options(['Max-Forwards: 70', 'Max-Forwards: 69']), {
      reason: /more than one Max-Forwards header/,
    });
    rejects(options(['Content-Type: a/b', 'Content-Type: c/d']), {
      reason: /more than one Content-Type header/,
    });
    rejects(options(['Content-Type: a/b, c/d']), { reason: /more than one value in Content-Type/ });
    rejects(
      text(['OPTIONS sip:b@example.com SIP/2.0', VIA, 'From: <sip:a@b>, <sip:c@d>', ...BASE.slice(2)]),
      {
        reason: /more than one value in From/,
      },
    );
    rejects(options(['Call-ID: x']), { reason: /more than one Call-ID header/ });
    rejects(text(['OPTIONS sip:b@example.com SIP/2.0', VIA, BASE[1], BASE[2], 'Call-ID: a b', BASE[4]]), {
      reason: /malformed Call-ID/,
    });
  });

  test('scalar ranges name the header', () => {
    assert.equal(req(options(['Max-Forwards: 255'])).maxForwards, 255);
    rejects(options(['Max-Forwards: 256']), { reason: /Max-Forwards out of range/ });
    rejects(options(['Max-Forwards: -1']), { reason: /malformed Max-Forwards/ });
    assert.equal(req(options(['Expires: 4294967295'])).get('Expires'), '4294967295');
    rejects(options(['Expires: 4294967296']), { reason: /Expires out of range/ });
    rejects(options(['Contact: <sip:a@b>;expires=4294967296']), { reason: /Contact expires out of range/ });
    rejects(options(['Content-Length: abc']), { reason: /malformed Content-Length/ });
    rejects(options(['Date: Sat, 13 Nov 2010 23:29:00 PST']), { reason: /time zone in Date/ });
    assert.equal(
      req(options(['Date: Sat, 13 Nov 2010 23:29:00 GMT'])).get('Date'),
      'Sat, 13 Nov 2010 23:29:00 GMT',
    );
  });

  test('missing required headers; Max-Forwards may be absent', () => {
    const m = req(options());
    assert.equal(m.maxForwards, undefined);
    const err = rejects(text(['OPTIONS sip:b@example.com SIP/2.0', VIA, 'CSeq: 1 OPTIONS']), {
      reason: /^Bad Request - missing From, To, Call-ID$/,
    });
    assert.equal(err.partial, undefined);
    rejects(text(['OPTIONS sip:b@example.com SIP/2.0', ...BASE.slice(1)]), { reason: /missing Via$/ });
  });

  test('header values are UTF-8 (RFC 3261 7.3.1); an ASCII-only fast path gives the same result', () => {
    const lines = [
      'MESSAGE sip:b@example.com SIP/2.0',
      VIA,
      'From: "Zoë Ångström" <sip:a@example.com>;tag=1',
      'To: <sip:b@example.com>',
      'Call-ID: u1',
      'CSeq: 1 MESSAGE',
      'Subject: naïve café',
    ];
    const m = req(text(lines, 'x'));
    assert.equal(m.from.displayName, 'Zoë Ångström');
    assert.equal(m.get('Subject'), 'naïve café');
    // A binary body after an ASCII header section takes the other path.
    const ascii = [...lines.slice(0, 2), 'From: <sip:a@example.com>;tag=1', ...lines.slice(3, 6)];
    const bin = Buffer.concat([text(ascii), Buffer.from([0xff, 0xfe, 0x00, 0x80])]);
    const b = req(bin);
    assert.deepEqual([...b.body], [0xff, 0xfe, 0x00, 0x80]);
    assert.equal(b.callId, 'u1');
  });

  test('a large message (over the one-pass size) parses the same way', () => {
    const big = 'x'.repeat(6000);
    const m = req(options(['Content-Type: text/plain', `X-Big: ${big}`], big));
    assert.equal(m.get('X-Big'), big);
    assert.equal(m.body.length, 6000);
  });
});

describe('parseMessage: start line', () => {
  test('responses, an empty reason phrase, SIP-Version in any case', () => {
    const r = parseMessage(text(['sip/2.0 180 Ringing', ...BASE])) as SipResponse;
    assert.equal(r.isRequest(), false);
    assert.equal(r.status, 180);
    assert.equal(r.reason, 'Ringing');
    assert.equal((parseMessage(text(['SIP/2.0 486', ...BASE])) as SipResponse).reason, '');
    assert.equal(req(text(['OPTIONS sip:b@example.com sip/2.0', ...BASE])).method, 'OPTIONS');
  });

  test('status codes outside 100..699 and malformed status lines; responses are never answered', () => {
    for (const line of [
      'SIP/2.0 099 Low',
      'SIP/2.0 700 High',
      'SIP/2.0 1000 Long',
      'SIP/2.0 20 OK',
      'SIP/2.0 2x0 OK',
    ]) {
      const err = rejects(text([line, ...BASE]), { reason: /status code/ });
      assert.equal(err.isResponse, true);
      assert.equal(err.partial, undefined);
    }
    assert.equal(rejects(text(['SIP/3.0 200 OK', ...BASE]), { reason: /SIP-Version/ }).isResponse, true);
  });

  test('request-line defects', () => {
    rejects(text(['OPTIONS sip:b@example.com SIP/2.1', ...BASE]), {
      status: 505,
      reason: /^Version Not Supported/,
    });
    rejects(text(['OPTIONS sip:b@example.com HTTP/1.1', ...BASE]), { reason: /malformed SIP-Version/ });
    rejects(text(['OPTIONS sip:b@example.com', ...BASE]), { reason: /missing SIP-Version/ });
    rejects(text(['OPTIONS', ...BASE]), { reason: /malformed Request-Line/ });
    rejects(text(['OPT(IONS sip:b@example.com SIP/2.0', ...BASE]), { reason: /invalid method/ });
    rejects(text(['OPTIONS sip:b@exa\tmple.com SIP/2.0', ...BASE]), {
      reason: /invalid character in Request-URI/,
    });
    rejects(text(['OPTIONS sip:b@exa mple.com SIP/2.0', ...BASE]), { reason: /whitespace in Request-URI/ });
    rejects(text(['OPTIONS sip:b@ex>ample.com SIP/2.0', ...BASE]), { reason: /Request-URI/ });
  });

  test('CRLFs before the start line are ignored (RFC 3261 7.5)', () => {
    assert.equal(req(Buffer.concat([Buffer.from('\r\n\r\n'), options()])).method, 'OPTIONS');
  });

  test('empty and junk input', () => {
    const err = rejects(Buffer.alloc(0), { reason: /empty start line/ });
    assert.equal(err.partial, undefined);
    rejects(Buffer.from('hello'), { reason: /Request-Line/ });
  });
});

describe('parseMessage: framing (RFC 3261 18.3)', () => {
  test('datagram: no Content-Length means the body runs to the end', () => {
    assert.equal(req(options([], 'hello')).body.toString(), 'hello');
  });

  test('datagram: octets after Content-Length are ignored, more than there are is an error', () => {
    assert.equal(req(options(['Content-Length: 3'], 'hello')).body.toString(), 'hel');
    assert.equal(req(options(['Content-Length: 0'], 'hello')).body.length, 0);
    const err = rejects(options(['Content-Length: 6'], 'hello'), {
      reason: /Content-Length larger than the message/,
    });
    assert.ok(err.partial);
  });

  test('stream: Content-Length is mandatory and frames the body', () => {
    const stream = { datagram: false };
    assert.equal(req(options(['Content-Length: 5'], 'hello'), stream).body.toString(), 'hello');
    rejects(options([], 'hello'), { reason: /missing Content-Length/ }, stream);
  });

  test('negative and duplicate Content-Length', () => {
    rejects(options(['Content-Length: -1']), { reason: /negative Content-Length/ });
    rejects(options(['Content-Length: 0', 'l: 0']), { reason: /more than one Content-Length header/ });
  });

  test('a header section without its empty line is an error that still gives a partial', () => {
    const data = Buffer.from(`OPTIONS sip:b@example.com SIP/2.0\r\n${BASE.join('\r\n')}\r\n`);
    const err = rejects(data, { reason: /missing empty line/ });
    assert.equal(err.partial?.callId, 'c1');
  });

  test('a LF without CR is an error', () => {
    rejects(Buffer.from(`OPTIONS sip:b@example.com SIP/2.0\r\n${BASE.join('\n')}\r\n\r\n`), {
      reason: /bare LF/,
    });
  });

  test('the body is the bytes of the message, not a copy decoded as text', () => {
    const data = options(['Content-Type: application/octet-stream'], '\u00e9');
    const m = req(data);
    assert.deepEqual([...m.body], [0xc3, 0xa9]);
    assert.equal(m.body.buffer, data.buffer);
  });
});

describe('parseMessage: limits', () => {
  test('defaults', () => {
    assert.deepEqual(DEFAULT_LIMITS, { maxMessageBytes: 65535, maxHeaders: 256, maxLineLength: 8192 });
  });

  test('message size: 513 naming the size, answerable', () => {
    const data = options(['Content-Type: text/plain'], 'x'.repeat(300));
    const err = rejects(
      data,
      { status: 513, reason: /^Message Too Large - message of \d+ bytes over 200$/ },
      {
        limits: { maxMessageBytes: 200 },
      },
    );
    assert.equal(err.code, 'TOO_LARGE');
    assert.equal(err.partial?.callId, 'c1');
  });

  test('header count', () => {
    const many = Array.from({ length: 20 }, (_, i) => `X-H${i}: ${i}`);
    rejects(
      options(many),
      { status: 513, reason: /more than 10 header fields/ },
      { limits: { maxHeaders: 10 } },
    );
    assert.equal(req(options(many), { limits: { maxHeaders: 25 } }).get('X-H19'), '19');
  });

  test('line length, start line included', () => {
    const long = `X-Long: ${'y'.repeat(100)}`;
    rejects(
      options([long]),
      { status: 513, reason: /line longer than 64 bytes/ },
      { limits: { maxLineLength: 64 } },
    );
    const uri = `sip:${'u'.repeat(100)}@example.com`;
    rejects(
      text([`OPTIONS ${uri} SIP/2.0`, ...BASE]),
      { status: 513, reason: /line longer/ },
      { limits: { maxLineLength: 64 } },
    );
  });

  test('Content-Length above the size limit is 413', () => {
    const err = rejects(options(['Content-Length: 100000']), {
      status: 413,
      reason: /Content-Length over 65535/,
    });
    assert.equal(err.code, 'TOO_LARGE');
  });
});

describe('serializer', () => {
  test('keeps header order, computes Content-Length where it was', () => {
    const m = req(
      text([
        'INVITE sip:b@example.com SIP/2.0',
        'X-First: 1',
        VIA,
        'Max-Forwards: 70',
        'From: <sip:a@example.com>;tag=1',
        'X-Middle: 2',
        'To: <sip:b@example.com>',
        'Call-ID: c1',
        'CSeq: 1 INVITE',
        'Content-Length: 0',
        'X-Last: 3',
      ]),
    );
    m.body = Buffer.from('hello');
    const lines = m.toString().split('\r\n');
    assert.deepEqual(lines.slice(1, 11), [
      'X-First: 1',
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1',
      'Max-Forwards: 70',
      'From: <sip:a@example.com>;tag=1',
      'X-Middle: 2',
      'To: <sip:b@example.com>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      'Content-Length: 5',
      'X-Last: 3',
    ]);
    assert.equal(lines.at(-1), 'hello');
  });

  test('a raw value never writes CR or LF', () => {
    const m = req(options());
    m.add('X-Evil', 'a\r\nVia: SIP/2.0/UDP evil');
    const out = parseMessage(m.toBuffer());
    assert.equal(out.via.length, 1);
    assert.equal(out.get('X-Evil'), 'a Via: SIP/2.0/UDP evil');
  });
});
