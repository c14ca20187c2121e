// RFC 4475 torture messages, read as bytes from the shared folder (never copied here).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/message.ts';
import { MessageParseError, parseMessage } from '../../../../src/sip/message/parser.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';

const ROOT = new URL('../../../../../shared/torture/rfc4475/', import.meta.url);

function load(section: string, name: string): Buffer {
  return readFileSync(new URL(`${section}/${name}.dat`, ROOT));
}

function request(section: string, name: string): SipRequest {
  const msg = parseMessage(load(section, name));
  assert.ok(msg.isRequest(), `${name} is a request`);
  return msg;
}

function response(section: string, name: string): SipResponse {
  const msg = parseMessage(load(section, name));
  assert.ok(!msg.isRequest(), `${name} is a response`);
  return msg as SipResponse;
}

/** The bytes after the first empty line of the file. */
function bodyOf(data: Buffer): Buffer {
  return data.subarray(data.indexOf('\r\n\r\n') + 4);
}

/**
 * Asserts the rejection: status, a reason naming the defect, whether it was a response,
 * and, for requests that keep enough to answer, that the answer can be built, carries the
 * reason phrase and parses back.
 */
function rejected(
  section: string,
  name: string,
  expect: { status?: number; reason: RegExp; isResponse?: boolean; answerable: boolean },
): MessageParseError {
  let caught: unknown;
  try {
    parseMessage(load(section, name));
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MessageParseError, `${name} must be rejected with a MessageParseError`);
  const err = caught;
  assert.equal(err.status, expect.status ?? 400);
  assert.match(err.message, expect.reason);
  assert.match(err.message, /^[\x20-\x7e]+$/, 'reason phrase is printable ASCII');
  assert.equal(err.isResponse, expect.isResponse ?? false);
  if (expect.answerable) {
    assert.ok(err.partial, `${name}: a response can be built`);
    const res = createResponse(err.partial, err.status, { reason: err.message });
    const back = parseMessage(res.toBuffer());
    assert.ok(!back.isRequest());
    assert.equal((back as SipResponse).status, err.status);
    assert.equal((back as SipResponse).reason, err.message);
    assert.equal(back.callId, err.partial.callId);
    assert.equal(back.via[0].branch, err.partial.via[0].branch);
  } else {
    assert.equal(err.partial, undefined, `${name}: no response can be built`);
  }
  return err;
}

describe('RFC 4475 3.1.1 valid messages', () => {
  const S = '3.1.1-valid';

  test('3.1.1.1 wsinv: A Short Tortuous INVITE', () => {
    const data = load(S, 'wsinv');
    const m = request(S, 'wsinv');
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri.user, 'vivekg');
    assert.equal(m.uri.host, 'chair-dnrc.example.com');
    assert.equal(m.uri.param('unknownparam'), null);
    assert.equal(m.to.uri.toString(), 'sip:vivekg@chair-dnrc.example.com');
    assert.equal(m.to.tag, '1918181833n');
    assert.equal(m.from.displayName, 'J Rosenberg \\"');
    assert.equal(m.from.uri.toString(), 'sip:jdrosen@example.com');
    assert.equal(m.from.tag, '98asjd8');
    assert.equal(m.maxForwards, 68);
    assert.equal(m.callId, 'wsinv.ndaksdj@192.0.2.1');
    assert.deepEqual(m.cseq, { seq: 9, method: 'INVITE' });
    assert.equal(m.via.length, 3);
    assert.deepEqual(
      m.via.map((v) => [v.protocol, v.transport, v.host, v.branch]),
      [
        ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
        ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    assert.equal(m.get('Subject'), '');
    assert.equal(m.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(m.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    assert.equal(m.contentType, 'application/sdp');
    assert.equal(m.route.length, 1);
    assert.equal(m.route[0].uri.host, 'services.example.com');
    assert.deepEqual(
      [...m.route[0].uri.params],
      [
        ['lr', null],
        ['unknownwith', 'value'],
        ['unknown-no-value', null],
      ],
    );
    assert.equal(m.contact.length, 1);
    assert.equal(m.contact[0].displayName, 'Quoted string ""');
    assert.deepEqual(
      [...m.contact[0].params],
      [
        ['newparam', 'newvalue'],
        ['secondparam', null],
        ['q', '0.33'],
      ],
    );
    assert.equal(m.body.length, 150);
    assert.deepEqual(m.body, bodyOf(data));
  });

  test('3.1.1.2 intmeth: Wide Range of Valid Characters', () => {
    const data = load(S, 'intmeth');
    const m = request(S, 'intmeth');
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    assert.equal(m.method, method);
    assert.equal(m.cseq.method, method);
    assert.equal(m.cseq.seq, 139122385);
    assert.equal(m.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(m.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(m.uri.host, 'example.com');
    assert.equal(m.via[0].branch, "z9hG4bK-.!%66*_+`'~");
    assert.equal(m.to.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(m.to.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(m.to.uri.password, undefined);
    assert.equal(m.from.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(m.from.param("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(m.from.tag, "_token~1'+`*%!-.");
    assert.equal(m.callId, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.equal(m.maxForwards, 255);
    assert.equal(m.get("extensionHeader-!.%*+_`'~"), '\ufeff大停電');
    assert.equal(m.body.length, 0);
    assert.ok(data.includes(0));
  });

  test('3.1.1.3 esc01: Valid Use of the % Escaping Mechanism', () => {
    const m = request(S, 'esc01');
    assert.equal(m.uri.user, 'sips%3Auser%40example.com');
    assert.equal(m.uri.userDecoded, 'sips:user@example.com');
    assert.equal(m.uri.host, 'example.net');
    assert.equal(m.to.uri.user, '%75se%72');
    assert.equal(m.to.uri.userDecoded, 'user');
    assert.equal(m.from.uri.userDecoded, 'I have spaces');
    assert.equal(m.from.tag, '938');
    assert.equal(m.callId, 'esc01.239409asdfakjkn23onasd0-3234');
    assert.equal(m.contentType, 'application/sdp');
    assert.equal(m.contact.length, 1);
    assert.equal(m.contact[0].uri.user, 'cal%6Cer');
    assert.equal(m.contact[0].uri.param('%6c%72'), null);
    assert.equal(m.contact[0].uri.param('n%61me'), 'v%61lue%25%34%31');
    assert.equal(m.body.length, 150);
  });

  test('3.1.1.4 escnull: Escaped Nulls in URIs', () => {
    const m = request(S, 'escnull');
    assert.equal(m.to.uri.user, 'null-%00-null');
    assert.equal(m.to.uri.userDecoded, 'null-\x00-null');
    assert.equal(m.from.uri.userDecoded, 'null-\x00-null');
    assert.deepEqual(
      m.contact.map((c) => c.uri.userDecoded),
      ['\x00', '\x00\x00'],
    );
    assert.equal(m.body.length, 0);
  });

  test('3.1.1.5 esc02: Use of % When It Is Not an Escape', () => {
    const m = request(S, 'esc02');
    assert.equal(m.method, 'RE%47IST%45R');
    assert.equal(m.cseq.method, 'RE%47IST%45R');
    assert.equal(m.to.displayName, '%Z%45');
    assert.equal(m.from.displayName, '%Z%45');
    assert.equal(m.via[0].branch, 'z9hG4bK209%fzsnel234');
    assert.equal(m.via[0].transport, 'TCP');
    // C%6Fntact is an extension header, not Contact.
    assert.deepEqual(
      m.contact.map((c) => c.uri.host),
      ['host1.example.com', 'host3.example.com'],
    );
    assert.equal(m.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  });

  test('3.1.1.6 lwsdisp: Message with No LWS between Display Name and <', () => {
    const m = request(S, 'lwsdisp');
    assert.equal(m.from.displayName, 'caller');
    assert.equal(m.from.uri.user, 'caller');
    assert.equal(m.from.tag, '323');
    assert.equal(m.method, 'OPTIONS');
  });

  test('3.1.1.7 longreq: Long Values in Header Fields', () => {
    const m = request(S, 'longreq');
    assert.match(m.to.displayName ?? '', /^I have a user name of (extreme){10} proportion$/);
    assert.equal(m.to.uri.port, 6000);
    assert.equal(m.to.uri.params.size, 3);
    assert.equal(
      m.to.uri.param(
        'verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglongparameternamewithnovalue',
      ),
      null,
    );
    assert.equal(m.from.uri.user, 'amazinglylongcallername'.repeat(5));
    assert.match(m.from.tag ?? '', /^12982982[0-9]{143}2424$/);
    assert.equal(m.from.params.size, 3);
    assert.equal(m.via.length, 34);
    assert.equal(m.via[0].host, 'sip33.example.com');
    assert.equal(m.via[33].received, '192.0.2.5');
    assert.match(m.via[33].branch ?? '', /^verylong(long)+branchvalue$/);
    assert.equal(m.callId, `longreq.one${'really'.repeat(20)}longcallid`);
    assert.match(
      m.get(
        'Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong-Name',
      ) ?? '',
      /^unknown-long/,
    );
    assert.equal(m.body.length, 150);
  });

  test('3.1.1.8 dblreq: Extra Trailing Octets in a UDP Datagram', () => {
    const m = request(S, 'dblreq');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.callId, 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
    assert.equal(m.body.length, 0);
    assert.equal(m.contact[0].uri.host, 'host.example.com');
  });

  test('3.1.1.9 semiuri: Semicolon-Separated Parameters in URI User Part', () => {
    const m = request(S, 'semiuri');
    assert.equal(m.uri.user, 'user;par=u%40example.net');
    assert.equal(m.uri.host, 'example.com');
    assert.equal(m.uri.params.size, 0);
    assert.equal(
      m.get('Accept'),
      'application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag',
    );
    assert.equal(m.getList('Accept').length, 6);
  });

  test('3.1.1.10 transports: Varied and Unknown Transport Types', () => {
    const m = request(S, 'transports');
    assert.deepEqual(
      m.via.map((v) => v.transport),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
    assert.equal(m.callId, 'transports.kijh4akdnaqjkwendsasfdj');
  });

  test('3.1.1.11 mpart01: Multipart MIME Message', () => {
    const data = load(S, 'mpart01');
    const m = request(S, 'mpart01');
    assert.equal(m.contentType, 'multipart/mixed;boundary=7a9cbec02ceef655');
    assert.equal(m.body.length, 553);
    assert.deepEqual(m.body, bodyOf(data));
    assert.ok(m.via[0].rportRequested);
    assert.equal(m.route[0].uri.host, '127.0.0.1');
    assert.equal(m.route[0].uri.port, 5080);
    assert.equal(m.get('Content-Transfer-Encoding'), 'binary');
  });

  test('3.1.1.12 unreason: Unusual Reason Phrase', () => {
    const data = load(S, 'unreason');
    const m = response(S, 'unreason');
    assert.equal(m.status, 200);
    assert.equal(m.reason, data.subarray(12, data.indexOf('\r\n')).toString('utf8'));
    assert.match(m.reason, /^= 2\*\*3 \* 5\*\*2 но/);
    assert.equal(m.body.length, 154);
  });

  test('3.1.1.13 noreason: Empty Reason Phrase', () => {
    const m = response(S, 'noreason');
    assert.equal(m.status, 100);
    assert.equal(m.reason, '');
    assert.equal(m.to.tag, '902jndnke3');
  });
});

describe('RFC 4475 3.1.2 invalid messages', () => {
  const S = '3.1.2-invalid';

  test('3.1.2.1 badinv01: Extraneous Header Field Separators', () => {
    rejected(S, 'badinv01', { reason: /Via/, answerable: false });
  });

  test('3.1.2.2 clerr: Content Length Larger Than Message', () => {
    rejected(S, 'clerr', { reason: /Content-Length larger than the message/, answerable: true });
  });

  test('3.1.2.3 ncl: Negative Content-Length', () => {
    rejected(S, 'ncl', { reason: /negative Content-Length/, answerable: true });
  });

  test('3.1.2.4 scalar02: Request Scalar Fields with Overlarge Values', () => {
    // The CSeq number is the defect; the answer carries it clamped to 2^31-1.
    const err = rejected(S, 'scalar02', { reason: /CSeq number out of range/, answerable: true });
    assert.deepEqual(err.partial?.cseq, { seq: 2 ** 31 - 1, method: 'REGISTER' });
  });

  test('3.1.2.5 scalarlg: Response Scalar Fields with Overlarge Values', () => {
    rejected(S, 'scalarlg', { reason: /CSeq number out of range/, isResponse: true, answerable: false });
  });

  test('3.1.2.6 quotbal: Unterminated Quoted String in Display Name', () => {
    rejected(S, 'quotbal', { reason: /unterminated quoted string in To/, answerable: true });
  });

  test('3.1.2.7 ltgtruri: <> Enclosing Request-URI', () => {
    rejected(S, 'ltgtruri', { reason: /Request-URI enclosed in <>/, answerable: true });
  });

  test('3.1.2.8 lwsruri: Malformed SIP Request-URI (embedded LWS)', () => {
    rejected(S, 'lwsruri', { reason: /whitespace in Request-URI/, answerable: true });
  });

  test('3.1.2.9 lwsstart: Multiple SP Separating Request-Line Elements', () => {
    rejected(S, 'lwsstart', { reason: /more than one SP between Request-Line elements/, answerable: true });
  });

  test('3.1.2.10 trws: SP Characters at End of Request-Line', () => {
    rejected(S, 'trws', { reason: /trailing whitespace in Request-Line/, answerable: true });
  });

  test('3.1.2.11 escruri: Escaped Headers in SIP Request-URI', () => {
    rejected(S, 'escruri', { reason: /escaped headers in Request-URI/, answerable: true });
  });

  test('3.1.2.12 baddate: Invalid Time Zone in Date Header Field', () => {
    rejected(S, 'baddate', { reason: /time zone in Date is not GMT/, answerable: true });
  });

  test('3.1.2.13 regbadct: Failure to Enclose name-addr URI in <>', () => {
    rejected(S, 'regbadct', { reason: /URI with headers not enclosed in <> in Contact/, answerable: true });
  });

  test('3.1.2.14 badaspec: Spaces within addr-spec', () => {
    rejected(S, 'badaspec', { reason: /whitespace inside <> in To/, answerable: true });
  });

  test('3.1.2.15 baddn: Non-token Characters in Display Name', () => {
    rejected(S, 'baddn', { reason: /non-token characters in display name of From/, answerable: true });
  });

  test('3.1.2.16 badvers: Unknown Protocol Version', () => {
    const err = rejected(S, 'badvers', {
      status: 505,
      reason: /^Version Not Supported - SIP\/7\.0/,
      answerable: true,
    });
    assert.equal(err.partial?.method, 'OPTIONS');
  });

  test('3.1.2.17 mismatch01: Start Line and CSeq Method Mismatch', () => {
    rejected(S, 'mismatch01', { reason: /CSeq method does not match the Request-Line/, answerable: true });
  });

  test('3.1.2.18 mismatch02: Unknown Method with CSeq Method Mismatch', () => {
    const err = rejected(S, 'mismatch02', { reason: /CSeq method does not match/, answerable: true });
    assert.equal(err.partial?.method, 'NEWMETHOD');
  });

  test('3.1.2.19 bigcode: Overlarge Response Code', () => {
    rejected(S, 'bigcode', { reason: /status code out of range/, isResponse: true, answerable: false });
  });
});

describe('RFC 4475 3.2 transaction layer semantics', () => {
  test('3.2.1 badbranch: Missing Transaction Identifier', () => {
    const m = request('3.2-transaction', 'badbranch');
    // Only the cookie: the transaction layer decides how to match it.
    assert.equal(m.via[0].branch, 'z9hG4bK');
    assert.equal(m.method, 'OPTIONS');
  });
});

describe('RFC 4475 3.3 application layer semantics', () => {
  const S = '3.3-application';

  test('3.3.1 insuf: Missing Required Header Fields', () => {
    rejected(S, 'insuf', { reason: /missing From, To, Call-ID$/, answerable: false });
  });

  test('3.3.2 unkscm: Request-URI with Unknown Scheme', () => {
    const m = request(S, 'unkscm');
    assert.equal(m.uri.scheme, 'nobodyknowsthisscheme');
    assert.equal(m.uri.opaque, 'totallyopaquecontent');
    assert.equal(m.uri.isSip, false);
  });

  test('3.3.3 novelsc: Request-URI with Known but Atypical Scheme', () => {
    const m = request(S, 'novelsc');
    assert.equal(m.uri.scheme, 'soap.beep');
    assert.equal(m.uri.opaque, '//192.0.2.103:3002');
  });

  test('3.3.4 unksm2: Unknown URI Schemes in Header Fields', () => {
    const m = request(S, 'unksm2');
    assert.equal(m.to.uri.scheme, 'isbn');
    assert.equal(m.to.uri.opaque, '2983792873');
    assert.equal(m.from.uri.scheme, 'http');
    assert.equal(m.from.uri.opaque, '//www.example.com');
    assert.equal(m.from.tag, '3234233');
    assert.equal(m.contact[0].uri.scheme, 'name');
    assert.equal(m.contact[0].uri.opaque, 'John_Smith');
  });

  test('3.3.5 bext01: Proxy-Require and Require', () => {
    const m = request(S, 'bext01');
    assert.deepEqual(m.getList('Require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
    assert.deepEqual(m.getList('Proxy-Require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    assert.equal(m.via[0].transport, 'TLS');
  });

  test('3.3.6 invut: Unknown Content-Type', () => {
    const m = request(S, 'invut');
    assert.equal(m.contentType, 'application/unknownformat');
    assert.equal(m.body.length, 40);
  });

  test('3.3.7 regaut01: Unknown Authorization Scheme', () => {
    const m = request(S, 'regaut01');
    assert.equal(m.get('Authorization'), 'NoOneKnowsThisScheme opaque-data=here');
    assert.equal(m.getList('Authorization').length, 1);
  });

  test('3.3.8 multi01: Multiple Values in Single Value Required Fields', () => {
    rejected(S, 'multi01', { reason: /more than one CSeq header/, answerable: true });
  });

  test('3.3.9 mcl01: Multiple Content-Length Values', () => {
    rejected(S, 'mcl01', { reason: /more than one Content-Length header/, answerable: true });
  });

  test('3.3.10 bcast: 200 OK Response with Broadcast Via Header Field Value', () => {
    const m = response(S, 'bcast');
    assert.equal(m.status, 200);
    assert.equal(m.via.length, 2);
    assert.equal(m.via[1].host, '255.255.255.255');
    assert.equal(m.body.length, 154);
  });

  test('3.3.11 zeromf: Max-Forwards of Zero', () => {
    const m = request(S, 'zeromf');
    assert.equal(m.maxForwards, 0);
  });

  test('3.3.12 cparam01: REGISTER with a Contact Header Parameter', () => {
    const m = request(S, 'cparam01');
    // An addr-spec's ;params belong to the header (RFC 3261 20.10).
    assert.equal(m.contact[0].param('unknownparam'), null);
    assert.ok(m.contact[0].params.has('unknownparam'));
    assert.equal(m.contact[0].uri.params.size, 0);
    assert.equal(m.contact[0].uri.user, '+19725552222');
  });

  test('3.3.13 cparam02: REGISTER with a url-parameter', () => {
    const m = request(S, 'cparam02');
    assert.ok(m.contact[0].uri.params.has('unknownparam'));
    assert.equal(m.contact[0].params.size, 0);
  });

  test('3.3.14 regescrt: REGISTER with a URL Escaped Header', () => {
    const m = request(S, 'regescrt');
    assert.equal(m.contact[0].uri.headers.get('Route'), '%3Csip:sip.example.com%3E');
    assert.equal(m.contact[0].uri.toString(), 'sip:user@example.com?Route=%3Csip:sip.example.com%3E');
  });

  test('3.3.15 sdp01: Unacceptable Accept Offering', () => {
    const m = request(S, 'sdp01');
    assert.equal(m.get('Accept'), 'text/nobodyKnowsThis');
    assert.equal(m.contentType, 'application/sdp');
    assert.equal(m.body.length, 150);
  });
});

describe('RFC 4475 3.4 backward compatibility', () => {
  test('3.4.1 inv2543: INVITE with RFC 2543 Syntax', () => {
    const data = load('3.4-backward-compat', 'inv2543');
    const m = request('3.4-backward-compat', 'inv2543');
    assert.equal(m.via[0].branch, undefined);
    assert.equal(m.via[0].host, 'iftgw.example.com');
    assert.equal(m.maxForwards, undefined);
    // To is an addr-spec: its ;user=phone is a header parameter (RFC 3261 20.10); From's is in <>.
    assert.equal(m.to.param('user'), 'phone');
    assert.equal(m.to.uri.params.size, 0);
    assert.equal(m.from.uri.param('user'), 'phone');
    assert.equal(m.recordRoute[0].uri.param('maddr'), 'ss1.example.com');
    // No Content-Length on UDP: the body runs to the end of the datagram (RFC 3261 18.3).
    assert.deepEqual(m.body, bodyOf(data));
  });
});
