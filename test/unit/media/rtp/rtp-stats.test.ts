import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { msToNtp } from '../../../../src/media/rtp/ntp.ts';
import {
  buildCompound,
  buildReceiverReport,
  buildSdes,
  buildSenderReport,
  parseRtcpCompound,
  type ReportBlock,
} from '../../../../src/media/rtp/rtcp.ts';
import {
  type PacketVerdict,
  ReceiverStats,
  SenderStats,
  summarizeLeg,
} from '../../../../src/media/rtp/rtp-stats.ts';

const RATE = 8000;

/** Feeds sequence numbers as 20 ms packets arriving on time; returns the verdicts. */
function feed(stats: ReceiverStats, seqs: number[], octets = 160): PacketVerdict[] {
  return seqs.map((seq) => stats.onPacket(seq, (seq * 160) >>> 0, seq * 20, RATE, octets));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('ReceiverStats sequence accounting (RFC 3550 A.1, A.3)', () => {
  test('an unbroken stream: nothing lost, the first packet counts', () => {
    const s = new ReceiverStats();
    assert.equal(s.active, false);
    assert.deepEqual(new Set(feed(s, range(100, 199))), new Set(['ok']));
    assert.equal(s.active, true);
    assert.equal(s.expected, 100);
    assert.equal(s.received, 100);
    assert.equal(s.cumulativeLost, 0);
    assert.equal(s.highestSeq, 199);
    assert.equal(s.octetsReceived, 100 * 160);
  });

  test('loss: cumulative count and the fraction of each report interval', () => {
    const s = new ReceiverStats();
    feed(s, [0, 1, 2, 4, 5, 6, 8, 9]); // 3 and 7 lost
    assert.equal(s.expected, 10);
    assert.equal(s.received, 8);
    assert.equal(s.cumulativeLost, 2);
    const first = s.reportBlock(0x1234, 200);
    assert.equal(first.ssrc, 0x1234);
    assert.equal(first.fractionLost, Math.floor((2 * 256) / 10)); // 51
    assert.equal(first.cumulativeLost, 2);
    assert.equal(first.highestSeq, 9);
    assert.equal(s.fractionLost, 51);

    feed(s, range(10, 19)); // a clean interval
    const second = s.reportBlock(0x1234, 400);
    assert.equal(second.fractionLost, 0);
    assert.equal(second.cumulativeLost, 2);

    feed(s, [20, 23]); // 2 of 4 lost in this interval
    assert.equal(s.reportBlock(0x1234, 600).fractionLost, 128);
    assert.equal(s.cumulativeLost, 4);
  });

  test('a gap below MAX_DROPOUT is loss, not a restart', () => {
    const s = new ReceiverStats();
    assert.deepEqual(feed(s, [0, 2000]), ['ok', 'ok']);
    assert.equal(s.cumulativeLost, 1999);
  });

  test('reordering: late packets count once and leave no loss', () => {
    const s = new ReceiverStats();
    assert.deepEqual(feed(s, [0, 1, 3, 2, 4, 7, 5, 6]), [
      'ok',
      'ok',
      'ok',
      'reordered',
      'ok',
      'ok',
      'reordered',
      'reordered',
    ]);
    assert.equal(s.expected, 8);
    assert.equal(s.received, 8);
    assert.equal(s.cumulativeLost, 0);
    assert.equal(s.highestSeq, 7);
  });

  test('a packet older than the first one seen widens the base instead of counting as negative loss', () => {
    const s = new ReceiverStats();
    assert.deepEqual(feed(s, [10, 11, 9]), ['ok', 'ok', 'reordered']);
    assert.equal(s.expected, 3);
    assert.equal(s.cumulativeLost, 0);
  });

  test('duplicates are ignored, in order or late', () => {
    const s = new ReceiverStats();
    assert.deepEqual(feed(s, [0, 1, 1, 2, 1, 0, 3]), [
      'ok',
      'ok',
      'duplicate',
      'ok',
      'duplicate',
      'duplicate',
      'ok',
    ]);
    assert.equal(s.received, 4);
    assert.equal(s.duplicates, 3);
    assert.equal(s.cumulativeLost, 0);
    assert.equal(s.packetsReceived, 4);
    assert.equal(s.reportBlock(1, 0).fractionLost, 0);
  });

  test('a late duplicate after the window has slid far ahead is still caught', () => {
    const s = new ReceiverStats();
    feed(s, range(0, 500));
    assert.equal(s.onPacket(450, 0, 0, RATE), 'duplicate'); // 50 behind, seen
    assert.equal(s.onPacket(499, 0, 0, RATE), 'duplicate');
    feed(s, [600]); // 501..599 lost
    assert.equal(s.onPacket(550, 0, 0, RATE), 'reordered'); // never seen: the slide cleared its bit
    assert.equal(s.onPacket(550, 0, 0, RATE), 'duplicate');
    assert.equal(s.cumulativeLost, 98);
  });

  test('16-bit wrap: cycles are counted in the extended sequence number', () => {
    const s = new ReceiverStats();
    feed(s, [...range(65530, 65535), ...range(0, 5)]);
    assert.equal(s.highestSeq, 0x10005);
    assert.equal(s.expected, 12);
    assert.equal(s.cumulativeLost, 0);
    assert.equal(s.reportBlock(1, 0).highestSeq, 0x10005);
  });

  test('reordering across the wrap', () => {
    const s = new ReceiverStats();
    assert.deepEqual(feed(s, [65534, 0, 65535, 1]), ['ok', 'ok', 'reordered', 'ok']);
    assert.equal(s.highestSeq, 0x10001);
    assert.equal(s.cumulativeLost, 0);
    assert.equal(s.onPacket(65535, 0, 0, RATE), 'duplicate');
  });

  test('a lone huge jump is dropped and the stream goes on', () => {
    const s = new ReceiverStats();
    assert.deepEqual(feed(s, [0, 1, 2, 40000, 3, 4]), ['ok', 'ok', 'ok', 'dropped', 'ok', 'ok']);
    assert.equal(s.dropped, 1);
    assert.equal(s.received, 5);
    assert.equal(s.cumulativeLost, 0);
    assert.equal(s.highestSeq, 4);
  });

  test('two sequential packets after a jump restart the sequence space (A.1 update_seq)', () => {
    const s = new ReceiverStats();
    feed(s, [0, 1, 2, 4]); // 3 lost before the restart
    assert.deepEqual(feed(s, [40000, 40001, 40002]), ['dropped', 'restart', 'ok']);
    assert.equal(s.restarts, 1);
    assert.equal(s.expected, 2); // counted from 40001
    assert.equal(s.received, 2);
    assert.equal(s.cumulativeLost, 0);
    assert.equal(s.highestSeq, 40002);
    assert.equal(s.packetsReceived, 6, 'leg totals survive the restart');
    assert.equal(s.packetsLost, 1, 'loss before the restart is kept');
    assert.equal(s.reportBlock(1, 0).fractionLost, 0, 'new interval after the restart');
  });
});

describe('ReceiverStats interarrival jitter (RFC 3550 A.8)', () => {
  test('matches a hand computation of J += (|D| - J) / 16', () => {
    const s = new ReceiverStats();
    // 20 ms packets (160 timestamp units) arriving at 0, 20, 45, 60, 80 ms.
    const arrivals = [0, 20, 45, 60, 80];
    for (const [i, ms] of arrivals.entries()) s.onPacket(i, 1000 + i * 160, 10_000 + ms, RATE);
    // D: 0, +40, -40, 0 units
    let j = 0;
    j += (0 - j) / 16;
    j += (40 - j) / 16; // 2.5
    const peak = j + (40 - j) / 16; // 4.84375
    j = peak + (0 - peak) / 16; // 4.541015625
    assert.equal(j, 4.541015625);
    assert.equal(s.jitter, j);
    assert.equal(s.jitterMs, j / 8);
    assert.equal(s.maxJitterMs, peak / 8);
    assert.equal(s.reportBlock(1, 0).jitter, 4);
  });

  test('perfectly paced packets have zero jitter, across an RTP timestamp wrap', () => {
    const s = new ReceiverStats();
    for (let i = 0; i < 50; i++) s.onPacket(i, (0xffffff00 + i * 160) >>> 0, i * 20, RATE);
    assert.equal(s.jitter, 0);
  });

  test('a constant network delay is not jitter; a wideband clock is scaled', () => {
    const s = new ReceiverStats();
    for (let i = 0; i < 10; i++) s.onPacket(i, i * 320, 5000 + i * 20 + 137, 16000);
    assert.equal(s.jitter, 0);
    s.onPacket(10, 10 * 320, 5000 + 10 * 20 + 137 + 10, 16000); // 10 ms late: D = 160 units at 16 kHz
    assert.equal(s.jitter, 10);
    assert.equal(s.jitterMs, (10 * 1000) / 16000);
  });

  test('a restart does not turn the timestamp jump into jitter', () => {
    const s = new ReceiverStats();
    for (let i = 0; i < 5; i++) s.onPacket(i, i * 160, i * 20, RATE);
    // The source restarts with new sequence numbers and a random new timestamp base.
    assert.equal(s.onPacket(40000, 0x7000_0000, 100, RATE), 'dropped');
    assert.equal(s.onPacket(40001, 0x7000_00a0, 120, RATE), 'restart');
    assert.equal(s.onPacket(40002, 0x7000_0140, 140, RATE), 'ok');
    assert.equal(s.jitter, 0);
    assert.equal(s.maxJitterMs, 0);
  });

  test('duplicates and dropped packets do not move the jitter', () => {
    const s = new ReceiverStats();
    s.onPacket(0, 0, 0, RATE);
    s.onPacket(1, 160, 20, RATE);
    s.onPacket(1, 160, 900, RATE); // duplicate arriving very late
    s.onPacket(30000, 99999, 950, RATE); // dropped jump
    s.onPacket(2, 320, 40, RATE);
    assert.equal(s.jitter, 0);
  });
});

describe('LSR / DLSR and the round-trip time (RFC 3550 6.4.1)', () => {
  test('the report block carries the compact NTP of the last SR and the delay since it', () => {
    const s = new ReceiverStats();
    feed(s, [1, 2]);
    const none = s.reportBlock(7, 1000);
    assert.equal(none.lsr, 0);
    assert.equal(none.dlsr, 0);
    s.onSenderReport(0x12345678, 0x9abcdef0, 1000);
    const b = s.reportBlock(7, 2500);
    assert.equal(b.lsr, 0x56789abc);
    assert.equal(b.dlsr, 1.5 * 65536);
  });

  test('SR at t, the peer holds it 300 ms, its RR arrives at t + 350: RTT 50 ms', () => {
    const t = 1_700_000_000_000;
    const peerClock = 3_600_000; // the peer's clock is an hour off: it only measures its own hold time
    const ourSsrc = 0xa1;
    const peerSsrc = 0xb2;

    const sender = new SenderStats(RATE);
    for (let i = 0; i < 5; i++) sender.onPacketSent(i * 160, 160, t - 100 + i * 20);
    const info = sender.senderInfo(t);
    assert.ok(info);
    const sr = buildCompound([
      buildSenderReport({ ssrc: ourSsrc, ...info, reports: [] }),
      buildSdes(ourSsrc, 'us'),
    ]);

    // The peer: receives our stream and the SR 25 ms later, reports 300 ms after that.
    const peer = new ReceiverStats();
    for (let i = 0; i < 5; i++) peer.onPacket(i, i * 160, peerClock + t - 75 + i * 20, RATE, 160);
    const [got] = parseRtcpCompound(sr);
    assert.ok(got.type === 'SR');
    peer.onSenderReport(got.ntpMsw, got.ntpLsw, peerClock + t + 25);
    const rr = buildCompound([
      buildReceiverReport({ ssrc: peerSsrc, reports: [peer.reportBlock(ourSsrc, peerClock + t + 325)] }),
      buildSdes(peerSsrc, 'peer'),
    ]);

    const [back] = parseRtcpCompound(rr);
    assert.ok(back.type === 'RR');
    const rtt = sender.onReportBlock(back.reports[0], t + 350);
    assert.ok(rtt !== undefined && Math.abs(rtt - 50) <= 1, `rtt ${rtt}`);
    assert.equal(sender.rttMs, rtt);
    assert.equal(sender.remoteCumulativeLost, 0);
  });

  test('no LSR yet means no RTT; last, min, max and average over several reports', () => {
    const sender = new SenderStats();
    const t = 1_700_000_000_000;
    const blockFor = (sentMs: number, holdMs: number): ReportBlock => {
      const ntp = msToNtp(sentMs);
      return {
        ssrc: 1,
        fractionLost: 0,
        cumulativeLost: 0,
        highestSeq: 0,
        jitter: 0,
        lsr: ((ntp.msw & 0xffff) * 65536 + (ntp.lsw >>> 16)) >>> 0,
        dlsr: Math.round((holdMs * 65536) / 1000),
      };
    };
    assert.equal(sender.onReportBlock({ ...blockFor(t, 0), lsr: 0, fractionLost: 12 }, t + 40), undefined);
    assert.equal(sender.remoteFractionLost, 12, 'the loss report is kept even without an RTT');
    assert.equal(sender.avgRttMs, undefined);

    const near = (a: number | undefined, b: number) =>
      assert.ok(a !== undefined && Math.abs(a - b) < 0.1, `${a}`);
    near(sender.onReportBlock(blockFor(t, 200), t + 280), 80);
    near(sender.onReportBlock(blockFor(t + 5000, 100), t + 5120), 20);
    near(sender.onReportBlock(blockFor(t + 10000, 1000), t + 11050), 50);
    near(sender.rttMs, 50);
    near(sender.minRttMs, 20);
    near(sender.maxRttMs, 80);
    near(sender.avgRttMs, 50);
    assert.equal(sender.rttSamples, 3);
  });

  test('rounding just below zero reads as 0; an impossible RTT is ignored', () => {
    const sender = new SenderStats();
    const t = 1_700_000_000_000;
    const ntp = msToNtp(t);
    const lsr = ((ntp.msw & 0xffff) * 65536 + (ntp.lsw >>> 16)) >>> 0;
    const base: ReportBlock = {
      ssrc: 1,
      fractionLost: 0,
      cumulativeLost: 0,
      highestSeq: 0,
      jitter: 0,
      lsr,
      dlsr: 0,
    };
    // The peer claims it held the SR 1 ms longer than we waited.
    assert.equal(sender.onReportBlock({ ...base, dlsr: 66 }, t), 0);
    // ... or 5 s longer: nonsense, not a sample.
    assert.equal(sender.onReportBlock({ ...base, dlsr: 5 * 65536 }, t), undefined);
    // An LSR from an unrelated clock gives an RTT of hours: ignored.
    assert.equal(sender.onReportBlock({ ...base, lsr: (lsr - 3 * 3600 * 65536) >>> 0 }, t), undefined);
    assert.equal(sender.rttSamples, 1);
  });
});

describe('SenderStats', () => {
  test('counts packets and payload octets and extrapolates the RTP timestamp to now', () => {
    const s = new SenderStats(8000);
    assert.equal(s.rtpTimestampAt(1000), undefined);
    assert.equal(s.senderInfo(1000), undefined, 'nothing sent: an RR, not an SR');
    s.onPacketSent(1000, 160, 5000);
    s.onPacketSent(1160, 160, 5020);
    assert.equal(s.packetsSent, 2);
    assert.equal(s.octetsSent, 320);
    assert.equal(s.rtpTimestampAt(5020), 1160);
    assert.equal(s.rtpTimestampAt(5120), 1160 + 800);
    assert.deepEqual(s.senderInfo(5120), {
      ntpMs: 5120,
      rtpTimestamp: 1960,
      packetCount: 2,
      octetCount: 320,
    });
  });

  test('the extrapolated timestamp wraps modulo 2^32', () => {
    const s = new SenderStats(16000);
    s.onPacketSent(0xfffffff0, 320, 0);
    assert.equal(s.rtpTimestampAt(20), (0xfffffff0 + 320) >>> 0);
    assert.equal(s.rtpTimestampAt(20), 0x130);
  });
});

describe('summarizeLeg', () => {
  test('builds the CDR figures of a leg', () => {
    const sender = new SenderStats();
    for (let i = 0; i < 50; i++) sender.onPacketSent(i * 160, 160, i * 20);
    const receiver = new ReceiverStats();
    feed(
      receiver,
      range(0, 99).filter((n) => n % 10 !== 5),
      160,
    ); // 10 of 100 lost
    const noRtt = summarizeLeg(sender, receiver);
    assert.deepEqual(noRtt, {
      packetsSent: 50,
      octetsSent: 8000,
      packetsReceived: 90,
      octetsReceived: 14400,
      packetsLost: 10,
      fractionLost: 0.1,
      jitterMs: 0,
      maxJitterMs: 0,
    });
    assert.equal('rttMs' in noRtt, false);

    const t = 1_700_000_000_000;
    const ntp = msToNtp(t);
    sender.onReportBlock(
      {
        ssrc: 1,
        fractionLost: 0,
        cumulativeLost: 0,
        highestSeq: 0,
        jitter: 0,
        lsr: ((ntp.msw & 0xffff) * 65536 + (ntp.lsw >>> 16)) >>> 0,
        dlsr: 65536 / 10,
      },
      t + 130,
    );
    const withRtt = summarizeLeg(sender, receiver);
    assert.ok(withRtt.rttMs !== undefined && Math.abs(withRtt.rttMs - 30) < 0.1);
  });

  test('an empty leg reports zeros, not NaN', () => {
    const s = summarizeLeg(new SenderStats(), new ReceiverStats());
    assert.equal(s.fractionLost, 0);
    assert.equal(s.packetsLost, 0);
    assert.equal(s.jitterMs, 0);
  });
});
