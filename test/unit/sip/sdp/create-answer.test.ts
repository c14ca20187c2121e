import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipError } from '../../../../src/sip/errors.ts';
import { createAnswer } from '../../../../src/sip/sdp/create-answer.ts';
import { directionOf, fmtpOf, hasRtcpMux, rtpMapsOf } from '../../../../src/sip/sdp/media-attributes.ts';
import type { MediaCapabilities } from '../../../../src/sip/sdp/negotiated-media.ts';
import { parseSdp } from '../../../../src/sip/sdp/parse-sdp.ts';
import { serializeSdp } from '../../../../src/sip/sdp/serialize-sdp.ts';
import { BARESIP_OFFER, CISCO_OFFER, POLYCOM_OFFER, SIPP_OFFER, VIDEO_IP6_OFFER } from './samples.ts';

const CAPS: MediaCapabilities = {
  address: '127.0.0.1',
  port: 30000,
  codecs: ['PCMU', 'PCMA'],
  telephoneEvent: true,
};

/** An offer with one audio m= line; `extra` lines go after it. */
function offer(mline: string, ...extra: string[]): string {
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', mline, ...extra, ''].join(
    '\r\n',
  );
}

function rejection(fn: () => unknown): SipError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SipError);
    assert.equal(err.code, 'REJECTED');
    assert.equal(err.status, 488);
    return err;
  }
  assert.fail('expected a 488');
}

describe('createAnswer: codec choice', () => {
  test('SIPp offer: PCMU and telephone-event 101, the whole answer', () => {
    const { answer, media } = createAnswer(parseSdp(SIPP_OFFER), CAPS);
    assert.deepEqual(media, {
      remote: {
        address: '127.0.0.1',
        port: 16000,
        rtcpPort: 16001,
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
    assert.equal(
      serializeSdp(answer),
      [
        'v=0',
        'o=- 0 0 IN IP4 127.0.0.1',
        's=-',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 30000 RTP/AVP 0 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  test('PCMA only offered: PCMA on payload type 8', () => {
    const { answer, media } = createAnswer(parseSdp(offer('m=audio 4000 RTP/AVP 8')), CAPS);
    assert.equal(media.codec, 'PCMA');
    assert.equal(media.payloadType, 8);
    assert.equal(media.telephoneEventPt, undefined);
    assert.deepEqual(answer.media[0].formats, ['8']);
  });

  test("the offerer's order wins over ours: baresip lists PCMU first, we prefer PCMA", () => {
    const { answer, media } = createAnswer(parseSdp(BARESIP_OFFER), { ...CAPS, codecs: ['PCMA', 'PCMU'] });
    assert.equal(media.codec, 'PCMU');
    assert.deepEqual(answer.media[0].formats, ['0', '101']);
  });

  test('only codecs we have are chosen: PCMA when we lack PCMU', () => {
    const { media } = createAnswer(parseSdp(BARESIP_OFFER), { ...CAPS, codecs: ['PCMA'] });
    assert.equal(media.codec, 'PCMA');
    assert.equal(media.payloadType, 8);
  });

  test('Polycom: G722 and G729 skipped, PCMU chosen, telephone-event on 127', () => {
    const { answer, media } = createAnswer(parseSdp(POLYCOM_OFFER), CAPS);
    assert.equal(media.codec, 'PCMU');
    assert.equal(media.telephoneEventPt, 127);
    assert.deepEqual(answer.media[0].formats, ['0', '127']);
    assert.equal(fmtpOf(answer.media[0], 127), '0-15');
  });

  test('Cisco: PCMA listed before PCMU, media-level address used, X-NSE is not telephone-event', () => {
    const { media } = createAnswer(parseSdp(CISCO_OFFER), CAPS);
    assert.equal(media.codec, 'PCMA');
    assert.equal(media.remote.address, '192.0.2.11');
    assert.equal(media.telephoneEventPt, undefined);
  });

  for (const pt of [96, 100, 101]) {
    test(`dynamic telephone-event payload type ${pt} is answered with the same number and 0-15`, () => {
      const text = offer(
        `m=audio 4000 RTP/AVP 0 ${pt}`,
        `a=rtpmap:${pt} telephone-event/8000`,
        `a=fmtp:${pt} 0-16`,
      );
      const { answer, media } = createAnswer(parseSdp(text), CAPS);
      assert.equal(media.telephoneEventPt, pt);
      const m = answer.media[0];
      assert.deepEqual(m.formats, ['0', String(pt)]);
      assert.deepEqual(rtpMapsOf(m)[1], { payloadType: pt, encoding: 'telephone-event', clockRate: 8000 });
      assert.equal(fmtpOf(m, pt), '0-15');
    });
  }

  test('telephone-event is taken only at 8000 Hz', () => {
    const both = offer(
      'm=audio 4000 RTP/AVP 0 110 101',
      'a=rtpmap:110 telephone-event/48000',
      'a=rtpmap:101 TELEPHONE-EVENT/8000',
    );
    assert.equal(createAnswer(parseSdp(both), CAPS).media.telephoneEventPt, 101);
    const wideOnly = offer('m=audio 4000 RTP/AVP 0 110', 'a=rtpmap:110 telephone-event/48000');
    const { answer, media } = createAnswer(parseSdp(wideOnly), CAPS);
    assert.equal(media.telephoneEventPt, undefined);
    assert.deepEqual(answer.media[0].formats, ['0']);
  });

  test('telephone-event is left out when we do not want it', () => {
    const { answer, media } = createAnswer(parseSdp(SIPP_OFFER), { ...CAPS, telephoneEvent: false });
    assert.equal(media.telephoneEventPt, undefined);
    assert.deepEqual(answer.media[0].formats, ['0']);
  });

  test('PCMU on a dynamic payload type, encoding name in any case', () => {
    const { answer, media } = createAnswer(
      parseSdp(offer('m=audio 4000 RTP/AVP 97', 'a=rtpmap:97 pcmu/8000')),
      CAPS,
    );
    assert.equal(media.codec, 'PCMU');
    assert.equal(media.payloadType, 97);
    assert.equal(answer.media[0].attributes[0].value, '97 PCMU/8000');
  });

  test('no common codec: 488 naming the offered formats', () => {
    const err = rejection(() =>
      createAnswer(parseSdp(offer('m=audio 4000 RTP/AVP 18 9', 'a=rtpmap:18 G729/8000')), CAPS),
    );
    assert.match(err.message, /m-line 1: no common codec \(offered 18 9\)/);
  });

  test('PCMU at another rate or in stereo is not PCMU we can serve', () => {
    rejection(() => createAnswer(parseSdp(offer('m=audio 4000 RTP/AVP 96', 'a=rtpmap:96 PCMU/16000')), CAPS));
    rejection(() =>
      createAnswer(parseSdp(offer('m=audio 4000 RTP/AVP 96', 'a=rtpmap:96 PCMU/8000/2')), CAPS),
    );
  });
});

describe('createAnswer: streams we cannot serve', () => {
  test('video is rejected with port 0 in its position; audio from an IPv6 offer is accepted', () => {
    const { answer, media } = createAnswer(parseSdp(VIDEO_IP6_OFFER), { ...CAPS, address: '2001:db8::99' });
    assert.equal(answer.media.length, 2);
    assert.equal(answer.media[0].port, 30000);
    assert.deepEqual(
      { port: answer.media[1].port, type: answer.media[1].type, formats: answer.media[1].formats },
      { port: 0, type: 'video', formats: ['97'] },
    );
    assert.deepEqual(answer.connection, { netType: 'IN', addrType: 'IP6', address: '2001:db8::99' });
    assert.equal(media.codec, 'PCMA');
    assert.equal(media.telephoneEventPt, 96);
    assert.equal(media.ptime, 30, "the offerer's a=ptime is what we send");
    assert.deepEqual(media.remote, {
      address: '2001:db8::10',
      port: 49170,
      rtcpPort: 49171,
      rtcpAddress: '2001:db8::11',
      rtcpMux: false,
    });
    assert.match(serializeSdp(answer), /\r\nm=video 0 RTP\/AVP 97\r\n$/);
  });

  test('video first: the audio stream is the second m-line', () => {
    const text = offer('m=video 5000 RTP/AVP 97', 'a=rtpmap:97 H264/90000', 'm=audio 4000 RTP/AVP 0');
    const { answer, media } = createAnswer(parseSdp(text), CAPS);
    assert.equal(media.mediaIndex, 1);
    assert.deepEqual(
      answer.media.map((m) => m.port),
      [0, 30000],
    );
  });

  test('a second audio stream is rejected: one stream per call', () => {
    const text = offer('m=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 8');
    const { answer, media } = createAnswer(parseSdp(text), CAPS);
    assert.equal(media.remote.port, 4000);
    assert.deepEqual(
      answer.media.map((m) => m.port),
      [30000, 0],
    );
  });

  test('SRTP audio is rejected; with nothing else the offer gets 488', () => {
    const err = rejection(() => createAnswer(parseSdp(offer('m=audio 4000 RTP/SAVP 0')), CAPS));
    assert.match(err.message, /protocol RTP\/SAVP/);
  });

  test('an audio stream the offerer disabled (port 0) stays rejected', () => {
    const text = offer('m=audio 0 RTP/AVP 0', 'm=audio 4002 RTP/AVP 8');
    const { answer, media } = createAnswer(parseSdp(text), CAPS);
    assert.equal(media.mediaIndex, 1);
    assert.equal(answer.media[0].port, 0);
    rejection(() => createAnswer(parseSdp(offer('m=audio 0 RTP/AVP 0')), CAPS));
  });

  test('an offer without m= lines gets 488', () => {
    rejection(() => createAnswer(parseSdp(offer('a=sendrecv')), CAPS));
  });

  test('the answer copies the offer t= line (RFC 3264 6)', () => {
    const text = offer('m=audio 4000 RTP/AVP 0').replace('t=0 0', 't=3034423619 3042462419');
    assert.deepEqual(createAnswer(parseSdp(text), CAPS).answer.timings, [
      { start: 3034423619, stop: 3042462419, repeats: [] },
    ]);
  });
});

describe('createAnswer: direction, hold and RTCP', () => {
  const cases: [string, string, string, boolean][] = [
    ['sendonly (hold)', 'a=sendonly', 'recvonly', true],
    ['inactive', 'a=inactive', 'inactive', true],
    ['recvonly', 'a=recvonly', 'sendonly', false],
    ['sendrecv', 'a=sendrecv', 'sendrecv', false],
  ];
  for (const [name, attr, ours, hold] of cases) {
    test(`offer ${name} => we ${ours}, hold ${hold}`, () => {
      const { answer, media } = createAnswer(parseSdp(offer('m=audio 4000 RTP/AVP 0', attr)), CAPS);
      assert.equal(media.direction, ours);
      assert.equal(media.hold, hold);
      assert.equal(directionOf(answer, answer.media[0]), ours);
    });
  }

  test('a session-level sendonly applies to the stream', () => {
    const text = offer('m=audio 4000 RTP/AVP 0').replace('t=0 0', 't=0 0\r\na=sendonly');
    const { media } = createAnswer(parseSdp(text), CAPS);
    assert.equal(media.direction, 'recvonly');
    assert.equal(media.hold, true);
  });

  test('c=0.0.0.0 is the old hold: nothing is sent, we only receive', () => {
    const text = offer('m=audio 4000 RTP/AVP 0').replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0');
    const { answer, media } = createAnswer(parseSdp(text), CAPS);
    assert.equal(media.hold, true);
    assert.equal(media.direction, 'recvonly');
    assert.equal(directionOf(answer, answer.media[0]), 'recvonly');
  });

  test('our own hold (caps.direction sendonly) against a sendrecv offer', () => {
    const { media } = createAnswer(parseSdp(SIPP_OFFER), { ...CAPS, direction: 'sendonly' });
    assert.equal(media.direction, 'sendonly');
    assert.equal(media.hold, false);
  });

  test('rtcp-mux offered (baresip) is accepted: RTCP goes to the RTP port', () => {
    const { answer, media } = createAnswer(parseSdp(BARESIP_OFFER), CAPS);
    assert.equal(media.remote.rtcpMux, true);
    assert.equal(media.remote.rtcpPort, 20066);
    assert.equal(hasRtcpMux(answer.media[0]), true);
  });

  test('rtcp-mux refused when our capabilities say so', () => {
    const { answer, media } = createAnswer(parseSdp(BARESIP_OFFER), { ...CAPS, rtcpMux: false });
    assert.equal(media.remote.rtcpMux, false);
    assert.equal(media.remote.rtcpPort, 20067);
    assert.equal(hasRtcpMux(answer.media[0]), false);
  });

  test('our ptime goes into the answer; without an offered ptime it is also what we send', () => {
    const { answer, media } = createAnswer(parseSdp(offer('m=audio 4000 RTP/AVP 0')), { ...CAPS, ptime: 30 });
    assert.equal(media.ptime, 30);
    assert.match(serializeSdp(answer), /\r\na=ptime:30\r\n/);
  });

  test('the answer parses back to the same description', () => {
    const { answer } = createAnswer(parseSdp(VIDEO_IP6_OFFER), CAPS);
    assert.deepEqual(parseSdp(serializeSdp(answer)), answer);
  });
});
