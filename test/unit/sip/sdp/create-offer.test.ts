import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipError } from '../../../../src/sip/errors.ts';
import { createOffer, processAnswer } from '../../../../src/sip/sdp/create-offer.ts';
import type { MediaCapabilities } from '../../../../src/sip/sdp/negotiated-media.ts';
import { parseSdp } from '../../../../src/sip/sdp/parse-sdp.ts';
import { serializeSdp } from '../../../../src/sip/sdp/serialize-sdp.ts';
import { BARESIP_ANSWER } from './samples.ts';

const CAPS: MediaCapabilities = {
  address: '127.0.0.1',
  port: 30000,
  codecs: ['PCMU', 'PCMA'],
  telephoneEvent: true,
};

/** An answer with one m= line; `extra` lines go after it. */
function answer(mline: string, ...extra: string[]) {
  return parseSdp(
    ['v=0', 'o=- 9 9 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', mline, ...extra, ''].join(
      '\r\n',
    ),
  );
}

function failure(fn: () => unknown, code: string, status: number): SipError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SipError);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('createOffer', () => {
  test('PCMU 0, PCMA 8, telephone-event 101, ptime 20, rtcp-mux, sendrecv', () => {
    assert.equal(
      serializeSdp(createOffer(CAPS)),
      [
        'v=0',
        'o=- 0 0 IN IP4 127.0.0.1',
        's=-',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 30000 RTP/AVP 0 8 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=ptime:20',
        'a=rtcp-mux',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  test('our preference order, ptime, no telephone-event, no rtcp-mux, hold as sendonly', () => {
    const text = serializeSdp(
      createOffer({
        ...CAPS,
        codecs: ['PCMA', 'PCMU'],
        telephoneEvent: false,
        ptime: 30,
        rtcpMux: false,
        direction: 'sendonly',
      }),
    );
    assert.match(text, /\r\nm=audio 30000 RTP\/AVP 8 0\r\n/);
    assert.match(text, /a=ptime:30\r\na=sendonly\r\n$/);
    assert.doesNotMatch(text, /telephone-event|rtcp-mux/);
  });

  test('an IPv6 address gives IN IP6 lines', () => {
    const sdp = createOffer({ ...CAPS, address: '::1' });
    assert.deepEqual(sdp.connection, { netType: 'IN', addrType: 'IP6', address: '::1' });
    assert.equal(sdp.origin.addrType, 'IP6');
  });

  test('no codec is a programming error', () => {
    assert.throws(
      () => createOffer({ ...CAPS, codecs: [] }),
      (err) => err instanceof SipError && err.code === 'STATE',
    );
  });
});

describe('processAnswer', () => {
  const offer = createOffer(CAPS);

  test("baresip's answer: PCMU, telephone-event 101, no rtcp-mux since it did not accept it", () => {
    assert.deepEqual(processAnswer(offer, parseSdp(BARESIP_ANSWER)), {
      remote: {
        address: '127.0.0.1',
        port: 20194,
        rtcpPort: 20195,
        rtcpAddress: '127.0.0.1',
        rtcpMux: false,
      },
      payloadType: 0,
      codec: 'PCMU',
      clockRate: 8000,
      telephoneEventPt: 101,
      ptime: 20,
      direction: 'sendrecv',
      hold: false,
      mediaIndex: 0,
    });
  });

  test('the answer picks PCMA; a different telephone-event number is the one we send with', () => {
    const m = processAnswer(
      offer,
      answer('m=audio 5000 RTP/AVP 8 96', 'a=rtpmap:96 telephone-event/8000', 'a=ptime:30', 'a=rtcp-mux'),
    );
    assert.equal(m.codec, 'PCMA');
    assert.equal(m.payloadType, 8);
    assert.equal(m.telephoneEventPt, 96);
    assert.equal(m.ptime, 30);
    assert.equal(m.remote.rtcpMux, true);
    assert.equal(m.remote.rtcpPort, 5000);
  });

  test('formats the answer added (not offered) are skipped', () => {
    const m = processAnswer(offer, answer('m=audio 5000 RTP/AVP 18 0', 'a=rtpmap:18 G729/8000'));
    assert.equal(m.codec, 'PCMU');
  });

  test('an answer with only codecs we did not offer: 488', () => {
    const err = failure(
      () => processAnswer(offer, answer('m=audio 5000 RTP/AVP 18', 'a=rtpmap:18 G729/8000')),
      'REJECTED',
      488,
    );
    assert.match(err.message, /no codec of the offer \(answered 18\)/);
  });

  test('PCMA answered to a PCMU-only offer is not accepted', () => {
    const pcmuOnly = createOffer({ ...CAPS, codecs: ['PCMU'] });
    failure(() => processAnswer(pcmuOnly, answer('m=audio 5000 RTP/AVP 8')), 'REJECTED', 488);
  });

  test('telephone-event in the answer is ignored when we did not offer it', () => {
    const noTe = createOffer({ ...CAPS, telephoneEvent: false });
    const m = processAnswer(noTe, answer('m=audio 5000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000'));
    assert.equal(m.telephoneEventPt, undefined);
  });

  test('the audio stream rejected with port 0: 488', () => {
    failure(() => processAnswer(offer, answer('m=audio 0 RTP/AVP 0')), 'REJECTED', 488);
  });

  test('a different number of m= lines is a malformed answer', () => {
    const two = answer('m=audio 5000 RTP/AVP 0', 'm=video 0 RTP/AVP 97');
    const err = failure(() => processAnswer(offer, two), 'PARSE', 400);
    assert.match(err.message, /2 m= lines, the offer had 1/);
  });

  test('our hold offer (sendonly) answered recvonly: we send only, hold', () => {
    const hold = createOffer({ ...CAPS, direction: 'sendonly' });
    const m = processAnswer(hold, answer('m=audio 5000 RTP/AVP 0', 'a=recvonly'));
    assert.equal(m.direction, 'sendonly');
    assert.equal(m.hold, true);
  });

  test('our inactive offer answered sendrecv stays inactive', () => {
    const hold = createOffer({ ...CAPS, direction: 'inactive' });
    const m = processAnswer(hold, answer('m=audio 5000 RTP/AVP 0', 'a=sendrecv'));
    assert.equal(m.direction, 'inactive');
    assert.equal(m.hold, true);
  });

  test('a recvonly answer to our sendrecv offer: we only send, not a hold', () => {
    const m = processAnswer(offer, answer('m=audio 5000 RTP/AVP 0', 'a=recvonly'));
    assert.equal(m.direction, 'sendonly');
    assert.equal(m.hold, false);
  });

  test('an answer with c=0.0.0.0: we do not send', () => {
    const a = answer('m=audio 5000 RTP/AVP 0').connection;
    const held = answer('m=audio 5000 RTP/AVP 0');
    held.connection = { ...a!, address: '0.0.0.0' };
    assert.equal(processAnswer(offer, held).direction, 'recvonly');
  });
});
