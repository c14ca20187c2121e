/**
 * RtpSession on loopback: RTCP between two sessions (directly, and through a relay that
 * delays every datagram so the round-trip time has a known size), BYE on close, and
 * datagrams that are neither RTP nor RTCP.
 */
import assert from 'node:assert/strict';
import { after, describe, type TestContext, test } from 'node:test';
import { RtpPortPool } from '../../../../src/media/rtp/port-pool.ts';
import { parseRtcpCompound, type RtcpPacket } from '../../../../src/media/rtp/rtcp.ts';
import { RtpSession } from '../../../../src/media/rtp/rtp-session.ts';
import type { RemoteEndpoint } from '../../../../src/sip/sdp/negotiated-media.ts';
import {
  assertRangeFree,
  bindTestSocket,
  RtpPeer,
  randomRtpRange,
  sleep,
} from '../../../helpers/media-lab.ts';

const range = randomRtpRange(20);
const pool = new RtpPortPool({ ...range, host: '127.0.0.1' });
after(async () => {
  assert.equal(pool.inUse, 0, 'sessions left open');
  await assertRangeFree(range);
});

/** Our test interval: the first report after 25-75 ms, then every 50-150 ms. */
const RTCP_MS = 100;

function remote(port: number, rtcpMux: boolean, rtcpPort = port + 1): RemoteEndpoint {
  return {
    address: '127.0.0.1',
    port,
    rtcpPort: rtcpMux ? port : rtcpPort,
    rtcpAddress: '127.0.0.1',
    rtcpMux,
  };
}

async function session(t: TestContext, rtcpMux: boolean): Promise<RtpSession> {
  const s = new RtpSession({ allocation: await pool.allocate({ rtcpMux }), rtcpIntervalMs: RTCP_MS });
  t.after(() => s.close());
  return s;
}

/** What a media clock would do: one 160-byte PCMU packet and an RTCP poll every 20 ms. */
function drive(t: TestContext, sessions: RtpSession[]): () => void {
  let ts = 0;
  const timer = setInterval(() => {
    ts += 160;
    for (const s of sessions) {
      const packet = Buffer.alloc(12 + 160, 0xff);
      s.send(packet, 0, false, ts);
      s.poll(performance.now());
    }
  }, 20);
  const stop = () => clearInterval(timer);
  t.after(stop);
  return stop;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A UDP relay between a and b that holds every datagram `delayMs` before passing it on. */
async function delayingRelay(
  t: TestContext,
  delayMs: number,
  aPort: number,
  bPort: number,
): Promise<{ towardA: number; towardB: number }> {
  const facingA = await bindTestSocket();
  const facingB = await bindTestSocket();
  facingA.on('message', (msg) => setTimeout(() => facingB.send(msg, bPort, '127.0.0.1'), delayMs));
  facingB.on('message', (msg) => setTimeout(() => facingA.send(msg, aPort, '127.0.0.1'), delayMs));
  t.after(async () => {
    await sleep(delayMs + 10);
    await Promise.all([facingA, facingB].map((s) => new Promise<void>((r) => s.close(() => r()))));
  });
  return { towardA: facingA.address().port, towardB: facingB.address().port };
}

describe('RtpSession', () => {
  test('RTCP over rtcp-mux through a relay delaying 20 ms each way: SR/RR both ways, an RTT of about 40 ms', async (t) => {
    const a = await session(t, true);
    const b = await session(t, true);
    const relay = await delayingRelay(t, 20, a.port, b.port);
    // Each side sends to the relay's socket that faces it, and hears the other from there.
    a.setRemote(remote(relay.towardA, true));
    b.setRemote(remote(relay.towardB, true));
    const rtpAtB: number[] = [];
    b.onRtp = (h) => rtpAtB.push(h.sequence);
    const stop = drive(t, [a, b]);
    await until(
      () => a.stats().rttMs !== undefined && b.stats().rttMs !== undefined,
      3000,
      'an RTT on both sides',
    );
    stop();
    await sleep(60);
    for (const [name, s] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const rtt = s.stats().rttMs as number;
      assert.ok(rtt >= 38 && rtt < 100, `${name}: RTT ${rtt.toFixed(2)} ms`);
      assert.ok(
        s.counters.rtcpSent >= 1 && s.counters.rtcpReceived >= 1,
        `${name}: ${JSON.stringify(s.counters)}`,
      );
      assert.equal(s.counters.invalid, 0);
      assert.equal(s.counters.foreign, 0);
    }
    // RTCP on the RTP port was not taken for RTP: every RTP packet a sent, and nothing else, reached b.
    assert.equal(b.stats().packetsReceived, a.stats().packetsSent);
    assert.equal(rtpAtB.length, a.stats().packetsSent);
    assert.equal(b.stats().packetsLost, 0);
  });

  test('RTCP on separate sockets (RTP port + 1), directly: both sides get an RTT', async (t) => {
    const a = await session(t, false);
    const b = await session(t, false);
    a.setRemote(remote(b.port, false));
    b.setRemote(remote(a.port, false));
    const stop = drive(t, [a, b]);
    await until(
      () => a.stats().rttMs !== undefined && b.stats().rttMs !== undefined,
      3000,
      'an RTT on both sides',
    );
    stop();
    const rtt = a.stats().rttMs as number;
    assert.ok(rtt >= 0 && rtt < 20, `loopback RTT ${rtt} ms`);
    assert.ok(a.counters.rtcpReceived >= 1 && b.counters.rtcpReceived >= 1);
    assert.equal(a.counters.invalid + b.counters.invalid, 0);
  });

  test('close() sends a final report with BYE; a session that never sent or heard anything sends none', async (t) => {
    const peer = await RtpPeer.open();
    t.after(() => peer.close());
    const s = await session(t, true);
    s.setRemote(remote(peer.port, true));
    for (let i = 0; i < 5; i++) s.send(Buffer.alloc(12 + 160, 0xff), 0, false, i * 160);
    await s.close();
    await peer.until(() => peer.rtcp.length === 1, 500, 'the BYE');
    assert.equal(peer.rtp.length, 5);
    const packets = parseRtcpCompound(peer.rtcp[0] as Buffer);
    assert.deepEqual(
      packets.map((p) => p.type),
      ['SR', 'SDES', 'BYE'],
    );
    const [sr, sdes, bye] = packets as [
      Extract<RtcpPacket, { type: 'SR' }>,
      Extract<RtcpPacket, { type: 'SDES' }>,
      Extract<RtcpPacket, { type: 'BYE' }>,
    ];
    assert.equal(sr.ssrc, s.ssrc);
    assert.equal(sr.packetCount, 5);
    assert.equal(sr.octetCount, 800);
    assert.equal(sdes.chunks[0]?.cname, `patchbay-${s.ssrc.toString(16)}`);
    assert.deepEqual(bye.ssrcs, [s.ssrc]);
    // Closed: nothing more goes out, and closing again is harmless.
    s.send(Buffer.alloc(12 + 160), 0, false, 0);
    await s.close();

    const quiet = await session(t, true);
    quiet.setRemote(remote(peer.port, true));
    await quiet.close();
    await sleep(50);
    assert.equal(peer.rtcp.length, 1);
    assert.equal(peer.rtp.length, 5);
  });

  test('invalid datagrams are counted, not thrown; packets from a third address are counted as foreign', async (t) => {
    const peer = await RtpPeer.open();
    const stranger = await RtpPeer.open();
    t.after(() => Promise.all([peer.close(), stranger.close()]));
    const s = await session(t, false);
    s.setRemote(remote(peer.port, true));
    const got: number[] = [];
    s.onRtp = (h) => got.push(h.sequence);
    peer.target = s.port;
    peer.send(0, new Uint8Array(160));
    await peer.until(() => got.length === 1, 500, 'the first packet');
    const junk = [
      Buffer.from([1, 2, 3]), // too short for anything
      Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), // version 1
      Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9, 0]), // padding count 0
      Buffer.from([0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9]), // extension past the end
      Buffer.from([0x80, 200, 0, 40, 0, 0, 0, 1]), // RTCP whose length overruns the datagram
    ];
    for (const j of junk) peer.sendRaw(j);
    peer.sendRaw(Buffer.from('not rtcp'), s.port + 1);
    await sleep(40);
    assert.equal(s.counters.invalid, junk.length + 1);
    assert.equal(got.length, 1);

    // Still working: the peer's next packet is taken, a stranger's is not.
    peer.send(0, new Uint8Array(160));
    stranger.target = s.port;
    stranger.send(0, new Uint8Array(160));
    await sleep(30);
    assert.equal(got.length, 2);
    assert.equal(s.counters.foreign, 1);
    assert.equal(s.stats().packetsReceived, 2);
  });
});
