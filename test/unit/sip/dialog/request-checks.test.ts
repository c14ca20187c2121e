import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipRequest } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { Via } from '../../../../src/sip/message/via.ts';
import { checkRequest } from '../../../../src/sip/ua/request-checks.ts';
import { sipUri } from './fakes.ts';

/** A request outside any dialog, built with the message model. */
function request(method: string, uri: Uri = sipUri('user', 'example.com')): SipRequest {
  const req = new SipRequest(method, uri);
  req.via = [
    new Via({ transport: 'UDP', host: 'host1.example.com', params: new Map([['branch', 'z9hG4bKx']]) }),
  ];
  req.from = new NameAddr(sipUri('caller', 'example.net'), { params: new Map([['tag', 't1']]) });
  req.to = new NameAddr(sipUri('user', 'example.com'));
  req.callId = 'checks';
  req.cseq = { seq: 1, method };
  req.maxForwards = 70;
  if (method === 'INVITE') req.contact = [new NameAddr(sipUri('caller', 'host5.example.net'))];
  return req;
}

describe('UA core checks (RFC 3261 8.2, RFC 4475 3.3)', () => {
  test('a well-formed INVITE and OPTIONS pass', () => {
    assert.equal(checkRequest(request('INVITE')), undefined);
    assert.equal(checkRequest(request('OPTIONS')), undefined);
    assert.equal(
      checkRequest(request('INVITE', new Uri({ scheme: 'tel', user: '+15551234567' }))),
      undefined,
    );
  });

  test('intmeth: an unknown method -> 501', () => {
    assert.deepEqual(checkRequest(request("!interesting-Method0123456789_*+`.%indeed'~")), { status: 501 });
  });

  test('a known method we do not handle passes here (405 is decided by the core)', () => {
    assert.equal(checkRequest(request('SUBSCRIBE')), undefined);
  });

  test('unkscm / novelsc: a Request-URI scheme other than sip, sips, tel -> 416', () => {
    const unk = new Uri({ scheme: 'nobodyKnowsThisScheme', opaque: 'totallyopaquecontent' });
    assert.equal(checkRequest(request('OPTIONS', unk))?.status, 416);
    const novel = new Uri({ scheme: 'soap.beep', opaque: '//192.0.2.103:3002' });
    assert.equal(checkRequest(request('OPTIONS', novel))?.status, 416);
    assert.equal(
      checkRequest(request('INVITE', new Uri({ scheme: 'im', opaque: 'user@example.com' })))?.status,
      416,
    );
  });

  test('zeromf: Max-Forwards 0 -> 483, except OPTIONS which the UAS answers', () => {
    const options = request('OPTIONS');
    options.maxForwards = 0;
    assert.equal(checkRequest(options), undefined);
    const invite = request('INVITE');
    invite.maxForwards = 0;
    assert.equal(checkRequest(invite)?.status, 483);
    const info = request('INFO');
    info.maxForwards = 0;
    assert.equal(checkRequest(info)?.status, 483);
  });

  test('bext01: Require with unsupported option tags -> 420 listing them in Unsupported', () => {
    const req = request('OPTIONS');
    req.add('Require', 'nothingSupportsThis, nothingSupportsThisEither');
    req.add('Proxy-Require', 'noProxiesSupportThis, norDoAnyProxiesSupportThis');
    assert.deepEqual(checkRequest(req), {
      status: 420,
      headers: { Unsupported: 'nothingSupportsThis, nothingSupportsThisEither' },
    });
    const proxyOnly = request('OPTIONS');
    proxyOnly.add('Proxy-Require', 'noProxiesSupportThis');
    assert.equal(checkRequest(proxyOnly), undefined, 'Proxy-Require is for proxies');
    const cancel = request('CANCEL');
    cancel.add('Require', 'foo');
    assert.equal(checkRequest(cancel), undefined, 'never for CANCEL (8.2.2.3)');
  });

  test('invut: an INVITE body of an unknown type -> 415 with Accept', () => {
    const req = request('INVITE');
    req.contentType = 'application/unknownformat';
    req.body = Buffer.from('<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');
    assert.deepEqual(checkRequest(req), { status: 415, headers: { Accept: 'application/sdp' } });
  });

  test('SDP, and multipart holding SDP, are accepted; a compressed body is not', () => {
    const sdp = request('INVITE');
    sdp.contentType = 'Application/SDP; charset=utf-8';
    sdp.body = Buffer.from('v=0\r\n');
    assert.equal(checkRequest(sdp), undefined);
    const multi = request('INVITE');
    multi.contentType = 'multipart/mixed;boundary=unique-boundary-1';
    multi.body = Buffer.from(
      '--unique-boundary-1\r\nContent-Type: application/SDP\r\n\r\nv=0\r\n--unique-boundary-1--\r\n',
    );
    assert.equal(checkRequest(multi), undefined);
    const noSdp = request('INVITE');
    noSdp.contentType = 'multipart/mixed;boundary=b';
    noSdp.body = Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n');
    assert.equal(checkRequest(noSdp)?.status, 415);
    const gz = request('INVITE');
    gz.contentType = 'application/sdp';
    gz.body = Buffer.from('x');
    gz.add('Content-Encoding', 'gzip');
    assert.deepEqual(checkRequest(gz), { status: 415, headers: { 'Accept-Encoding': 'identity' } });
  });

  test('an INVITE with two Contacts or * -> 400 (8.1.1.8); none is accepted as RFC 2543 allowed', () => {
    const two = request('INVITE');
    two.contact = [two.contact[0], two.contact[0].clone()];
    assert.equal(checkRequest(two)?.status, 400);
    const star = request('INVITE');
    star.contact = [new NameAddr(star.contact[0].uri, { wildcard: true })];
    assert.equal(checkRequest(star)?.status, 400);
    const none = request('INVITE');
    none.contact = [];
    assert.equal(checkRequest(none), undefined);
  });
});
