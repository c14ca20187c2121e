/**
 * The Record verb against the real LocalMediaEngine: the caller is a raw RTP peer on
 * loopback that streams a tone to the endpoint and presses keys as RFC 4733 events; the
 * files are read back and measured.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import type { RecordVerb } from '../../../../schemas/xml/index.ts';
import { recordOnDialAnswer } from '../../../../src/callflow/record-session.ts';
import type { VerbOutcome, WebhookParams } from '../../../../src/callflow/verb.ts';
import { recordVerb } from '../../../../src/callflow/verbs/record.ts';
import { LocalRecordingFiles } from '../../../../src/calls/recording-files.ts';
import { parseWav } from '../../../../src/media/audio/wav.ts';
import type { LocalEndpoint } from '../../../../src/media/local/local-endpoint.ts';
import type { LocalMediaEngine } from '../../../../src/media/local/local-engine.ts';
import { sine, toneAmplitude } from '../../../helpers/audio.ts';
import {
  type FakeVerbContext,
  fakeVerbContext,
  STANDARD_PARAMS,
} from '../../../helpers/fake-verb-context.ts';
import { assertRangeFree, mediaTo, RtpPeer, sleep, testEngine } from '../../../helpers/media-lab.ts';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-record-verb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TE = 101;
const ACTION = 'https://app.test/recorded';
const CALLBACK = 'https://app.test/record-events';

function record(over: Partial<RecordVerb> = {}): RecordVerb {
  return {
    verb: 'Record',
    action: ACTION,
    method: 'POST',
    fileFormat: 'wav',
    redirect: false,
    timeout: 60,
    maxLength: 60,
    playBeep: false,
    finishOnKey: '1234567890*#',
    recordSession: false,
    startOnDialAnswer: false,
    transcriptionType: 'auto',
    transcriptionMethod: 'POST',
    callbackMethod: 'POST',
    path: 'Response/Record[1]',
    line: 2,
    col: 3,
    ...over,
  };
}

interface Caller {
  engine: LocalMediaEngine;
  peer: RtpPeer;
  ep: LocalEndpoint;
  ctx: FakeVerbContext;
  /** Streams a 440 Hz tone to the endpoint for `ms` (stopped when the test ends). */
  talk(ms: number): Promise<void>;
  done(): Promise<void>;
}

/** An engine, the caller's endpoint and its raw peer sending to each other, and a context on them. */
async function caller(t: TestContext, ctxOpts: Parameters<typeof fakeVerbContext>[0] = {}): Promise<Caller> {
  const engine = testEngine();
  const range = engine.ports;
  const peer = await RtpPeer.open();
  const stop = new AbortController();
  const talking: Array<Promise<void>> = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    stop.abort();
    // A stream sends its next frame before it looks at the signal again: let it finish first.
    closing ??= Promise.all(talking)
      .then(() => engine.close())
      .then(() => peer.close());
    return closing;
  };
  t.after(close);
  const ep = await engine.createEndpoint();
  peer.target = ep.port;
  ep.configure(mediaTo(peer.port, { telephoneEventPt: TE }));
  const ctx = fakeVerbContext({ endpoint: ep, engine, recordingsDir: dir, ...ctxOpts });
  return {
    engine,
    peer,
    ep,
    ctx,
    talk(ms) {
      const streaming = peer.stream(sine(440, 8000, ms * 8, 8000), { signal: stop.signal });
      talking.push(streaming);
      return streaming;
    },
    async done() {
      await close();
      assert.equal(engine.stats().recordings, 0);
      await assertRangeFree(range);
    },
  };
}

/** The mono 8 kHz samples of a recording file. */
function samplesOf(file: string): Int16Array {
  const wav = parseWav(readFileSync(file));
  assert.equal(wav.sampleRate, 8000);
  assert.equal(wav.channels, 1);
  return wav.samples;
}

/** The two channels of a stereo 8 kHz recording file: [left, right]. */
function stereoOf(file: string): [Int16Array, Int16Array] {
  const wav = parseWav(readFileSync(file));
  assert.equal(wav.sampleRate, 8000);
  assert.equal(wav.channels, 2);
  const n = wav.samples.length / 2;
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = wav.samples[2 * i];
    right[i] = wav.samples[2 * i + 1];
  }
  return [left, right];
}

/** The action's (or callback's) recording parameters, checked for shape; returns them. */
function assertRecordingParams(
  p: WebhookParams | undefined,
  c: Caller,
  reason: string,
  digits = '',
): WebhookParams {
  assert.ok(p, 'no parameters');
  const target = c.ctx.recordingTargets.at(-1);
  assert.ok(target);
  assert.equal(p.RecordUrl, target.url);
  assert.equal(p.RecordingID, target.id);
  assert.equal(p.RecordingEndReason, reason);
  assert.equal(p.Digits, digits);
  const ms = Number(p.RecordingDurationMs);
  assert.equal(p.RecordingDuration, String(Math.round(ms / 1000)));
  const start = Number(p.RecordingStartMs);
  const end = Number(p.RecordingEndMs);
  assert.ok(start > 1.6e12 && end >= start, `start ${start}, end ${end}`);
  assert.ok(Math.abs(end - start - ms) < 250, `end - start = ${end - start} ms, duration ${ms} ms`);
  return p;
}

describe('Record verb', () => {
  test('maxLength: the caller audio, mono, exactly maxLength long; redirect=false notifies the action', async (t) => {
    const c = await caller(t);
    void c.talk(2500);
    const out = await recordVerb.run(record({ maxLength: 1 }), c.ctx);
    assert.deepEqual(out, { kind: 'next' });
    await c.ctx.settle();
    assert.equal(c.ctx.notifications.length, 1);
    const n = c.ctx.notifications[0];
    assert.equal(n?.url, ACTION);
    assert.equal(n?.method, 'POST');
    const p = assertRecordingParams(n?.extra, c, 'maxLength');
    assert.equal(p.RecordingDurationMs, '1000');
    assert.equal(p.RecordingDuration, '1');
    const samples = samplesOf(c.ctx.recordingTargets[0]?.file ?? '');
    assert.equal(samples.length, 8000);
    // The caller's 440 Hz tone (amplitude 8000, through G.711) fills the end of the file.
    const tail = samples.subarray(4000);
    assert.ok(toneAmplitude(tail, 8000, 440) > 6000, `440 Hz at ${toneAmplitude(tail, 8000, 440)}`);
    await c.done();
  });

  test('timeout: silence ends it (RecordingTimeout); redirect=true fetches the action', async (t) => {
    const c = await caller(t);
    void c.talk(400);
    const started = performance.now();
    const out = await recordVerb.run(record({ timeout: 1, redirect: true, method: 'GET' }), c.ctx);
    const took = performance.now() - started;
    assert.equal(out.kind, 'fetch');
    const fetch = out as Extract<VerbOutcome, { kind: 'fetch' }>;
    assert.equal(fetch.url, ACTION);
    assert.equal(fetch.method, 'GET');
    assert.equal(fetch.purpose, 'action');
    assert.equal(fetch.params.CallUUID, STANDARD_PARAMS.CallUUID);
    const p = assertRecordingParams(fetch.params, c, 'RecordingTimeout');
    // About 0.4 s of voice, then 1 s of silence.
    const ms = Number(p.RecordingDurationMs);
    assert.ok(ms >= 1300 && ms <= 1700, `${ms} ms`);
    assert.ok(took >= 1300 && took < 2500, `took ${took} ms`);
    await c.ctx.settle();
    assert.deepEqual(c.ctx.notifications, [], 'redirect=true must not notify as well');
    const samples = samplesOf(c.ctx.recordingTargets[0]?.file ?? '');
    assert.equal(samples.length, (ms * 8) | 0);
    await c.done();
  });

  test('finishOnKey: a listed key ends it (FinishedOnKey), the key in Digits', async (t) => {
    const c = await caller(t);
    const running = recordVerb.run(record({ finishOnKey: '*#' }), c.ctx);
    await c.talk(200);
    await c.peer.sendEvent(TE, 5); // "5" is not a finishing key
    await c.talk(200);
    await c.peer.sendEvent(TE, 11); // "#"
    assert.deepEqual(await running, { kind: 'next' });
    await c.ctx.settle();
    const p = assertRecordingParams(c.ctx.notifications[0]?.extra, c, 'FinishedOnKey', '#');
    const ms = Number(p.RecordingDurationMs);
    assert.ok(ms >= 400 && ms < 1500, `${ms} ms`);
    await c.done();
  });

  test('playBeep: the caller hears the beep, and the recording starts after it', async (t) => {
    const c = await caller(t, {});
    void c.talk(2500);
    const t0 = Date.now();
    const out = await recordVerb.run(record({ playBeep: true, maxLength: 1, callbackUrl: CALLBACK }), c.ctx);
    assert.deepEqual(out, { kind: 'next' });
    await c.ctx.settle();
    // The peer received the 1000 Hz, 500 ms beep.
    const heard = c.peer.audio();
    assert.ok(toneAmplitude(heard, 8000, 1000) > 1000, 'no beep heard');
    const started = c.ctx.notifications.find((n) => n.extra.Event === 'Record');
    assert.ok(started, 'no Event=Record');
    assert.ok(
      Number(started.extra.RecordingStartMs) - t0 >= 450,
      'the recording started before the beep ended',
    );
    const samples = samplesOf(c.ctx.recordingTargets[0]?.file ?? '');
    assert.equal(samples.length, 8000);
    // No beep in the file: it holds the caller only.
    assert.ok(toneAmplitude(samples, 8000, 1000) < 300, 'the beep was recorded');
    await c.done();
  });

  test('a key during the beep: the beep stops, FinishedOnKey with nothing recorded', async (t) => {
    const c = await caller(t);
    const running = recordVerb.run(record({ playBeep: true, finishOnKey: '#' }), c.ctx);
    await sleep(100);
    assert.equal(c.ep.player.busy, true, 'no beep playing');
    await c.peer.sendEvent(TE, 11);
    assert.deepEqual(await running, { kind: 'next' });
    assert.equal(c.ep.player.busy, false, 'the beep still plays');
    await c.ctx.settle();
    const p = assertRecordingParams(c.ctx.notifications[0]?.extra, c, 'FinishedOnKey', '#');
    assert.equal(p.RecordingDurationMs, '0');
    await c.done();
  });

  test('callbackUrl: Event=Record when it starts, Event=RecordStop with the action parameters when the file is complete', async (t) => {
    const c = await caller(t);
    void c.talk(1000);
    await recordVerb.run(record({ maxLength: 1, callbackUrl: CALLBACK, callbackMethod: 'GET' }), c.ctx);
    await c.ctx.settle();
    const byEvent = (e: string | undefined) => c.ctx.notifications.filter((n) => n.extra.Event === e);
    const [start] = byEvent('Record');
    const [stop] = byEvent('RecordStop');
    const [action] = byEvent(undefined);
    assert.ok(start && stop && action);
    assert.equal(c.ctx.notifications.length, 3);
    assert.equal(start.url, CALLBACK);
    assert.equal(start.method, 'GET');
    const target = c.ctx.recordingTargets[0];
    assert.equal(start.extra.RecordUrl, target?.url);
    assert.equal(start.extra.RecordingID, target?.id);
    assert.equal(stop.url, CALLBACK);
    assert.equal(stop.method, 'GET');
    assert.deepEqual({ ...stop.extra, Event: undefined }, { ...action.extra, Event: undefined });
    assertRecordingParams(stop.extra, c, 'maxLength');
    assert.equal(stop.params.CallUUID, STANDARD_PARAMS.CallUUID);
    await c.done();
  });

  test('the call ends during Record: HungUp, the file kept, the action only notified (even with redirect=true)', async (t) => {
    const c = await caller(t);
    void c.talk(2000);
    const running = recordVerb.run(record({ redirect: true, callbackUrl: CALLBACK }), c.ctx);
    await sleep(700);
    c.ctx.hangup();
    assert.deepEqual(await running, { kind: 'next' });
    await c.ctx.settle();
    const action = c.ctx.notifications.find((n) => n.url === ACTION);
    const p = assertRecordingParams(action?.extra, c, 'HungUp');
    assert.ok(c.ctx.notifications.some((n) => n.extra.Event === 'RecordStop'));
    const file = c.ctx.recordingTargets[0]?.file ?? '';
    assert.ok(existsSync(file));
    const samples = samplesOf(file);
    assert.equal(samples.length, (Number(p.RecordingDurationMs) * 8) | 0);
    assert.ok(samples.length > 4000, `${samples.length} samples`);
    await c.done();
  });

  test("the caller's leg closes during Record: HungUp", async (t) => {
    const c = await caller(t);
    void c.talk(2000);
    const running = recordVerb.run(record({ redirect: true }), c.ctx);
    await sleep(500);
    await c.ep.close();
    assert.deepEqual(await running, { kind: 'next' });
    await c.ctx.settle();
    assertRecordingParams(c.ctx.notifications[0]?.extra, c, 'HungUp');
    await c.done();
  });

  test('recordSession: returns at once, records both directions (one per channel) until hangup (HungUp)', async (t) => {
    const c = await caller(t);
    void c.talk(3000);
    const t0 = performance.now();
    const out = await recordVerb.run(record({ recordSession: true, redirect: true, playBeep: true }), c.ctx);
    assert.deepEqual(out, { kind: 'next' });
    assert.ok(performance.now() - t0 < 200, 'recordSession blocked');
    assert.equal(c.ep.player.busy, false, 'a session recording plays no beep');
    assert.equal(c.ctx.tasks.length, 1);
    // What the caller hears goes into the file too: a 1000 Hz tone played to the endpoint.
    const playback = c.ep.play([{ kind: 'tone', tone: 'beep', durationMs: 600 }]);
    await playback.done;
    await sleep(300);
    c.ctx.hangup();
    await c.ctx.settle();
    assert.equal(c.ctx.notifications.length, 1);
    assert.equal(c.ctx.notifications[0]?.url, ACTION);
    const p = assertRecordingParams(c.ctx.notifications[0]?.extra, c, 'HungUp');
    const [said, heard] = stereoOf(c.ctx.recordingTargets[0]?.file ?? '');
    assert.equal(said.length, (Number(p.RecordingDurationMs) * 8) | 0);
    assert.ok(toneAmplitude(said, 8000, 440) > 2000, 'the caller is missing on the left');
    assert.ok(toneAmplitude(heard, 8000, 1000) > 500, 'what the caller heard is missing on the right');
    assert.ok(toneAmplitude(said, 8000, 1000) < 100, 'the left channel is the caller only');
    await c.done();
  });

  test('startOnDialAnswer outside Dial: a warning, then a session recording', async (t) => {
    const c = await caller(t);
    const out = await recordVerb.run(record({ startOnDialAnswer: true }), c.ctx);
    assert.deepEqual(out, { kind: 'next' });
    assert.ok(c.ctx.logs.some((l) => l.level === 40 && l.code === 'RECORD_START_ON_DIAL_ANSWER'));
    assert.equal(c.ctx.tasks.length, 1);
    await sleep(200);
    c.ctx.hangup();
    await c.ctx.settle();
    assertRecordingParams(c.ctx.notifications[0]?.extra, c, 'HungUp');
    await c.done();
  });

  test('fileFormat mp3: one info line per call, a WAV file, a RecordUrl ending .wav', async (t) => {
    const files = new LocalRecordingFiles(dir, 'http://127.0.0.1:8080/', 'MA_TEST');
    const c = await caller(t, { recordings: files });
    void c.talk(1000);
    for (let i = 0; i < 2; i++) await recordVerb.run(record({ fileFormat: 'mp3', maxLength: 1 }), c.ctx);
    await c.ctx.settle();
    const infos = c.ctx.logs.filter((l) => l.level === 30 && /mp3/.test(l.msg));
    assert.equal(infos.length, 1);
    const url = c.ctx.notifications[0]?.extra.RecordUrl ?? '';
    assert.match(url, /\.wav$/);
    const id = c.ctx.notifications[0]?.extra.RecordingID ?? '';
    assert.equal(samplesOf(files.path(id)).length, 8000);
    await c.done();
  });

  test('transcriptionUrl: one warning per call, no transcription request', async (t) => {
    const c = await caller(t);
    const verb = record({
      maxLength: 1,
      transcriptionUrl: 'https://app.test/transcript',
      transcriptionType: 'hybrid',
    });
    for (let i = 0; i < 2; i++) await recordVerb.run(verb, c.ctx);
    await c.ctx.settle();
    const warnings = c.ctx.logs.filter((l) => l.code === 'TRANSCRIPTION_NOT_SUPPORTED');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.level, 40);
    assert.ok(c.ctx.notifications.every((n) => n.url === ACTION));
    await c.done();
  });

  test('recordOnDialAnswer: both legs, one per channel, until the bridge ends', async (t) => {
    const c = await caller(t);
    const peerB = await RtpPeer.open();
    const stopB = new AbortController();
    let streamingB: Promise<void> = Promise.resolve();
    t.after(async () => {
      stopB.abort();
      await streamingB;
      await peerB.close();
    });
    const b = await c.engine.createEndpoint();
    peerB.target = b.port;
    b.configure(mediaTo(peerB.port));
    const bridgeEnded = new AbortController();
    void c.talk(1500);
    streamingB = peerB.stream(sine(1000, 8000, 1500 * 8, 8000), { signal: stopB.signal });
    recordOnDialAnswer(record({ callbackUrl: CALLBACK }), { a: c.ep, b }, c.ctx, bridgeEnded.signal);
    await sleep(800);
    bridgeEnded.abort();
    await c.ctx.settle();
    const action = c.ctx.notifications.find((n) => n.url === ACTION);
    const p = assertRecordingParams(action?.extra, c, 'HungUp');
    assert.ok(c.ctx.notifications.some((n) => n.extra.Event === 'RecordStop'));
    const [left, right] = stereoOf(c.ctx.recordingTargets[0]?.file ?? '');
    assert.equal(left.length, (Number(p.RecordingDurationMs) * 8) | 0);
    assert.ok(toneAmplitude(left, 8000, 440) > 2000, 'leg A is missing on the left');
    assert.ok(toneAmplitude(right, 8000, 1000) > 2000, 'leg B is missing on the right');
    assert.ok(
      toneAmplitude(left, 8000, 1000) < 100 && toneAmplitude(right, 8000, 440) < 100,
      'each leg on its own channel',
    );
    stopB.abort();
    await streamingB;
    await peerB.close();
    await c.done();
  });
});
