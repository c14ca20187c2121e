import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipError } from '../../../../src/sip/errors.ts';
import {
  directionOf,
  fmtpOf,
  hasRtcpMux,
  ptimeOf,
  rtcpOf,
  rtpMapsOf,
  setDirection,
} from '../../../../src/sip/sdp/media-attributes.ts';
import { parseSdp } from '../../../../src/sip/sdp/parse-sdp.ts';
import { serializeSdp } from '../../../../src/sip/sdp/serialize-sdp.ts';
import {
  BARESIP_ANSWER,
  BARESIP_OFFER,
  CISCO_OFFER,
  POLYCOM_OFFER,
  SIPP_OFFER,
  SIPP_OFFER_IP6,
  VIDEO_IP6_OFFER,
} from './samples.ts';

const SAMPLES = {
  SIPP_OFFER,
  SIPP_OFFER_IP6,
  BARESIP_OFFER,
  BARESIP_ANSWER,
  POLYCOM_OFFER,
  CISCO_OFFER,
  VIDEO_IP6_OFFER,
};

function parseError(text: string): SipError {
  try {
    parseSdp(text);
  } catch (err) {
    assert.ok(err instanceof SipError);
    assert.equal(err.code, 'PARSE');
    assert.equal(err.status, 400);
    return err;
  }
  assert.fail('expected a PARSE error');
}

describe('parseSdp: real-world bodies', () => {
  test('SIPp offer: session fields, one audio stream with static PCMU and telephone-event', () => {
    const sdp = parseSdp(SIPP_OFFER);
    assert.deepEqual(sdp.origin, {
      username: 'sipp',
      sessionId: '53655765',
      sessionVersion: '2353687637',
      netType: 'IN',
      addrType: 'IP4',
      address: '127.0.0.1',
    });
    assert.equal(sdp.sessionName, '-');
    assert.deepEqual(sdp.connection, { netType: 'IN', addrType: 'IP4', address: '127.0.0.1' });
    assert.deepEqual(sdp.timings, [{ start: 0, stop: 0, repeats: [] }]);
    assert.equal(sdp.media.length, 1);
    const m = sdp.media[0];
    assert.equal(m.type, 'audio');
    assert.equal(m.port, 16000);
    assert.equal(m.protocol, 'RTP/AVP');
    assert.deepEqual(m.formats, ['0', '101']);
    assert.deepEqual(rtpMapsOf(m), [
      { payloadType: 0, encoding: 'PCMU', clockRate: 8000 },
      { payloadType: 101, encoding: 'telephone-event', clockRate: 8000 },
    ]);
    assert.equal(fmtpOf(m, 101), '0-15');
    assert.equal(ptimeOf(m), 20);
    assert.equal(directionOf(sdp, m), 'sendrecv');
    assert.equal(hasRtcpMux(m), false);
  });

  test('SIPp over IPv6 keeps the bracketed o= address and parses c=IN IP6', () => {
    const sdp = parseSdp(SIPP_OFFER_IP6);
    assert.equal(sdp.origin.addrType, 'IP6');
    assert.equal(sdp.origin.address, '[::1]');
    assert.deepEqual(sdp.connection, { netType: 'IN', addrType: 'IP6', address: '::1' });
  });

  test('baresip offer: session attribute, rtcp-mux, ssrc and unknown attributes kept in order', () => {
    const sdp = parseSdp(BARESIP_OFFER);
    assert.deepEqual(sdp.attributes, [{ name: 'tool', value: 'baresip 1.0.0' }]);
    const m = sdp.media[0];
    assert.deepEqual(
      rtpMapsOf(m).map((r) => r.encoding),
      ['PCMU', 'PCMA', 'telephone-event'],
    );
    assert.equal(hasRtcpMux(m), true);
    assert.deepEqual(m.attributes[7], { name: 'ssrc', value: '4156534326 cname:sip:alice@127.0.0.1:5100' });
    assert.deepEqual(m.attributes[6], { name: 'rtcp-rsize' });
    assert.equal(ptimeOf(m), 20);
  });

  test('Polycom-style: many codecs, session-level direction, fmtp per payload type', () => {
    const sdp = parseSdp(POLYCOM_OFFER);
    const m = sdp.media[0];
    assert.deepEqual(m.formats, ['9', '102', '0', '8', '18', '127']);
    assert.deepEqual(
      rtpMapsOf(m).map((r) => `${r.payloadType}:${r.encoding}/${r.clockRate}`),
      [
        '9:G722/8000',
        '102:G7221/16000',
        '0:PCMU/8000',
        '8:PCMA/8000',
        '18:G729/8000',
        '127:telephone-event/8000',
      ],
    );
    assert.equal(fmtpOf(m, 102), 'bitrate=32000');
    assert.equal(fmtpOf(m, 18), 'annexb=no');
    assert.equal(fmtpOf(m, 0), undefined);
    assert.equal(sdp.sessionName, 'Polycom IP Phone');
    assert.equal(directionOf(sdp, m), 'sendrecv');
  });

  test('Cisco-style: media-level c= overrides the session one', () => {
    const sdp = parseSdp(CISCO_OFFER);
    assert.equal(sdp.connection?.address, '192.0.2.10');
    assert.equal(sdp.media[0].connection?.address, '192.0.2.11');
  });

  test('IPv6 with video: b= lines, i=, a=rtcp with address, two media sections', () => {
    const sdp = parseSdp(VIDEO_IP6_OFFER);
    assert.equal(sdp.information, 'A call with video');
    assert.deepEqual(sdp.bandwidths, [{ type: 'AS', value: 512 }]);
    assert.equal(sdp.media.length, 2);
    const [audio, video] = sdp.media;
    assert.deepEqual(audio.bandwidths, [{ type: 'AS', value: 64 }]);
    assert.deepEqual(rtcpOf(audio), { port: 49171, address: '2001:db8::11' });
    assert.equal(ptimeOf(audio), 30);
    assert.equal(video.type, 'video');
    assert.deepEqual(rtpMapsOf(video), [{ payloadType: 97, encoding: 'H264', clockRate: 90000 }]);
  });

  test('every sample survives serialize(parse(x)) byte for byte', () => {
    for (const [name, text] of Object.entries(SAMPLES)) {
      assert.equal(serializeSdp(parseSdp(text)), text, name);
    }
  });
});

describe('parseSdp: leniency', () => {
  test('LF line ends, a trailing blank line and a Buffer are accepted; output uses CRLF', () => {
    const lf = SIPP_OFFER.replaceAll('\r\n', '\n');
    const sdp = parseSdp(Buffer.from(`${lf}\n`));
    assert.equal(serializeSdp(sdp), SIPP_OFFER);
  });

  test('lines of unknown type and every optional session line are kept in RFC 4566 order', () => {
    const text = [
      'v=0',
      'o=- 1 1 IN IP4 192.0.2.1',
      's=x',
      'i=info',
      'u=http://example.com/s',
      'e=a@example.com',
      'p=+1 555 0100',
      'c=IN IP4 224.2.1.1/127/3',
      'b=CT:128',
      't=2873397496 2873404696',
      'r=7d 1h 0 25h',
      'z=2882844526 -1h',
      'k=prompt',
      'y=vendor-thing',
      'a=recvonly',
      'm=audio 49170/2 RTP/AVP 0',
      'i=media info',
      'k=clear:abc',
      'q=media-extra',
      'a=rtpmap:0 PCMU/8000',
      '',
    ].join('\r\n');
    const sdp = parseSdp(text);
    assert.deepEqual(sdp.connection, {
      netType: 'IN',
      addrType: 'IP4',
      address: '224.2.1.1',
      ttl: 127,
      count: 3,
    });
    assert.deepEqual(sdp.timings[0].repeats, ['7d 1h 0 25h']);
    assert.deepEqual(sdp.extraLines, [{ type: 'y', value: 'vendor-thing' }]);
    assert.equal(sdp.media[0].portCount, 2);
    assert.deepEqual(sdp.media[0].extraLines, [{ type: 'q', value: 'media-extra' }]);
    assert.equal(directionOf(sdp, sdp.media[0]), 'recvonly');
    assert.equal(serializeSdp(sdp), text);
  });

  test('media-level direction overrides the session-level one; setDirection replaces it', () => {
    const sdp = parseSdp(
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\na=sendonly\r\nm=audio 1 RTP/AVP 0\r\na=inactive\r\n',
    );
    assert.equal(directionOf(sdp, sdp.media[0]), 'inactive');
    setDirection(sdp.media[0].attributes, 'recvonly');
    assert.deepEqual(sdp.media[0].attributes, [{ name: 'recvonly' }]);
    assert.equal(directionOf(sdp, sdp.media[0]), 'recvonly');
  });

  test('an m= line without formats and a missing t= line are tolerated', () => {
    const sdp = parseSdp('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nm=video 0 RTP/AVP\r\n');
    assert.deepEqual(sdp.media[0].formats, []);
    assert.deepEqual(sdp.timings, []);
  });

  test('a dynamic payload type without rtpmap is left out, an rtpmap wins over the static table', () => {
    const sdp = parseSdp(
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nm=audio 1 RTP/AVP 96 0\r\na=rtpmap:0 pcma/8000\r\n',
    );
    assert.deepEqual(rtpMapsOf(sdp.media[0]), [{ payloadType: 0, encoding: 'pcma', clockRate: 8000 }]);
  });
});

describe('parseSdp: malformed input', () => {
  const base = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n';
  const cases: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['not starting with v=', 'o=- 1 1 IN IP4 192.0.2.1\r\n', /line 1: the description must start with v=/],
    ['version 1', 'v=1\r\n', /line 1: unsupported version v=1/],
    ['a line without =', `${base}garbage\r\n`, /line 5: expected "<type>=<value>"/],
    ['an upper-case type', `${base}A=x\r\n`, /line 5/],
    ['a short o= line', 'v=0\r\no=- 1 IN IP4 192.0.2.1\r\n', /line 2: o= needs 6 fields/],
    ['no o= line', 'v=0\r\ns=-\r\n', /no o= line/],
    ['a bad port', `${base}m=audio 7x RTP/AVP 0\r\n`, /line 5: bad port "7x"/],
    ['a port above 65535', `${base}m=audio 70000 RTP/AVP 0\r\n`, /line 5: port 70000 out of range/],
    ['a c= line with two fields', `${base}c=IN IP4\r\n`, /line 5: c= needs 3 fields/],
    [
      'two c= lines in one media section',
      `${base}m=audio 1 RTP/AVP 0\r\nc=IN IP4 a\r\nc=IN IP4 b\r\n`,
      /line 7/,
    ],
    ['a bad bandwidth', `${base}b=AS\r\n`, /line 5: b= must be/],
    [
      'a t= line inside a media section',
      `${base}m=audio 1 RTP/AVP 0\r\nt=0 0\r\n`,
      /line 6: t= is a session-level line/,
    ],
    ['r= without t=', 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nr=1 2 3\r\n', /line 3: r= line without/],
    ['m= before o=', 'v=0\r\nm=audio 1 RTP/AVP 0\r\n', /line 2: m= line before the o= line/],
  ];
  for (const [name, text, message] of cases) {
    test(`rejects ${name}`, () => {
      assert.match(parseError(text).message, message);
    });
  }
});
