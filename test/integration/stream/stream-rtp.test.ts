/**
 * `<Stream>` playAudio on the wire (issue 7): SIPp places the call, but the caller's media is
 * the test's own UDP socket on loopback, which keeps every RTP packet Patchbay sends. The
 * agent queues two clips back to back (the second arriving while the first plays, the seam
 * inside a 20 ms frame) with a checkpoint after each. On the wire: one talkspurt — a marker
 * bit on its first packet only, sequence +1 and timestamp +160 on every packet, the µ-law
 * payloads exactly the two clips one after the other; each playedStream comes once the
 * packet with its last sample has gone out. The document's first <Stream> and a REST-started
 * stream name 169.254.169.254: the outbound-address policy refuses both (DroppedStream,
 * StopStream, status failed) and the call goes on.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeUlaw, ULAW_SILENCE } from '../../../src/media/codec/g711.ts';
import { createRtpHeader, readRtpHeader } from '../../../src/media/rtp/packet.ts';
import { writeL16 } from '../../../src/media/stream/stream-format.ts';
import { AUTH_ID, AUTH_TOKEN, doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { restClient } from '../../helpers/rest-client.ts';
import { freePort, runSipp } from '../../helpers/sipp.ts';
import { installLoopbackGuard, type LoopbackGuard } from '../../unit/media/stream/loopback-guard.ts';
import { type AppConnection, WsApp } from '../../unit/media/stream/ws-app.ts';

interface Packet {
  at: number;
  seq: number;
  ts: number;
  marker: boolean;
  pt: number;
  payload: Buffer;
}

function sine(freq: number, n: number, amplitude: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / 8000)),
  );
}

function playAudio(samples: Int16Array): object {
  const b = Buffer.alloc(samples.length * 2);
  writeL16(samples, b, 'le');
  return {
    event: 'playAudio',
    media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: b.toString('base64') },
  };
}

// The seam between the clips is 40 samples into a frame: 2440 = 15 * 160 + 40.
const CLIP_A = sine(700, 2440, 9000);
const CLIP_B = sine(1100, 1700, 7000);
const TOTAL = CLIP_A.length + CLIP_B.length;
const FORBIDDEN = 'ws://169.254.169.254/latest/meta-data';

describe('Stream playAudio as RTP to the caller', { timeout: 60_000 }, () => {
  let lab: Lab;
  let app: WsApp;
  let guard: LoopbackGuard;
  let media: Socket;
  const packets: Packet[] = [];

  before(async () => {
    // Should the policy ever let 169.254.169.254 through, the connection stops here.
    guard = installLoopbackGuard();
    lab = await startLab();
    app = await WsApp.start();
    lab.hooks.route('/rtp-status', () => ({ status: 200 }));
    media = createSocket('udp4');
    const h = createRtpHeader();
    media.on('message', (msg) => {
      if (!readRtpHeader(msg, h)) return;
      packets.push({
        at: performance.now(),
        seq: h.sequence,
        ts: h.timestamp,
        marker: h.marker,
        pt: h.payloadType,
        payload: Buffer.from(msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)),
      });
    });
    await new Promise<void>((r) => media.bind(0, '127.0.0.1', r));
  });
  after(async () => {
    media?.close();
    await app?.close();
    await lab?.close();
    guard.uninstall();
    assert.deepEqual(guard.blocked, [], 'nothing tried to leave loopback');
  });

  const api = restClient(() => lab.pb.http.origin, AUTH_ID, AUTH_TOKEN);

  test('back-to-back clips are one talkspurt on the wire; refused URLs fail their stream, the call goes on', async () => {
    const status = lab.hooks.url('/rtp-status');
    lab.hooks.xml(
      '/answer',
      doc(
        `<Stream bidirectional="true" keepCallAlive="true" statusCallbackUrl="${status}">${FORBIDDEN}</Stream>` +
          `<Stream bidirectional="true" keepCallAlive="true" statusCallbackUrl="${status}">${app.url('/rtp-agent')}</Stream>` +
          '<Hangup/>',
      ),
    );
    let agentError: unknown;
    let agentConn: AppConnection | undefined;
    app.onConnection = (c) => {
      if (c.path !== '/rtp-agent') return;
      agentConn = c;
      void (async () => {
        const streamId = (await c.waitFor('start')).msg.start.streamId;
        await sleep(300); // idle silence first
        c.send(playAudio(CLIP_A));
        c.send({ event: 'checkpoint', streamId, name: 'a' });
        await sleep(100); // the second clip comes while the first plays
        c.send(playAudio(CLIP_B));
        c.send({ event: 'checkpoint', streamId, name: 'b' });
        await c.waitFor('playedStream', 1, 5000);
        await sleep(300);
        c.send({ event: 'stop', streamId });
      })().catch((err: unknown) => {
        agentError = err;
      });
    };
    const rtpPort = (media.address() as AddressInfo).port;
    const caller = runSipp({
      scenario: '../stream/uac-stream-caller.xml',
      remote: lab.sip,
      service: 'stream-rtp',
      port: await freePort(),
      keys: { rtpport: String(rtpPort) },
      extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2))],
      timeoutSec: 30,
    });
    try {
      const answer = await lab.hooks.waitFor('/answer', { timeoutMs: 10_000 });
      const callUuid = answer.params.CallUUID as string;
      // While the agent plays, the REST API starts a stream the policy refuses: 202, then failed.
      await app.connection(0, 10_000);
      const started = await api('POST', `/Call/${callUuid}/Stream/`, {
        service_url: FORBIDDEN,
        status_callback_url: status,
      });
      assert.equal(started.status, 202, JSON.stringify(started.json));
      const restId: string = started.json.stream_id;
      let restState = '';
      for (let i = 0; i < 100 && restState !== 'failed'; i++) {
        restState = (await api('GET', `/Call/${callUuid}/Stream/${restId}/`)).json?.status;
        if (restState !== 'failed') await sleep(20);
      }
      assert.equal(restState, 'failed', 'the REST stream object says failed');

      const run = await caller.done;
      assert.equal(run.code, 0, `SIPp caller: ${run.errors}`);
      assert.equal(agentError, undefined);
      const agent = agentConn as AppConnection;
      const hangup = await lab.hooks.waitFor('/hangup', { where: (r) => r.params.CallUUID === callUuid });
      assert.equal(hangup.params.HangupSource, 'Answer XML', 'the document went on to <Hangup/>');

      // The wire: every packet PCMU, sequence +1, timestamp +160 (the clock never stops).
      const clock = lab.pb.media.stats().clock;
      assert.ok(packets.length > 40, `${packets.length} RTP packets`);
      for (let i = 1; i < packets.length; i++) {
        const p = packets[i] as Packet;
        const q = packets[i - 1] as Packet;
        assert.equal(p.pt, 0);
        assert.equal((p.seq - q.seq) & 0xffff, 1, `sequence at packet ${i}`);
        assert.equal((p.ts - q.ts) >>> 0, 160, `timestamp at packet ${i} (clock ${JSON.stringify(clock)})`);
      }
      const k = packets.findIndex((p) => p.payload.some((b) => b !== ULAW_SILENCE));
      assert.ok(k > 5, 'silence before the clips');
      assert.deepEqual(
        packets.flatMap((p, i) => (p.marker ? [i] : [])),
        [0, k],
        'marker bits: the first packet of the call and the first of the talkspurt, none at the seam',
      );
      // The payloads are the two clips, sample for sample, then silence.
      const frames = Math.ceil(TOTAL / 160);
      const expected = new Uint8Array(frames * 160).fill(ULAW_SILENCE);
      const joined = new Int16Array(TOTAL);
      joined.set(CLIP_A, 0);
      joined.set(CLIP_B, CLIP_A.length);
      encodeUlaw(joined, expected);
      const sent = Buffer.concat(packets.slice(k, k + frames).map((p) => p.payload));
      assert.ok(sent.equals(Buffer.from(expected)), 'clip A then clip B, no gap, no overlap');
      assert.ok(
        packets.slice(k + frames).every((p) => p.payload.every((b) => b === ULAW_SILENCE)),
        'silence after the talkspurt',
      );

      // Checkpoints at playout: after the packet carrying their last sample, not before.
      const played = agent.of('playedStream');
      assert.deepEqual(
        played.map((m) => m.msg.name),
        ['a', 'b'],
      );
      const t0 = (packets[k] as Packet).at;
      const lastA = Math.floor((CLIP_A.length - 1) / 160);
      const lastB = frames - 1;
      const atA = (played[0]?.at ?? 0) - t0;
      const atB = (played[1]?.at ?? 0) - t0;
      assert.ok(
        atA >= lastA * 20 - 3 && atA < lastA * 20 + 80,
        `playedStream a ${atA.toFixed(1)} ms after the first packet`,
      );
      assert.ok(
        atB >= lastB * 20 - 3 && atB < lastB * 20 + 80,
        `playedStream b ${atB.toFixed(1)} ms after the first packet`,
      );

      // Status callbacks: the refused streams failed as a connection does; the agent's ran.
      const callbacks = lab.hooks.requestsTo('/rtp-status').filter((r) => r.params.CallUUID === callUuid);
      const byStream = new Map<string, string[]>();
      for (const r of callbacks) {
        const id = r.params.StreamID as string;
        byStream.set(id, [...(byStream.get(id) ?? []), r.params.Event as string]);
      }
      const agentId = agent.of('start')[0]?.msg.start.streamId;
      assert.deepEqual(byStream.get(agentId), ['StartStream', 'PlayedStream', 'PlayedStream', 'StopStream']);
      assert.deepEqual(byStream.get(restId), ['DroppedStream', 'StopStream']);
      const refused = [...byStream.entries()].filter(([id]) => id !== agentId && id !== restId);
      assert.equal(refused.length, 1, 'the document’s refused <Stream>');
      assert.deepEqual(refused[0]?.[1], ['DroppedStream', 'StopStream']);
      for (const r of callbacks.filter((c) => c.params.Event === 'DroppedStream')) {
        assert.equal(r.params.Error, 'could not connect to the remote service');
      }
    } finally {
      app.onConnection = undefined;
      caller.kill();
    }
    await lab.assertIdle();
  });
});
