/**
 * LocalEndpoint and LocalBridge against raw RTP peers: plain UDP sockets on 127.0.0.1 that
 * send packets built by hand and keep what they receive (test/helpers/media-lab.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { parseWav } from '../../../../src/media/audio/wav.ts';
import { PCMA, PCMU } from '../../../../src/media/codec/g711.ts';
import { InbandDtmfDetector } from '../../../../src/media/dtmf/goertzel.ts';
import type { DtmfEvent } from '../../../../src/media/dtmf/types.ts';
import type { LocalEndpoint } from '../../../../src/media/local/local-endpoint.ts';
import type { LocalMediaEngine } from '../../../../src/media/local/local-engine.ts';
import type { EndpointOptions } from '../../../../src/media/media-engine.ts';
import { parseRtcpCompound } from '../../../../src/media/rtp/rtcp.ts';
import { mix, sine, toneAmplitude } from '../../../helpers/audio.ts';
import {
  assertRangeFree,
  mediaTo,
  type ReceivedRtp,
  RtpPeer,
  sleep,
  testEngine,
} from '../../../helpers/media-lab.ts';

interface Leg {
  engine: LocalMediaEngine;
  peer: RtpPeer;
  ep: LocalEndpoint;
  done(): Promise<void>;
}

/** Closes the engine and the peers when the test ends, passed or failed (a failed test must not hang the file). */
function cleanUp(t: TestContext, engine: LocalMediaEngine, peers: RtpPeer[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= engine.close().then(() => Promise.all(peers.map((p) => p.close())).then(() => undefined));
    return closing;
  };
  t.after(close);
  const range = engine.ports;
  return async () => {
    await close();
    assert.equal(engine.stats().portsInUse, 0);
    await assertRangeFree(range);
  };
}

/** An engine, one endpoint and its raw peer, configured to send to each other. */
async function leg(
  t: TestContext,
  opts: EndpointOptions = {},
  media: Parameters<typeof mediaTo>[1] = {},
  extraPeers: RtpPeer[] = [],
): Promise<Leg> {
  const engine = testEngine();
  const peer = await RtpPeer.open();
  const done = cleanUp(t, engine, [peer, ...extraPeers]);
  const ep = await engine.createEndpoint(opts);
  peer.target = ep.port;
  ep.configure(mediaTo(peer.port, media));
  return { engine, peer, ep, done };
}

/** Sequence number difference modulo 2^16. */
const seqStep = (a: ReceivedRtp, b: ReceivedRtp) => (b.seq - a.seq) & 0xffff;
/** Timestamp difference modulo 2^32, signed. */
const tsStep = (a: ReceivedRtp, b: ReceivedRtp) => (b.timestamp - a.timestamp) | 0;
const pairs = <T>(xs: readonly T[]): Array<[T, T]> => xs.slice(1).map((x, i) => [xs[i] as T, x]);

/** Every consecutive pair of packets is one sequence number apart, one SSRC throughout. */
function assertContinuous(packets: readonly ReceivedRtp[], what: string): void {
  assert.ok(packets.length > 1, `${what}: no packets`);
  const ssrcs = new Set(packets.map((p) => p.ssrc));
  assert.equal(ssrcs.size, 1, `${what}: SSRCs ${[...ssrcs].join(', ')}`);
  const steps = pairs(packets).map(([a, b]) => seqStep(a, b));
  assert.ok(
    steps.every((s) => s === 1),
    `${what}: sequence steps ${steps.join(',')}`,
  );
}

function encode(pcm: Int16Array, codec = PCMU): Buffer {
  const out = Buffer.alloc(pcm.length);
  codec.encode(pcm, out);
  return out;
}

function dtmfPair(low: number, high: number, ms: number): Int16Array {
  return mix(sine(low, 8000, ms * 8, 6000), sine(high, 8000, ms * 8, 6000));
}

describe('LocalEndpoint: sending', () => {
  for (const c of [
    { codec: 'PCMU' as const, payloadType: 0, silence: 0xff },
    { codec: 'PCMA' as const, payloadType: 97, silence: 0xd5 },
  ]) {
    test(`idle silence (${c.codec}, PT ${c.payloadType} from configure): one SSRC, sequence +1, timestamp +160 per 20 ms, marker on the first packet only`, async (t) => {
      const { peer, done } = await leg(t, {}, { codec: c.codec, payloadType: c.payloadType });
      await peer.until(() => peer.rtp.length >= 15, 1000, '15 packets');
      const got = peer.rtp.slice(0, 15);
      assertContinuous(got, 'idle silence');
      assert.deepEqual(
        got.map((p) => p.marker),
        [true, ...Array(14).fill(false)],
      );
      assert.ok(got.every((p) => p.payloadType === c.payloadType));
      assert.ok(got.every((p) => p.payload.length === 160 && p.payload.every((b) => b === c.silence)));
      assert.deepEqual(
        pairs(got).map(([a, b]) => tsStep(a, b)),
        Array(14).fill(160),
      );
      // 14 periods of 20 ms between the first and the last.
      const span = (got[14] as ReceivedRtp).at - (got[0] as ReceivedRtp).at;
      assert.ok(span > 200 && span < 420, `15 packets in ${span.toFixed(1)} ms`);
      await done();
    });
  }

  test('without idle silence nothing goes out until a prompt plays; each playback after a pause starts with the marker', async (t) => {
    const { peer, ep, done } = await leg(t, { idleSilence: false });
    await sleep(120);
    assert.equal(peer.rtp.length, 0, 'sent while idle');
    const first = sine(440, 8000, 800);
    const r1 = await ep.play([{ kind: 'pcm', samples: first }]).done;
    assert.equal(r1.reason, 'finished');
    assert.equal(r1.playedMs, 100);
    await sleep(30);
    assert.equal(peer.rtp.length, 5);
    assert.deepEqual(
      peer.rtp.map((p) => p.marker),
      [true, false, false, false, false],
    );
    assert.deepEqual(Buffer.concat(peer.rtp.map((p) => p.payload)), encode(first));
    await sleep(100);
    assert.equal(peer.rtp.length, 5, 'sent during the pause');
    const second = sine(700, 8000, 480);
    await ep.play([{ kind: 'pcm', samples: second }]).done;
    await sleep(30);
    assert.equal(peer.rtp.length, 8);
    const [last, next] = [peer.rtp[4] as ReceivedRtp, peer.rtp[5] as ReceivedRtp];
    assert.equal(next.marker, true);
    assert.equal(seqStep(last, next), 1, 'the sequence goes on across the pause');
    // The timestamp kept counting through the pause (RFC 3550 5.1): about 8 units per ms.
    const expected = (next.at - last.at) * 8;
    assert.ok(
      Math.abs(tsStep(last, next) - expected) <= 240,
      `timestamp step ${tsStep(last, next)} for ${expected}`,
    );
    assertContinuous(peer.rtp, 'two playbacks');
    await done();
  });

  test('recvonly and inactive send nothing, not even a prompt; sendrecv again sends', async (t) => {
    const { peer, ep, done } = await leg(t, {}, { direction: 'recvonly' });
    ep.play([{ kind: 'pcm', samples: sine(440, 8000, 800) }]);
    await sleep(150);
    ep.configure(mediaTo(peer.port, { direction: 'inactive' }));
    await sleep(150);
    assert.equal(peer.rtp.length, 0);
    ep.configure(mediaTo(peer.port));
    await peer.until(() => peer.rtp.length >= 3, 500, 'packets after sendrecv');
    await done();
  });
});

describe('LocalEndpoint: symmetric RTP', () => {
  test('latches onto the address the peer sends from, drops (and counts) other sources, re-latches after a re-configure', async (t) => {
    const [real, stranger, moved] = await Promise.all([RtpPeer.open(), RtpPeer.open(), RtpPeer.open()]);
    const { engine, peer: sdpPeer, ep, done } = await leg(t, {}, {}, [real, stranger, moved]);
    real.target = ep.port;
    stranger.target = ep.port;
    const heard: number[] = [];
    ep.onAudio('in', (pcm) => heard.push(pcm[0] as number));
    // Before any packet from the peer, media goes where the SDP says.
    await sdpPeer.until(() => sdpPeer.rtp.length >= 2, 500, 'packets to the SDP address');
    real.sendFrame(new Int16Array(160).fill(1000));
    await real.until(() => real.rtp.length >= 3, 500, 'packets to the latched address');
    const atSdp = sdpPeer.rtp.length;
    await sleep(100);
    assert.ok(sdpPeer.rtp.length <= atSdp + 1, 'still sending to the SDP address after latching');
    assert.equal(heard.length, 1);

    for (let i = 0; i < 5; i++) stranger.sendFrame(new Int16Array(160).fill(-2000));
    await sleep(60);
    assert.equal(ep.rtpCounters.foreign, 5);
    assert.equal(heard.length, 1, 'audio from a third address was played');
    assert.equal(ep.stats().packetsReceived, 1);
    assert.equal(stranger.rtp.length, 0);
    const atReal = real.rtp.length;
    await sleep(60);
    assert.ok(real.rtp.length > atReal, 'the latched peer no longer gets media');

    // A re-INVITE moved the peer: media goes to the new SDP address, then latches again.
    ep.configure(mediaTo(moved.port));
    await moved.until(() => moved.rtp.length >= 2, 500, 'packets to the new SDP address');
    stranger.sendFrame(new Int16Array(160).fill(-2000));
    await stranger.until(() => stranger.rtp.length >= 2, 500, 'packets to the re-latched address');
    assert.equal(ep.rtpCounters.foreign, 5);
    assert.equal(heard.length, 2);
    assertContinuous(
      [...sdpPeer.rtp, ...real.rtp, ...moved.rtp, ...stranger.rtp].sort((a, b) => a.at - b.at),
      'all',
    );
    assert.equal(engine.stats().endpoints, 1);
    await done();
  });
});

describe('LocalEndpoint: DTMF', () => {
  test("sendDtmf('12') sends RFC 4733 events with the negotiated payload type and resolves after them", async (t) => {
    const { peer, ep, done } = await leg(t, {}, { telephoneEventPt: 96 });
    await peer.until(() => peer.rtp.length >= 2, 500, 'idle silence');
    const started = performance.now();
    await ep.sendDtmf('12');
    const took = performance.now() - started;
    await sleep(30);
    const events = peer.rtp.filter((p) => p.payloadType === 96);
    assert.ok(
      peer.rtp.every((p) => p.payloadType === 96 || p.payloadType === 0),
      'other payload types',
    );
    const byTs = [...new Set(events.map((p) => p.timestamp))];
    assert.equal(byTs.length, 2, 'one timestamp per event');
    for (const [i, ts] of byTs.entries()) {
      const packets = events.filter((p) => p.timestamp === ts);
      assert.deepEqual(
        packets.map((p) => p.payload[0]),
        Array(7).fill(i + 1),
        'event code',
      );
      assert.deepEqual(
        packets.map((p) => p.marker),
        [true, false, false, false, false, false, false],
      );
      // Updates every 20 ms, then the final duration three times with the E bit (2.5.1.4).
      assert.deepEqual(
        packets.map((p) => p.payload.readUInt16BE(2)),
        [160, 320, 480, 640, 800, 800, 800],
      );
      assert.deepEqual(
        packets.map((p) => (p.payload[1] as number) >> 7),
        [0, 0, 0, 0, 1, 1, 1],
      );
    }
    // The second key starts 100 ms of tone plus 60 ms of gap after the first.
    assert.equal(((byTs[1] as number) - (byTs[0] as number)) | 0, 1280);
    assertContinuous(peer.rtp, 'audio and events');
    assert.ok(took >= 260 && took < 800, `resolved after ${took.toFixed(0)} ms`);
    await done();
  });

  test('without telephone-event, sendDtmf plays the keys as in-band tones', async (t) => {
    const { peer, ep, done } = await leg(t);
    await ep.sendDtmf('12');
    await sleep(30);
    assert.ok(
      peer.rtp.every((p) => p.payloadType === 0),
      'an RFC 4733 packet without telephone-event',
    );
    const heard: string[] = [];
    const detector = new InbandDtmfDetector({ onDigit: (e) => heard.push(e.digit) });
    detector.process(peer.audio());
    detector.process(new Int16Array(800));
    assert.deepEqual(heard, ['1', '2']);
    await done();
  });

  test('a received RFC 4733 key is reported once', async (t) => {
    const { peer, ep, done } = await leg(t, {}, { telephoneEventPt: 101 });
    const digits: DtmfEvent[] = [];
    ep.onDtmf((e) => digits.push(e));
    await peer.sendEvent(101, 7, 100);
    await sleep(100);
    assert.equal(digits.length, 1);
    assert.equal(digits[0]?.digit, '7');
    assert.equal(digits[0]?.source, 'rfc4733');
    assert.equal(digits[0]?.durationMs, 100);
    assert.equal(digits[0]?.volume, 10);
    await done();
  });

  test('a received in-band key is reported once', async (t) => {
    const { peer, ep, done } = await leg(t);
    const digits: DtmfEvent[] = [];
    ep.onDtmf((e) => digits.push(e));
    const audio = new Int16Array(8 * 300);
    audio.set(dtmfPair(770, 1209, 100), 8 * 40); // '4'
    await peer.stream(audio);
    await sleep(50);
    assert.deepEqual(
      digits.map((d) => [d.digit, d.source]),
      [['4', 'inband']],
    );
    await done();
  });

  test('after an RFC 4733 event the in-band detector is off: a key sent both ways counts once', async (t) => {
    const { peer, ep, done } = await leg(t, {}, { telephoneEventPt: 101 });
    const digits: DtmfEvent[] = [];
    ep.onDtmf((e) => digits.push(e));
    const tone9 = new Int16Array(8 * 200);
    tone9.set(dtmfPair(852, 1477, 100)); // '9'
    await Promise.all([peer.stream(tone9), peer.sendEvent(101, 9, 100)]);
    await sleep(50);
    // Later tones alone are not taken for keys either: the peer said it speaks RFC 4733.
    const tone3 = new Int16Array(8 * 200);
    tone3.set(dtmfPair(697, 1477, 100)); // '3'
    await peer.stream(tone3);
    await sleep(50);
    assert.deepEqual(
      digits.map((d) => [d.digit, d.source]),
      [['9', 'rfc4733']],
    );
    await done();
  });

  test('in-band detection forced on with inbandDtmf: true stays on after RFC 4733', async (t) => {
    const { peer, ep, done } = await leg(t, { inbandDtmf: true }, { telephoneEventPt: 101 });
    const digits: DtmfEvent[] = [];
    ep.onDtmf((e) => digits.push(e));
    await peer.sendEvent(101, 9, 100);
    const tone3 = new Int16Array(8 * 200);
    tone3.set(dtmfPair(697, 1477, 100));
    await peer.stream(tone3);
    await sleep(50);
    assert.deepEqual(
      digits.map((d) => [d.digit, d.source]),
      [
        ['9', 'rfc4733'],
        ['3', 'inband'],
      ],
    );
    await done();
  });
});

describe('LocalEndpoint: receiving', () => {
  test("onAudio('in') gets the decoded audio of PCMU and PCMA packets", async (t) => {
    const { peer, ep, done } = await leg(t);
    const got: Int16Array[] = [];
    ep.onAudio('in', (pcm) => got.push(pcm.slice()));
    const frames = [sine(300, 8000, 160), sine(1000, 8000, 160, 3000), sine(2500, 8000, 160, 20000)];
    peer.sendFrame(frames[0] as Int16Array, 'PCMU');
    peer.sendFrame(frames[1] as Int16Array, 'PCMA');
    peer.sendFrame(frames[2] as Int16Array, 'PCMU');
    await peer.until(() => got.length === 3, 500, 'three frames');
    const expect = (f: Int16Array, codec = PCMU) => {
      const out = new Int16Array(160);
      codec.decode(encode(f, codec), out);
      return out;
    };
    assert.deepEqual(got, [
      expect(frames[0] as Int16Array),
      expect(frames[1] as Int16Array, PCMA),
      expect(frames[2] as Int16Array),
    ]);
    await done();
  });

  test('stats(): packets sent, received and lost (a gap in the peer sequence)', async (t) => {
    const { peer, ep, done } = await leg(t);
    for (let i = 0; i < 12; i++) {
      if (i === 5 || i === 6) {
        peer.seq = (peer.seq + 1) & 0xffff; // never sent: lost on the way
        peer.ts += 160;
        continue;
      }
      peer.sendFrame(new Int16Array(160));
      await sleep(2);
    }
    await sleep(100);
    const s = ep.stats();
    assert.equal(s.packetsReceived, 10);
    assert.equal(s.octetsReceived, 1600);
    assert.equal(s.packetsLost, 2);
    assert.ok(Math.abs(s.fractionLost - 2 / 12) < 1e-9, `fraction ${s.fractionLost}`);
    await ep.close();
    await sleep(30);
    const after = ep.stats();
    assert.equal(after.packetsSent, peer.rtp.length);
    assert.equal(after.octetsSent, 160 * peer.rtp.length);
    assert.ok(ep.closed);
    // The last RTCP packet of the leg says goodbye (RFC 3550 6.6).
    const bye = parseRtcpCompound(peer.rtcp.at(-1) as Buffer).find((p) => p.type === 'BYE');
    assert.deepEqual(bye?.ssrcs, [peer.rtp[0]?.ssrc]);
    await done();
  });
});

describe('LocalBridge', () => {
  interface Pair {
    engine: LocalMediaEngine;
    a: LocalEndpoint;
    b: LocalEndpoint;
    pa: RtpPeer;
    pb: RtpPeer;
    done(): Promise<void>;
  }

  async function pair(t: TestContext, codecB: 'PCMU' | 'PCMA' = 'PCMU'): Promise<Pair> {
    const engine = testEngine();
    const [pa, pb] = await Promise.all([RtpPeer.open(), RtpPeer.open()]);
    const done = cleanUp(t, engine, [pa, pb]);
    const a = await engine.createEndpoint();
    const b = await engine.createEndpoint();
    pa.target = a.port;
    pb.target = b.port;
    a.configure(mediaTo(pa.port));
    b.configure(mediaTo(pb.port, { codec: codecB }));
    await pa.until(() => pa.rtp.length >= 2, 500, 'idle silence on a');
    await pb.until(() => pb.rtp.length >= 2, 500, 'idle silence on b');
    return {
      engine,
      a,
      b,
      pa,
      pb,
      done: async () => {
        await done();
        assert.equal(engine.stats().bridges, 0);
      },
    };
  }

  /** Index in `got` of each payload of `sent` (-1 when it never arrived), matched in order. */
  function relayed(got: readonly ReceivedRtp[], sent: ReadonlyArray<{ payload: Buffer }>): number[] {
    let from = 0;
    return sent.map((s) => {
      const i = got.findIndex((g, k) => k >= from && g.payload.equals(s.payload));
      if (i >= 0) from = i + 1;
      return i;
    });
  }

  test('relays both ways with our SSRC, sequence and timestamps: one continuous stream on each side', async (t) => {
    const { engine, a, b, pa, pb, done } = await pair(t);
    const bridge = engine.bridge(a, b);
    assert.equal(bridge.relaying, true);
    assert.equal(engine.stats().bridges, 1);
    const idleB = pb.rtp.length;
    await Promise.all([
      pa.stream(sine(500, 8000, 8 * 400), { marker: false }),
      pb.stream(sine(1200, 8000, 8 * 400), { marker: false }),
    ]);
    await sleep(40);
    for (const [from, to, name] of [
      [pa, pb, 'a->b'],
      [pb, pa, 'b->a'],
    ] as const) {
      const idx = relayed(to.rtp, from.sent);
      assert.ok(
        idx.every((i) => i >= 0),
        `${name}: not relayed: ${idx.join(',')}`,
      );
      assertContinuous(to.rtp, name);
      const got = idx.map((i) => to.rtp[i] as ReceivedRtp);
      assert.notEqual(got[0]?.ssrc, from.ssrc);
      // Nothing else (no idle silence) went out between the relayed packets.
      assert.equal((idx.at(-1) as number) - (idx[0] as number), got.length - 1);
      assert.deepEqual(
        pairs(got).map(([x, y]) => tsStep(x, y)),
        Array(got.length - 1).fill(160),
        `${name}: timestamps`,
      );
      assert.deepEqual(
        got.map((p) => p.marker),
        [true, ...Array(got.length - 1).fill(false)],
        `${name}: markers`,
      );
      // The relayed stream picks up our own timeline where the idle silence left it.
      const before = to.rtp[(idx[0] as number) - 1] as ReceivedRtp;
      const step = tsStep(before, got[0] as ReceivedRtp);
      const elapsed = ((got[0] as ReceivedRtp).at - before.at) * 8;
      assert.ok(step >= 160 && step <= elapsed + 400, `${name}: timestamp step ${step} over ${elapsed}`);
    }
    assert.ok(idleB >= 2);
    await done();
  });

  test('transcodes when the legs use different codecs (PCMU <-> PCMA)', async (t) => {
    const { engine, a, b, pa, pb, done } = await pair(t, 'PCMA');
    const bridge = engine.bridge(a, b);
    assert.equal(bridge.relaying, false);
    await Promise.all([
      pa.stream(sine(500, 8000, 8 * 200)),
      pb.stream(sine(1200, 8000, 8 * 200), { codec: 'PCMA' }),
    ]);
    await sleep(40);
    const transcode = (payload: Buffer, from: typeof PCMU, to: typeof PCMU) => {
      const pcm = new Int16Array(payload.length);
      from.decode(payload, pcm);
      return { payload: encode(pcm, to) };
    };
    const atB = relayed(
      pb.rtp,
      pa.sent.map((s) => transcode(s.payload, PCMU, PCMA)),
    );
    const atA = relayed(
      pa.rtp,
      pb.sent.map((s) => transcode(s.payload, PCMA, PCMU)),
    );
    assert.ok(
      atB.every((i) => i >= 0),
      `PCMU -> PCMA: ${atB.join(',')}`,
    );
    assert.ok(
      atA.every((i) => i >= 0),
      `PCMA -> PCMU: ${atA.join(',')}`,
    );
    assert.ok(pb.rtp.every((p) => p.payloadType === 8));
    assert.ok(pa.rtp.every((p) => p.payloadType === 0));
    assertContinuous(pb.rtp, 'b');
    await done();
  });

  test('a bridged leg waits on the idle phase of the clock; a prompt or DTMF brings it back for their time', async (t) => {
    const { engine, a, b, pa, pb, done } = await pair(t);
    const phases = () => {
      const c = engine.stats().clock;
      return { senders: c.senders, idle: c.idle };
    };
    assert.deepEqual(phases(), { senders: 2, idle: 0 }, 'idle silence goes out every period');
    const bridge = engine.bridge(a, b);
    assert.deepEqual(phases(), { senders: 0, idle: 2 });
    const reportsBefore = pa.rtcp.length;
    const prompt = b.play([{ kind: 'pcm', samples: sine(700, 8000, 8 * 100, 9000) }]);
    assert.deepEqual(phases(), { senders: 1, idle: 1 }, 'b sends its prompt on the clock');
    const before = pb.rtp.length;
    assert.equal((await prompt.done).reason, 'finished');
    await sleep(60);
    assert.ok(pb.rtp.length - before >= 5, 'the prompt went out');
    assert.deepEqual(phases(), { senders: 0, idle: 2 }, 'idle again once the prompt is over');
    const digits = a.sendDtmf('1', { durationMs: 60 });
    assert.deepEqual(phases(), { senders: 1, idle: 1 });
    await digits;
    await sleep(60);
    assert.deepEqual(phases(), { senders: 0, idle: 2 });
    // RTCP still goes out from the idle phase (first report within the first interval).
    await pa.until(() => pa.rtcp.length > reportsBefore, 6000, 'an RTCP report from a while idle');
    bridge.destroy();
    assert.deepEqual(phases(), { senders: 2, idle: 0 }, 'back to idle silence');
    await done();
  });

  test('a prompt played into one leg pauses the relay into it; the relay resumes after it, with the marker', async (t) => {
    const { engine, a, b, pa, pb, done } = await pair(t);
    engine.bridge(a, b);
    const streaming = pa.stream(sine(500, 8000, 8 * 900), { marker: false });
    await sleep(200);
    const prompt = sine(2000, 8000, 8 * 200, 12000);
    const played = await b.play([{ kind: 'pcm', samples: prompt }]).done;
    assert.equal(played.reason, 'finished');
    await streaming;
    await sleep(40);
    const promptPayloads = [];
    for (let i = 0; i < 10; i++)
      promptPayloads.push({ payload: encode(prompt.subarray(i * 160, i * 160 + 160)) });
    const p = relayed(pb.rtp, promptPayloads);
    assert.ok(
      p.every((i) => i >= 0),
      `prompt at ${p.join(',')}`,
    );
    const [p0, p9] = [p[0] as number, p[9] as number];
    assert.equal(p9 - p0, 9, 'the prompt went out without relayed packets in between');
    assert.equal((pb.rtp[p0] as ReceivedRtp).marker, true);
    const fromA = relayed(pb.rtp, pa.sent);
    const before = fromA.filter((i) => i >= 0 && i < p0);
    const after = fromA.filter((i) => i > p9);
    assert.ok(before.length >= 7, `${before.length} relayed before the prompt`);
    assert.ok(after.length >= 20, `${after.length} relayed after the prompt`);
    // Relayed packets that arrived during the prompt were dropped, not queued.
    assert.ok(fromA.filter((i) => i < 0).length >= 5);
    assert.equal(after[0], p9 + 1, 'the relay resumed right after the prompt');
    assert.equal((pb.rtp[p9 + 1] as ReceivedRtp).marker, true, 'marker on resume');
    assert.ok(
      after.slice(1).every((i) => !(pb.rtp[i] as ReceivedRtp).marker),
      'marker after the resume',
    );
    assertContinuous(pb.rtp, 'b');
    const steps = pairs(pb.rtp).map(([x, y]) => tsStep(x, y));
    assert.ok(
      steps.every((s) => s > 0),
      `timestamps went back: ${steps.join(',')}`,
    );
    await done();
  });

  test('a stereo recorder on both legs records both directions without disturbing the relay', async (t) => {
    const { engine, a, b, pa, pb, done } = await pair(t);
    engine.bridge(a, b);
    const file = join(tmpdir(), `patchbay-bridge-${process.pid}-${Date.now()}.wav`);
    try {
      const rec = await engine.record({ file, inputs: [engine.input(a, 'in'), engine.input(b, 'in')] });
      await Promise.all([pa.stream(sine(500, 8000, 8 * 600)), pb.stream(sine(1200, 8000, 8 * 600))]);
      await sleep(60);
      const result = await rec.stop();
      assert.equal(result.reason, 'stopped');
      assert.ok(
        relayed(pb.rtp, pa.sent).every((i) => i >= 0),
        'a -> b lost packets',
      );
      assert.ok(
        relayed(pa.rtp, pb.sent).every((i) => i >= 0),
        'b -> a lost packets',
      );
      assertContinuous(pa.rtp, 'a');
      assertContinuous(pb.rtp, 'b');
      const wav = parseWav(readFileSync(file));
      assert.equal(wav.channels, 2);
      const left = wav.samples.filter((_, i) => i % 2 === 0);
      const right = wav.samples.filter((_, i) => i % 2 === 1);
      assert.ok(toneAmplitude(left, 8000, 500) > 3000, 'left: the caller');
      assert.ok(toneAmplitude(left, 8000, 1200) < 100);
      assert.ok(toneAmplitude(right, 8000, 1200) > 3000, 'right: the callee');
      assert.ok(toneAmplitude(right, 8000, 500) < 100);
    } finally {
      rmSync(file, { force: true });
    }
    await done();
  });

  test('destroy() stops relaying and both legs go back to their own idle silence; closing a leg ends its bridge', async (t) => {
    const { engine, a, b, pa, pb, done } = await pair(t);
    const bridge = engine.bridge(a, b);
    await pa.stream(sine(500, 8000, 8 * 100));
    await sleep(30);
    assert.ok(relayed(pb.rtp, pa.sent).every((i) => i >= 0));
    bridge.destroy();
    assert.equal(engine.stats().bridges, 0);
    const mark = pa.sent.length;
    const atB = pb.rtp.length;
    await pa.stream(sine(700, 8000, 8 * 100));
    await sleep(30);
    assert.ok(
      relayed(pb.rtp, pa.sent.slice(mark)).every((i) => i < 0),
      'relayed after destroy()',
    );
    const later = pb.rtp.slice(atB);
    assert.ok(later.length >= 4, 'no idle silence after destroy()');
    assert.ok(later.every((p) => p.payload.every((x) => x === 0xff)));
    assert.equal(later[0]?.marker, true, 'marker when our own stream resumes');
    assertContinuous(pb.rtp, 'b');
    assert.equal(a.closed || b.closed, false);

    engine.bridge(a, b);
    assert.equal(engine.stats().bridges, 1);
    await a.close();
    assert.equal(engine.stats().bridges, 0);
    await done();
  });
});
