import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipError } from '../../../../src/sip/errors.ts';
import { LocalSdpSession } from '../../../../src/sip/sdp/local-sdp-session.ts';
import type { MediaCapabilities } from '../../../../src/sip/sdp/negotiated-media.ts';
import { parseSdp } from '../../../../src/sip/sdp/parse-sdp.ts';
import { BARESIP_ANSWER, SIPP_OFFER } from './samples.ts';

const CAPS: MediaCapabilities = {
  address: '127.0.0.1',
  port: 30000,
  codecs: ['PCMU', 'PCMA'],
  telephoneEvent: true,
};

function originOf(sdp: string): string {
  return sdp.split('\r\n')[1];
}

describe('LocalSdpSession', () => {
  test('writes our o= line: username, session id and the first version', () => {
    const local = new LocalSdpSession({ sessionId: '4242', initialVersion: 7n });
    const { sdp } = local.createOffer(CAPS);
    assert.equal(originOf(sdp), 'o=- 4242 7 IN IP4 127.0.0.1');
    assert.equal(local.sessionVersion, '7');
  });

  test('the version goes up by one only when the SDP changes (RFC 3264 8)', () => {
    const local = new LocalSdpSession({ sessionId: '1', username: 'patchbay' });
    const first = local.createOffer(CAPS).sdp;
    assert.equal(originOf(first), 'o=patchbay 1 1 IN IP4 127.0.0.1');
    // A re-offer of the same session keeps the version.
    const same = local.createOffer(CAPS).sdp;
    assert.equal(same, first);
    // Hold: content changes, version 2.
    const hold = local.createOffer({ ...CAPS, direction: 'sendonly' }).sdp;
    assert.equal(originOf(hold), 'o=patchbay 1 2 IN IP4 127.0.0.1');
    assert.match(hold, /a=sendonly/);
    // Resume: changes again, version 3 (not back to 1).
    const resume = local.createOffer(CAPS).sdp;
    assert.equal(originOf(resume), 'o=patchbay 1 3 IN IP4 127.0.0.1');
    // An answer of ours in the same session continues the count.
    const { sdp: answer } = local.createAnswer(SIPP_OFFER, CAPS);
    assert.equal(originOf(answer), 'o=patchbay 1 4 IN IP4 127.0.0.1');
    assert.equal(local.createAnswer(SIPP_OFFER, CAPS).sdp, answer);
  });

  test('a random session id that stays the same for the session; o= address from the options', () => {
    const local = new LocalSdpSession({ address: '192.0.2.7' });
    assert.match(local.sessionId, /^[0-9]+$/);
    const a = parseSdp(local.createOffer(CAPS).sdp).origin;
    const b = parseSdp(local.createOffer({ ...CAPS, port: 30002 }).sdp).origin;
    assert.equal(a.sessionId, local.sessionId);
    assert.equal(b.sessionId, local.sessionId);
    assert.equal(a.address, '192.0.2.7');
    assert.equal(b.sessionVersion, String(BigInt(a.sessionVersion) + 1n));
  });

  test('createAnswer takes text and returns the negotiated media', () => {
    const local = new LocalSdpSession();
    const { sdp, media, answer } = local.createAnswer(Buffer.from(SIPP_OFFER), CAPS);
    assert.equal(media.codec, 'PCMU');
    assert.deepEqual(parseSdp(sdp), answer);
  });

  test('processAnswer reads the answer to the pending offer, once', () => {
    const local = new LocalSdpSession();
    local.createOffer(CAPS);
    assert.ok(local.offer);
    const media = local.processAnswer(BARESIP_ANSWER);
    assert.equal(media.remote.port, 20194);
    assert.equal(local.offer, undefined);
    assert.throws(
      () => local.processAnswer(BARESIP_ANSWER),
      (err) => err instanceof SipError && err.code === 'STATE',
    );
  });

  test('a malformed answer ends the exchange too', () => {
    const local = new LocalSdpSession();
    local.createOffer(CAPS);
    assert.throws(
      () => local.processAnswer('not sdp'),
      (err) => err instanceof SipError && err.code === 'PARSE',
    );
    assert.equal(local.offer, undefined);
  });
});
