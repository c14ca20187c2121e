import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ClearedAudioMessageSchema,
  DtmfMessageSchema,
  MediaMessageSchema,
  PlayedStreamMessageSchema,
  StartMessageSchema,
} from '../../../../schemas/stream/index.ts';
import type { StreamInfo, StreamRequest } from '../../../../src/callflow/call-control.ts';
import type { StreamConfig, StreamInfoRecord } from '../../../../src/media/stream/stream-config.ts';
import { readL16, writeL16 } from '../../../../src/media/stream/stream-format.ts';
import { StreamSession, type StreamSessionDeps } from '../../../../src/media/stream/stream-session.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { PlayerEndpoint, settle } from './player-endpoint.ts';
import { WsApp } from './ws-app.ts';

// The REST layer's types and ours are the same shape (checked at compile time).
const _req: (r: StreamRequest) => StreamConfig = (r) => r;
const _info: (i: StreamInfoRecord) => StreamInfo = (i) => i;
void _req;
void _info;

interface Callback {
  url: string;
  method: string;
  params: Record<string, string>;
}

function config(url: string, over: Partial<StreamConfig> = {}): StreamConfig {
  return {
    serviceUrl: url,
    audioTrack: 'inbound',
    bidirectional: true,
    contentType: 'audio/x-l16;rate=8000',
    streamTimeout: 86400,
    statusCallbackUrl: 'http://app.test/status',
    statusCallbackMethod: 'POST',
    extraHeaders: {},
    ...over,
  };
}

function le(samples: Int16Array): string {
  const b = Buffer.alloc(samples.length * 2);
  writeL16(samples, b, 'le');
  return b.toString('base64');
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('StreamSession against a WebSocket server', () => {
  let app: WsApp;
  before(async () => {
    app = await WsApp.start();
  });
  after(async () => {
    await app.close();
  });

  function session(cfg: StreamConfig, over: Partial<StreamSessionDeps> = {}) {
    const ep = new PlayerEndpoint();
    const clock = new FakeClock();
    const callbacks: Callback[] = [];
    const s = new StreamSession(cfg, {
      callUuid: 'call-1',
      accountId: 'MA0001',
      endpoint: ep,
      clock,
      wallClock: () => 1_700_000_000_000,
      notify: async (url, method, params) => {
        callbacks.push({ url, method, params });
      },
      ...over,
    });
    return { s, ep, clock, callbacks };
  }

  test('start: ids under start, tracks, media format, extra headers (in the upgrade and the message)', async () => {
    const n = app.connections.length;
    const { s, callbacks } = session(
      config(app.url('/agent#ct=2000'), {
        extraHeaders: { tenant: 'acme', lang: 'en' },
        contentType: 'audio/x-l16;rate=16000',
      }),
      { streamId: 'stream-1' },
    );
    s.start();
    const c = await app.connection(n);
    assert.equal(c.path, '/agent', 'the #fragment is not sent');
    assert.equal(c.headers.tenant, 'acme');
    assert.equal(c.headers.lang, 'en');
    const start = (await c.waitFor('start')).msg;
    assert.deepEqual(StartMessageSchema.parse(start), start);
    assert.deepEqual(start, {
      event: 'start',
      sequenceNumber: 0,
      start: {
        callId: 'call-1',
        streamId: 'stream-1',
        accountId: 'MA0001',
        tracks: ['inbound'],
        mediaFormat: { encoding: 'audio/x-l16', sampleRate: 16000 },
      },
      extra_headers: '{"tenant":"acme","lang":"en"}',
    });
    await until(() => s.state === 'streaming');
    assert.equal(callbacks[0]?.params.Event, 'StartStream');
    assert.equal(callbacks[0]?.params.ServiceURL, app.url('/agent#ct=2000'));
    assert.equal(callbacks[0]?.params.StreamID, 'stream-1');
    assert.equal(callbacks[0]?.params.Timestamp, '2023-11-14 22:13:20');
    assert.equal(callbacks[0]?.params.Error, '');
    assert.equal(s.info().status, 'in-progress');
    assert.equal(s.info().sampling_rate, 16000);
    s.stop();
    assert.equal((await c.closed).code, 1000);
    const end = await s.done;
    assert.deepEqual(end, { reason: 'api', status: 'completed', streamId: 'stream-1' });
    await s.settled();
    assert.equal(callbacks.at(-1)?.params.Event, 'StopStream');
    assert.equal(s.info().status, 'completed');
    assert.notEqual(s.info().end_time, null);
  });

  test('media: 20 ms frames per track, big-endian L16, chunk counters, sequence numbers, dtmf', async () => {
    const n = app.connections.length;
    const { s, ep } = session(config(app.url(), { audioTrack: 'both', bidirectional: false }));
    s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    await until(() => s.state === 'streaming');
    // The caller's packets in 10 ms pieces, our own audio in 30 ms ones: frames are 20 ms anyway.
    const caller = Int16Array.from({ length: 800 }, (_, i) => (i * 37) % 3000);
    for (let i = 0; i < 800; i += 80) ep.hear(caller.subarray(i, i + 80));
    const ours = Int16Array.from({ length: 480 }, (_, i) => 0x1234 + i);
    for (let i = 0; i < 480; i += 240) ep.speak(ours.subarray(i, i + 240));
    ep.press('5');
    await c.waitFor('dtmf');
    const media = c.of('media').map((m) => m.msg);
    for (const m of media) assert.deepEqual(MediaMessageSchema.parse(m), m);
    const inbound = media.filter((m) => m.media.track === 'inbound');
    const outbound = media.filter((m) => m.media.track === 'outbound');
    assert.equal(inbound.length, 5);
    assert.equal(outbound.length, 3);
    assert.deepEqual(
      inbound.map((m) => m.media.chunk),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      outbound.map((m) => m.media.chunk),
      [1, 2, 3],
    );
    const bytes = Buffer.from(outbound[0].media.payload, 'base64');
    assert.equal(bytes.length, 320);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x12, 0x34, 0x12, 0x35], 'network byte order');
    const heard = inbound.flatMap((m) => [...readL16(Buffer.from(m.media.payload, 'base64'), 'be')]);
    assert.deepEqual(heard, [...caller]);
    assert.equal(inbound[0].media.timestamp, '1700000000000');
    const seqs = c.messages.map((m) => m.msg.sequenceNumber);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i),
      'sequenceNumber counts every message from start = 0',
    );
    const dtmf = c.of('dtmf')[0]?.msg;
    assert.deepEqual(DtmfMessageSchema.parse(dtmf), dtmf);
    assert.equal(dtmf.dtmf.digit, '5');
    assert.equal(dtmf.streamId, s.id);
    s.stop();
    await s.done;
    assert.equal(ep.listeners, 0, 'taps removed');
  });

  test('playAudio plays in order; checkpoint answered after the audio was sent; clearAudio cuts at once', async () => {
    const n = app.connections.length;
    const { s, ep, callbacks } = session(config(app.url()));
    s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    await until(() => s.state === 'streaming');
    const clip = Int16Array.from({ length: 1600 }, (_, i) => 100 + (i % 50));
    // Bare contentType, sampleRate as a string, no streamId: the variants the spec records.
    c.send({
      event: 'playAudio',
      media: { contentType: 'audio/x-l16', sampleRate: '8000', payload: le(clip.subarray(0, 800)) },
    });
    c.send({
      event: 'playAudio',
      media: { contentType: 'audio/x-l16;rate=8000', sampleRate: 8000, payload: le(clip.subarray(800)) },
    });
    c.send({ event: 'checkpoint', streamId: s.id, name: 'greeting' });
    await until(() => s.stats().checkpoints === 1);
    for (let i = 0; i < 9; i++) {
      await settle();
      ep.tick();
    }
    await sleep(30);
    assert.equal(c.of('playedStream').length, 0, 'not before the audio played out');
    // The 10th frame holds the last samples; the player sees the clip's end on the next read.
    await settle();
    ep.tick();
    await settle();
    ep.tick();
    await settle();
    await settle();
    const played = (await c.waitFor('playedStream')).msg;
    assert.deepEqual(PlayedStreamMessageSchema.parse(played), played);
    assert.equal(played.name, 'greeting');
    assert.deepEqual(ep.sent.slice(0, 1600), [...clip]);
    // Barge-in: a long clip, cut after two frames.
    c.send({
      event: 'playAudio',
      media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: le(new Int16Array(8000).fill(2000)) },
    });
    c.send({ event: 'checkpoint', streamId: s.id, name: 'never' });
    await until(() => s.stats().checkpoints === 2);
    await settle();
    ep.tick();
    ep.tick();
    c.send({ event: 'clearAudio', streamId: s.id });
    const cleared = (await c.waitFor('clearedAudio')).msg;
    assert.deepEqual(ClearedAudioMessageSchema.parse(cleared), cleared);
    const at = ep.sent.length;
    ep.tick();
    assert.ok(
      ep.sent.slice(at).every((v) => v === 0),
      'the next frame after clearAudio is silence',
    );
    await sleep(20);
    assert.equal(c.of('playedStream').length, 1, 'the cleared checkpoint is never answered');
    s.stop();
    await s.settled();
    const events = callbacks.map((cb) => cb.params.Event);
    assert.deepEqual(events, ['StartStream', 'PlayedStream', 'ClearedAudio', 'StopStream']);
    assert.equal(callbacks[1]?.params.Name, 'greeting');
  });

  test('16 kHz playAudio is resampled to the call rate; stop from the application ends the stream', async () => {
    const n = app.connections.length;
    const { s, ep } = session(config(app.url(), { contentType: 'audio/x-l16;rate=16000' }));
    s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    await until(() => s.state === 'streaming');
    const tone = Int16Array.from({ length: 3200 }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 16000)),
    );
    c.send({
      event: 'playAudio',
      media: { contentType: 'audio/x-l16', sampleRate: 16000, payload: le(tone) },
    });
    c.send({ event: 'checkpoint', streamId: s.id, name: 'end' });
    await until(() => s.stats().checkpoints === 1);
    for (let i = 0; i < 12; i++) {
      await settle();
      ep.tick();
    }
    await c.waitFor('playedStream');
    const loud = ep.sent.flatMap((v, i) => (Math.abs(v) > 1000 ? [i] : []));
    const span = (loud.at(-1) ?? 0) - (loud[0] ?? 0);
    assert.ok(Math.abs(span - 1600) <= 16, `200 ms of tone at 8 kHz: ${span} samples`);
    c.send({ event: 'stop', streamId: s.id });
    const end = await s.done;
    assert.equal(end.reason, 'stop');
    assert.equal((await c.closed).code, 1000);
  });

  test('garbage is counted and ignored; the stream goes on', async () => {
    const n = app.connections.length;
    const { s, callbacks } = session(config(app.url()));
    s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    await until(() => s.state === 'streaming');
    c.send('{not json');
    c.send('{not json either');
    c.send({ event: 'sendDTMF', dtmf: '1' });
    c.send({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: 'a$$b' } });
    c.send({ event: 'playAudio', media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: 'AAAA' } });
    c.send({ event: 'checkpoint' });
    c.send('[1,2]');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    c.send(`{"event":"playAudio","junk":"${'x'.repeat(900_000)}"}`);
    c.send({ event: 'checkpoint', streamId: s.id, name: 'alive' });
    await c.waitFor('playedStream');
    const g = s.stats().garbage;
    assert.equal(g['not-json'], 2);
    assert.equal(g['unknown-event'], 1);
    assert.equal(g['bad-base64'], 1);
    assert.equal(g['bad-audio'], 1, 'odd-length L16');
    assert.equal(g['bad-message'], 3);
    assert.equal(g.binary, 1);
    assert.equal(s.state, 'streaming');
    s.stop();
    await s.settled();
    const errors = callbacks.filter((cb) => cb.params.Event === 'MediaError');
    assert.equal(errors.length, 6, 'one MediaError per kind of garbage (6 kinds sent)');
    assert.ok(errors.every((e) => e.params.Error !== ''));
  });

  test('a frame over the size limit closes the connection (1009); maxRetries reconnects with a fresh start', async () => {
    const n = app.connections.length;
    const { s, clock, callbacks } = session(config(app.url(), { maxRetries: 1 }), {
      limits: { maxPayloadBytes: 64 * 1024 },
    });
    s.start();
    const c1 = await app.connection(n);
    const first = (await c1.waitFor('start')).msg.start.streamId;
    await until(() => s.state === 'streaming');
    c1.send(`{"event":"checkpoint","name":"${'x'.repeat(70 * 1024)}"}`);
    assert.equal((await c1.closed).code, 1009);
    await until(() => s.state === 'retrying');
    assert.equal(s.stats().garbage.oversized, 1);
    clock.advance(500);
    const c2 = await app.connection(n + 1);
    const second = (await c2.waitFor('start')).msg.start.streamId;
    assert.notEqual(second, first, 'a reconnection has a new streamId');
    assert.equal(s.id, first, 'the REST id stays');
    assert.equal(s.streamId, second);
    c2.ws.terminate();
    const end = await s.done;
    assert.deepEqual(end, { reason: 'dropped', status: 'failed', streamId: second });
    await s.settled();
    const events = callbacks.map((cb) => `${cb.params.Event}:${cb.params.StreamID === first ? 1 : 2}`);
    assert.deepEqual(events, [
      'StartStream:1',
      'MediaError:1',
      'DroppedStream:1',
      'StartStream:2',
      'DroppedStream:2',
      'StopStream:2',
    ]);
    assert.equal(callbacks[2]?.params.Error, 'connection disconnected with the remote service');
  });

  test('a refused connection is retried maxRetries times, then the stream fails', async () => {
    const { s, clock, callbacks } = session(config(app.url(), { maxRetries: 2 }));
    app.refuseWith = 503;
    const attempts = app.attempts;
    try {
      s.start();
      await until(() => app.attempts === attempts + 1 && s.state === 'retrying');
      clock.advance(500);
      await until(() => app.attempts === attempts + 2 && s.state === 'retrying');
      clock.advance(999);
      await sleep(30);
      assert.equal(app.attempts, attempts + 2, 'the second retry waits twice as long');
      clock.advance(1);
      const end = await s.done;
      assert.equal(app.attempts, attempts + 3);
      assert.equal(end.reason, 'failed');
      assert.equal(s.info().status, 'failed');
    } finally {
      app.refuseWith = undefined;
    }
    await s.settled();
    const events = callbacks.map((cb) => cb.params.Event);
    assert.deepEqual(events, ['DroppedStream', 'DroppedStream', 'DroppedStream', 'StopStream']);
    assert.equal(callbacks[0]?.params.Error, 'could not connect to the remote service');
  });

  test('streamTimeout ends the stream; so does the call ending (signal or endpoint closed)', async () => {
    const n = app.connections.length;
    const a = session(config(app.url(), { streamTimeout: 30 }));
    a.s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    a.clock.advance(29_999);
    assert.equal(a.s.state, 'streaming');
    a.clock.advance(1);
    assert.equal((await a.s.done).reason, 'timeout');
    assert.equal((await c.closed).code, 1000);

    const ctl = new AbortController();
    const b = session(config(app.url()), { signal: ctl.signal });
    b.s.start();
    await app.connection(n + 1);
    ctl.abort();
    assert.equal((await b.s.done).reason, 'call-ended');

    const d = session(config(app.url()));
    d.s.start();
    await app.connection(n + 2);
    await d.ep.close();
    assert.equal((await d.s.done).reason, 'call-ended');
  });

  test('the application closing the socket cleanly ends the stream without retry', async () => {
    const n = app.connections.length;
    const { s } = session(config(app.url(), { maxRetries: 3 }));
    s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    c.ws.close(1000, 'bye');
    const end = await s.done;
    assert.equal(end.reason, 'closed');
    assert.equal(app.connections.length, n + 1);
  });

  test('a one-way stream ignores playAudio (counted) but honours stop', async () => {
    const n = app.connections.length;
    const { s, ep } = session(config(app.url(), { bidirectional: false }));
    s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    c.send({
      event: 'playAudio',
      media: { contentType: 'audio/x-l16', sampleRate: 8000, payload: le(new Int16Array(160)) },
    });
    c.send({ event: 'stop' });
    assert.equal((await s.done).reason, 'stop');
    assert.equal(ep.plays, 0);
    assert.equal(s.stats().garbage['not-bidirectional'], 1);
  });

  test('the µ-law format sends 160-byte frames; gaps in the audio are filled with silence', async () => {
    const n = app.connections.length;
    const { s, ep, clock } = session(
      config(app.url(), { contentType: 'audio/x-mulaw;rate=8000', bidirectional: false }),
    );
    s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    await until(() => s.state === 'streaming');
    ep.hear(new Int16Array(320).fill(1000));
    clock.advance(60);
    await sleep(20);
    assert.equal(c.of('media').length, 2, 'up to three frames late is not a gap yet');
    clock.advance(140);
    await until(() => c.of('media').length >= 9);
    assert.equal(c.of('media').length, 9, 'filled to one frame behind real time (200 ms)');
    clock.advance(20);
    await until(() => c.of('media').length >= 10);
    assert.equal(c.of('media').length, 10, 'in a gap, one silence frame per period');
    for (const m of c.of('media')) assert.equal(Buffer.from(m.msg.media.payload, 'base64').length, 160);
    assert.equal(Buffer.from(c.of('media')[8]?.msg.media.payload, 'base64')[0], 0xff, 'µ-law silence');
    assert.equal(s.stats().mediaFilled, 8);
    s.stop();
    await s.done;
  });

  test('a slow reader: media frames are dropped and counted once the send buffer passes the bound', async () => {
    const n = app.connections.length;
    const { s, ep, callbacks } = session(
      config(app.url(), { contentType: 'audio/x-l16;rate=24000', bidirectional: false }),
      {
        limits: { maxBufferedBytes: 64 * 1024 },
      },
    );
    s.start();
    const c = await app.connection(n);
    await c.waitFor('start');
    await until(() => s.state === 'streaming');
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const frame = new Int16Array(160).fill(500);
    // 200 s of audio as fast as it comes: 14 MB, far more than the kernel buffers hold.
    for (let i = 0; i < 10000; i++) {
      ep.hear(frame);
      if (i % 100 === 0) await sleep(1);
    }
    const st = s.stats();
    assert.ok(st.mediaDropped > 0, 'frames dropped');
    assert.equal(st.mediaSent + st.mediaDropped, 10000);
    assert.ok(st.maxBufferedBytes <= 64 * 1024 + 2000, `send buffer bounded: ${st.maxBufferedBytes}`);
    socket.resume();
    await until(() => c.of('media').length === st.mediaSent, 5000);
    ep.hear(frame);
    await until(() => c.of('media').length === st.mediaSent + 1, 5000);
    const chunks = c.of('media').map((m) => m.msg.media.chunk as number);
    const holes = chunks.reduce((h, chunk, i) => h + (chunk - (chunks[i - 1] ?? 0) - 1), 0);
    assert.equal(holes, st.mediaDropped, 'the chunk numbers show the application each dropped frame');
    s.stop();
    await s.settled();
    const degraded = callbacks.filter((cb) => cb.params.Event === 'DegradedStream');
    assert.equal(degraded.length, 1);
    assert.equal(degraded[0]?.params.Error, 'connection degraded');
  });
});
