import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { msToNtp } from '../../../../src/media/rtp/ntp.ts';
import {
  buildBye,
  buildCompound,
  buildReceiverReport,
  buildSdes,
  buildSenderReport,
  isRtcp,
  parseRtcpCompound,
  type ReportBlock,
  RtcpError,
} from '../../../../src/media/rtp/rtcp.ts';

const block: ReportBlock = {
  ssrc: 0xcafebabe,
  fractionLost: 51,
  cumulativeLost: 1234,
  highestSeq: 0x0001_0005,
  jitter: 37,
  lsr: 0x56789abc,
  dlsr: 0x00018000,
};

function hex(buf: Uint8Array): string {
  return Buffer.from(buf).toString('hex');
}

function isInvalid(err: unknown): boolean {
  return err instanceof RtcpError && err.code === 'RTCP_INVALID';
}

describe('RTCP builders (RFC 3550 6.4-6.6)', () => {
  test('SR: header, sender info and one report block, byte for byte', () => {
    const sr = buildSenderReport({
      ssrc: 0x11223344,
      ntp: { msw: 0xe1e2e3e4, lsw: 0xf1f2f3f4 },
      rtpTimestamp: 0xa0a1a2a3,
      packetCount: 10,
      octetCount: 1600,
      reports: [block],
    });
    assert.equal(
      hex(sr),
      '81c8000c' + // V=2 P=0 RC=1, PT=200, length 13 words - 1
        '11223344' +
        'e1e2e3e4f1f2f3f4' +
        'a0a1a2a3' +
        '0000000a' +
        '00000640' +
        'cafebabe' +
        '330004d2' + // fraction 51, cumulative 1234
        '00010005' +
        '00000025' +
        '56789abc' +
        '00018000',
    );
  });

  test('SR from wall-clock milliseconds carries the NTP words of that time', () => {
    const ms = 1_700_000_000_250;
    const [sr] = parseRtcpCompound(
      buildSenderReport({ ssrc: 1, ntpMs: ms, rtpTimestamp: 0, packetCount: 0, octetCount: 0, reports: [] }),
    );
    assert.equal(sr.type, 'SR');
    if (sr.type !== 'SR') return;
    const ntp = msToNtp(ms);
    assert.equal(sr.ntpMsw, ntp.msw);
    assert.equal(sr.ntpLsw, ntp.lsw);
  });

  test('SR counters wrap modulo 2^32', () => {
    const [sr] = parseRtcpCompound(
      buildSenderReport({
        ssrc: 1,
        ntpMs: 0,
        rtpTimestamp: 2 ** 32 + 5,
        packetCount: 2 ** 32 + 7,
        octetCount: 2 ** 33 + 9,
        reports: [],
      }),
    );
    assert.ok(sr.type === 'SR');
    assert.equal(sr.rtpTimestamp, 5);
    assert.equal(sr.packetCount, 7);
    assert.equal(sr.octetCount, 9);
  });

  test('empty RR is 8 octets', () => {
    assert.equal(hex(buildReceiverReport({ ssrc: 0xdeadbeef })), '80c90001deadbeef');
  });

  test('report block fields survive a round trip, negative cumulative loss included', () => {
    const negative = { ...block, cumulativeLost: -5, fractionLost: 0 };
    const [rr] = parseRtcpCompound(buildReceiverReport({ ssrc: 9, reports: [block, negative] }));
    assert.deepEqual(rr, { type: 'RR', ssrc: 9, reports: [block, negative] });
  });

  test('cumulative loss is clamped to signed 24 bits and fraction to 0-255 (A.3)', () => {
    const [rr] = parseRtcpCompound(
      buildReceiverReport({
        ssrc: 9,
        reports: [
          { ...block, cumulativeLost: 10_000_000, fractionLost: 300 },
          { ...block, cumulativeLost: -10_000_000, fractionLost: -1 },
        ],
      }),
    );
    assert.ok(rr.type === 'RR');
    assert.equal(rr.reports[0].cumulativeLost, 0x7fffff);
    assert.equal(rr.reports[0].fractionLost, 255);
    assert.equal(rr.reports[1].cumulativeLost, -0x800000);
    assert.equal(rr.reports[1].fractionLost, 0);
  });

  test('more than 31 blocks spill from the SR into following RRs (6.4.2)', () => {
    const reports = Array.from({ length: 65 }, (_, i) => ({ ...block, ssrc: i + 1 }));
    const buf = buildSenderReport({
      ssrc: 7,
      ntpMs: 0,
      rtpTimestamp: 0,
      packetCount: 0,
      octetCount: 0,
      reports,
    });
    const packets = parseRtcpCompound(buf);
    assert.deepEqual(
      packets.map((p) => [p.type, 'reports' in p ? p.reports.length : 0]),
      [
        ['SR', 31],
        ['RR', 31],
        ['RR', 3],
      ],
    );
    const all = packets.flatMap((p) => ('reports' in p ? p.reports : []));
    assert.deepEqual(
      all.map((b) => b.ssrc),
      reports.map((b) => b.ssrc),
    );
    assert.ok(packets.every((p) => (p.type === 'SR' || p.type === 'RR') && p.ssrc === 7));
  });

  test('SDES CNAME: item, null terminator and padding to 32 bits', () => {
    // 2 + 3 octets of item, then 3 nulls: chunk is 4 + 8, packet 16 octets.
    assert.equal(hex(buildSdes(0x01020304, 'abc')), '81ca0003' + '01020304' + '0103616263' + '000000');
    // 2 + 2 octets fill the word exactly, so a whole word of nulls must follow.
    assert.equal(hex(buildSdes(0x01020304, 'ab')), '81ca0003' + '01020304' + '01026162' + '00000000');
  });

  test('SDES CNAME round-trips UTF-8 and rejects empty or over-long names', () => {
    const [sdes] = parseRtcpCompound(buildSdes(42, 'patchbay@höst.example'));
    assert.deepEqual(sdes, { type: 'SDES', chunks: [{ ssrc: 42, cname: 'patchbay@höst.example' }] });
    assert.equal(parseRtcpCompound(buildSdes(1, 'x'.repeat(255))).length, 1);
    for (const bad of ['', 'x'.repeat(256)]) {
      assert.throws(
        () => buildSdes(1, bad),
        (err: unknown) => err instanceof RtcpError && err.code === 'RTCP_ARGUMENT',
      );
    }
  });

  test('SDES with several chunks and items other than CNAME (6.5)', () => {
    const sdes = Buffer.from(
      '82ca0007' + // SC=2, 8 words
        '00000011' +
        '0203' +
        '6e616d' + // NAME "nam"
        '0103' +
        '616263' + // CNAME "abc"
        '0000' + // end of list and padding: 4 + 5 + 5 + 2 = 16
        '00000022' +
        '0603' +
        '746f6f' + // TOOL "too", no CNAME
        '000000', // end of list and padding: 4 + 5 + 3 = 12
      'hex',
    );
    assert.equal(sdes.length, 32);
    assert.deepEqual(parseRtcpCompound(sdes), [
      { type: 'SDES', chunks: [{ ssrc: 0x11, cname: 'abc' }, { ssrc: 0x22 }] },
    ]);
  });

  test('BYE with and without a reason', () => {
    assert.equal(hex(buildBye(0x0a0b0c0d)), '81cb0001' + '0a0b0c0d');
    // length octet + "bye" fills one word exactly.
    assert.equal(hex(buildBye(0x0a0b0c0d, 'bye')), '81cb0002' + '0a0b0c0d' + '03627965');
    // length octet + "gone" = 5 octets, padded with nulls to 8.
    assert.equal(hex(buildBye(0x0a0b0c0d, 'gone')), '81cb0003' + '0a0b0c0d' + '04676f6e65000000');
    assert.deepEqual(parseRtcpCompound(buildBye([1, 2], 'call ended')), [
      { type: 'BYE', ssrcs: [1, 2], reason: 'call ended' },
    ]);
    assert.deepEqual(parseRtcpCompound(buildBye(3)), [{ type: 'BYE', ssrcs: [3] }]);
  });
});

describe('compound RTCP (RFC 3550 6.1)', () => {
  const sr = buildSenderReport({ ssrc: 5, ntpMs: 1000, rtpTimestamp: 160, packetCount: 1, octetCount: 160 });
  const rr = buildReceiverReport({ ssrc: 5, reports: [block] });
  const sdes = buildSdes(5, 'leg-a@patchbay');

  test('SR + SDES + BYE join and parse back in order', () => {
    const packets = parseRtcpCompound(buildCompound([sr, sdes, buildBye(5, 'hangup')]));
    assert.deepEqual(
      packets.map((p) => p.type),
      ['SR', 'SDES', 'BYE'],
    );
    assert.deepEqual(packets[1], { type: 'SDES', chunks: [{ ssrc: 5, cname: 'leg-a@patchbay' }] });
  });

  test('RR + SDES is a valid compound', () => {
    const buf = buildCompound([rr, sdes]);
    assert.equal(buf.length, rr.length + sdes.length);
    assert.deepEqual(
      parseRtcpCompound(buf).map((p) => p.type),
      ['RR', 'SDES'],
    );
  });

  test('refuses a compound that does not start with SR or RR', () => {
    assert.throws(() => buildCompound([sdes, rr]), isInvalid);
    assert.throws(() => buildCompound([]), isInvalid);
  });

  test('refuses a compound without an SDES CNAME', () => {
    assert.throws(() => buildCompound([sr]), /CNAME/);
    assert.throws(() => buildCompound([rr, buildBye(5)]), isInvalid);
  });

  test('refuses padding on a packet that is not the last', () => {
    const padded = withPadding(rr, 4);
    assert.throws(() => buildCompound([padded, sdes]), isInvalid);
    assert.deepEqual(
      parseRtcpCompound(buildCompound([rr, withPadding(sdes, 8)])).map((p) => p.type),
      ['RR', 'SDES'],
    );
  });
});

/** The packet with the P bit set and `n` octets of padding, the last one holding n (5.1). */
function withPadding(packet: Buffer, n: number): Buffer {
  const out = Buffer.concat([packet, Buffer.alloc(n)]);
  out[0] |= 0x20;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  out[out.length - 1] = n;
  return out;
}

describe('parseRtcpCompound validation (A.2)', () => {
  const rr = buildReceiverReport({ ssrc: 5, reports: [block] });
  const sdes = buildSdes(5, 'x');

  test('skips APP and unknown packet types', () => {
    const app = Buffer.from('80cc0002' + '00000005' + '61626364', 'hex'); // APP, name "abcd"
    const xr = Buffer.from('80cf0001' + '00000005', 'hex'); // XR (207)
    assert.deepEqual(
      parseRtcpCompound(Buffer.concat([rr, app, xr, sdes])).map((p) => p.type),
      ['RR', 'SDES'],
    );
  });

  test('reads a packet out of a larger buffer at a non-zero offset', () => {
    const big = Buffer.concat([Buffer.alloc(3, 0xff), rr, Buffer.alloc(5, 0xff)]);
    const view = new Uint8Array(big.buffer, big.byteOffset + 3, rr.length);
    assert.deepEqual(parseRtcpCompound(view), parseRtcpCompound(rr));
  });

  test('accepts padding on the last packet and ignores the padded octets', () => {
    const bye = buildBye(9, 'ok');
    assert.deepEqual(parseRtcpCompound(withPadding(bye, 12)), [{ type: 'BYE', ssrcs: [9], reason: 'ok' }]);
  });

  test('rejects malformed packets', () => {
    const cases: Record<string, Buffer> = {
      empty: Buffer.alloc(0),
      'too short': Buffer.from('80c9', 'hex'),
      'not a multiple of 4': Buffer.concat([rr, Buffer.alloc(2)]),
      'version 1': Buffer.from('40c90001deadbeef', 'hex'),
      'version 2 then version 0': Buffer.concat([rr, Buffer.from('00c90001deadbeef', 'hex')]),
      'length overruns': Buffer.from('80c90002deadbeef', 'hex'),
      'trailing garbage after a full packet': Buffer.concat([
        rr,
        Buffer.from('80c9', 'hex'),
        Buffer.alloc(2),
      ]),
      'padding on the first of two': Buffer.concat([withPadding(rr, 4), sdes]),
      'padding count 0': (() => {
        const p = withPadding(rr, 4);
        p[p.length - 1] = 0;
        return p;
      })(),
      'padding count beyond the packet': (() => {
        const p = withPadding(rr, 4);
        p[p.length - 1] = 200;
        return p;
      })(),
      'RR count larger than its length': Buffer.from('82c90007' + '00000005' + block24(), 'hex'),
      'SR shorter than its sender info': Buffer.from('80c80001deadbeef', 'hex'),
      'SDES item overruns': Buffer.from('81ca0002' + '00000001' + '01090000', 'hex'),
      'SDES chunk without terminator': Buffer.from('81ca0002' + '00000001' + '01026162', 'hex'),
      'SDES with more chunks than room': Buffer.from('82ca0002' + '00000001' + '01000000', 'hex'),
      'BYE reason overruns': Buffer.from('81cb0002' + '00000001' + '09616263', 'hex'),
      'BYE count larger than its length': Buffer.from('83cb0002' + '0000000100000002', 'hex'),
    };
    for (const [name, buf] of Object.entries(cases)) {
      assert.throws(() => parseRtcpCompound(buf), isInvalid, name);
    }
  });
});

function block24(): string {
  return '00'.repeat(24);
}

describe('isRtcp (RFC 5761 4)', () => {
  test('second octet 192-223 with version 2 is RTCP', () => {
    assert.equal(isRtcp(buildReceiverReport({ ssrc: 1 })), true);
    assert.equal(isRtcp(buildSdes(1, 'x')), true);
    assert.equal(isRtcp(Buffer.from('80c0000000000000', 'hex')), true); // 192
    assert.equal(isRtcp(Buffer.from('80df000000000000', 'hex')), true); // 223
  });

  test('RTP packets are not RTCP, marker bit or not', () => {
    const rtp = Buffer.alloc(12);
    rtp[0] = 0x80;
    for (const second of [0x00, 0x08, 0x80, 0x88, 0x65, 0xe5, 0xe0, 0xbf]) {
      rtp[1] = second; // PCMU, PCMA, with marker, telephone-event 101 with and without marker ...
      assert.equal(isRtcp(rtp), false, `second octet ${second}`);
    }
  });

  test('short or non-version-2 data is not RTCP', () => {
    assert.equal(isRtcp(Buffer.from('80c9', 'hex')), false);
    assert.equal(isRtcp(Buffer.from('40c90001', 'hex')), false);
    assert.equal(isRtcp(Buffer.alloc(0)), false);
  });
});
