/**
 * Calls the engine places and steers for the REST API (CallControl), against real peers on
 * loopback: a UAS with a media endpoint that records what it hears and the digits it gets,
 * and SIPp callees for the failure paths. The REST routes over this are tested apart.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallControlError, type MakeCallRequest } from '../../../src/callflow/call-control.ts';
import { encodeWav } from '../../../src/media/audio/wav.ts';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import type { Dialog } from '../../../src/sip/dialog/dialog.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { rms, sine, toneAmplitude } from '../../helpers/audio.ts';
import { answerWithMedia, testEngine } from '../../helpers/media-lab.ts';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { freePort, runSipp, type SippRun } from '../../helpers/sipp.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

interface Callee {
  dialog: Dialog;
  heard: Int16Array[];
  digits: string[];
}

describe('live-call control: API calls and actions', () => {
  let lab: Lab;
  let ua: UserAgent;
  let engine: LocalMediaEngine;
  let uri: string;
  const callees: Callee[] = [];

  before(async () => {
    lab = await startLab();
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    engine = testEngine();
    uri = `sip:callee@127.0.0.1:${ua.listening[0].port}`;
    answerWithMedia(ua, engine, ({ dialog, endpoint }) => {
      const c: Callee = { dialog, heard: [], digits: [] };
      endpoint.onAudio('in', (s) => c.heard.push(s.slice()));
      endpoint.onDtmf((e) => c.digits.push(e.digit));
      dialog.once('destroy', () => void endpoint.close());
      callees.push(c);
    });
    lab.hooks.route('/tone.wav', () => ({
      contentType: 'audio/wav',
      body: encodeWav(sine(1000, 8000, 8000 * 20, 12000), 8000),
    }));
  });
  after(async () => {
    await ua?.close();
    await engine?.close();
    await lab?.close();
  });

  function request(over: Partial<MakeCallRequest> = {}): MakeCallRequest {
    return {
      from: '+14155550100',
      to: [uri],
      answerUrl: lab.hooks.url('/api-answer'),
      answerMethod: 'POST',
      hangupUrl: lab.hooks.url('/api-hangup'),
      hangupMethod: 'POST',
      ringMethod: 'POST',
      fallbackMethod: 'POST',
      sendOnPreanswer: false,
      timeLimit: 14400,
      ringTimeout: 120,
      sipHeaders: {},
      ...over,
    };
  }

  const heardSince = (c: Callee, from: number) => {
    const parts = c.heard.slice(from);
    const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };

  async function until(cond: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await sleep(20);
    }
  }

  test('an API call runs answer_url with Direction=outbound; Speak, DTMF and hangup reach the callee; CDR written', async () => {
    lab.hooks.xml('/api-answer', doc('<Wait length="30"/>'));
    const before = callees.length;
    const [uuid] = await lab.pb.control.makeCall(request({ sendDigits: '1w2' }));
    const answer = await lab.hooks.waitFor('/api-answer', { where: (r) => r.params.CallUUID === uuid });
    assert.equal(answer.params.Direction, 'outbound');
    assert.equal(answer.params.Event, 'StartApp');
    assert.equal(answer.params.CallStatus, 'in-progress');
    assert.equal(answer.params.From, '14155550100');
    assert.equal(answer.params.To, uri);
    assert.equal(answer.params.ALegUUID, uuid);
    assert.equal(answer.signatureValid, true);
    const live = await lab.pb.store.calls.get(uuid);
    assert.equal(live?.call_status, 'in-progress');
    assert.equal(live?.direction, 'outbound');
    await until(() => callees.length > before);
    const callee = callees[before];
    // send_digits after answer, with the w pause.
    await until(() => callee.digits.join('') === '12');

    const mark = callee.heard.length;
    assert.equal(
      await lab.pb.control.speak(uuid, {
        text: 'This is a live announcement.',
        voice: 'WOMAN',
        language: 'en-US',
        legs: 'aleg',
        loop: false,
        mix: true,
      }),
      true,
    );
    await until(() => rms(heardSince(callee, mark)) > 500, 8000);
    assert.equal(await lab.pb.control.sendDigits(uuid, { digits: '4#', leg: 'aleg' }), true);
    await until(() => callee.digits.join('') === '124#');

    const ended = new Promise((r) => callee.dialog.once('destroy', r));
    assert.equal(await lab.pb.control.hangup(uuid), true);
    await ended;
    const hangup = await lab.hooks.waitFor('/api-hangup', { where: (r) => r.params.CallUUID === uuid });
    assert.equal(hangup.params.HangupSource, 'API Request');
    assert.equal(hangup.params.HangupCause, 'NORMAL_CLEARING');
    assert.equal(hangup.params.CallStatus, 'completed');
    assert.equal(hangup.params.Direction, 'outbound');
    await lab.assertIdle();
    const cdr = await lab.pb.store.cdrs.get(uuid);
    assert.equal(cdr?.call_direction, 'outbound');
    assert.equal(cdr?.hangup_source, 'API Request');
    assert.equal(cdr?.hangup_disposition, 'send_bye');
    assert.ok(cdr?.answer_time);
    assert.equal(await lab.pb.store.calls.get(uuid), undefined);
    assert.equal(await lab.pb.control.hangup(uuid), false, 'an ended call is not found');
  });

  test('transfer mid-Play: the Play stops and the new document runs at once', async () => {
    lab.hooks.xml('/api-answer', doc(`<Play>${lab.hooks.url('/tone.wav')}</Play><Hangup/>`));
    lab.hooks.xml('/moved', doc('<Speak>You have been moved.</Speak><Hangup/>'));
    const before = callees.length;
    const [uuid] = await lab.pb.control.makeCall(request());
    await until(() => callees.length > before);
    const callee = callees[before];
    // The tone plays.
    await until(() => toneAmplitude(heardSince(callee, 0).slice(-1600), 8000, 1000) > 2000, 5000);
    const ended = new Promise((r) => callee.dialog.once('destroy', r));
    const t0 = performance.now();
    assert.equal(
      await lab.pb.control.transfer(uuid, {
        legs: 'aleg',
        alegUrl: lab.hooks.url('/moved'),
        alegMethod: 'POST',
        blegMethod: 'POST',
      }),
      true,
    );
    const moved = await lab.hooks.waitFor('/moved', { where: (r) => r.params.CallUUID === uuid });
    assert.equal(moved.params.CallStatus, 'in-progress');
    const mark = callee.heard.length;
    await sleep(400);
    // The 20 s tone was cut: what follows is speech, not the 1 kHz tone.
    const after = heardSince(callee, mark);
    assert.ok(toneAmplitude(after, 8000, 1000) < 1000, 'the tone stopped');
    await ended;
    assert.ok(performance.now() - t0 < 10_000);
    await lab.hooks.waitFor('/api-hangup', { where: (r) => r.params.CallUUID === uuid });
    await lab.assertIdle();
  });

  test('a live recording is written, indexed and called back (snake_case)', async () => {
    lab.hooks.xml('/api-answer', doc(`<Play>${lab.hooks.url('/tone.wav')}</Play>`));
    lab.hooks.route('/rec-done', () => ({ status: 200, body: '' }));
    const [uuid] = await lab.pb.control.makeCall(request());
    await lab.hooks.waitFor('/api-answer', { where: (r) => r.params.CallUUID === uuid });
    const started = await lab.pb.control.startRecording(uuid, {
      timeLimit: 60,
      fileFormat: 'wav',
      callbackUrl: lab.hooks.url('/rec-done'),
      callbackMethod: 'POST',
      channels: 'mono',
      transcriptionMethod: 'POST',
    });
    assert.ok(started);
    await sleep(1000);
    assert.equal(await lab.pb.control.stopRecording(uuid), true);
    const cb = await lab.hooks.waitFor('/rec-done');
    assert.equal(cb.params.recording_id, started.recordingId);
    assert.equal(cb.params.call_uuid, uuid);
    assert.equal(cb.params.record_url, started.url);
    assert.ok(Number(cb.params.recording_duration_ms) >= 800, cb.params.recording_duration_ms);
    const rec = await lab.pb.store.recordings.get(started.recordingId);
    assert.equal(rec?.call_uuid, uuid);
    assert.equal(rec?.from_number, '14155550100');
    const res = await fetch(started.url);
    assert.equal(res.status, 200);
    const wav = Buffer.from(await res.arrayBuffer());
    assert.ok(wav.length > 8000, `${wav.length} bytes`);
    await lab.pb.control.hangup(uuid);
    await lab.assertIdle();
  });

  describe('before answer', () => {
    async function callee(scenario: string): Promise<{ uri: string; run: SippRun }> {
      const port = await freePort();
      const run = runSipp({
        scenario,
        port,
        calls: 1,
        extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2))],
        timeoutSec: 20,
      });
      await run.ready;
      return { uri: `sip:callee@127.0.0.1:${port}`, run };
    }

    test('busy: hangup_url says busy (3010), no document runs', async () => {
      const b = await callee('uas-busy.xml');
      const [uuid] = await lab.pb.control.makeCall(
        request({ to: [b.uri], answerUrl: lab.hooks.url('/never') }),
      );
      const hangup = await lab.hooks.waitFor('/api-hangup', { where: (r) => r.params.CallUUID === uuid });
      assert.equal(hangup.params.CallStatus, 'busy');
      assert.equal(hangup.params.HangupCauseCode, '3010');
      assert.equal(hangup.params.HangupSource, 'Callee');
      assert.equal(lab.hooks.requestsTo('/never').length, 0);
      assert.equal((await b.run.done).code, 0);
      await lab.assertIdle();
      assert.equal((await lab.pb.store.cdrs.get(uuid))?.hangup_disposition, 'recv_refuse');
    });

    test('ringing: ring_url is told; hangup through the API CANCELs (1000 Canceled)', async () => {
      const b = await callee('uas-noanswer.xml');
      const [uuid] = await lab.pb.control.makeCall(
        request({ to: [b.uri], ringUrl: lab.hooks.url('/ring'), answerUrl: lab.hooks.url('/never') }),
      );
      lab.hooks.route('/ring', () => ({ status: 200, body: '' }));
      const ring = await lab.hooks.waitFor('/ring', { where: (r) => r.params.CallUUID === uuid });
      assert.equal(ring.params.Event, 'Ring');
      assert.equal(ring.params.CallStatus, 'ringing');
      assert.equal((await lab.pb.store.calls.get(uuid))?.call_status, 'ringing');
      assert.equal(await lab.pb.control.cancelRequest(uuid), true);
      const hangup = await lab.hooks.waitFor('/api-hangup', { where: (r) => r.params.CallUUID === uuid });
      assert.equal(hangup.params.HangupCauseCode, '1000');
      assert.equal(hangup.params.HangupSource, 'API Request');
      assert.equal((await b.run.done).code, 0);
      await lab.assertIdle();
    });

    test('ring_timeout: CANCEL after it, 6010 and no-answer', async () => {
      const b = await callee('uas-noanswer.xml');
      const t0 = performance.now();
      const [uuid] = await lab.pb.control.makeCall(
        request({ to: [b.uri], ringTimeout: 1, answerUrl: lab.hooks.url('/never') }),
      );
      const hangup = await lab.hooks.waitFor('/api-hangup', { where: (r) => r.params.CallUUID === uuid });
      const ms = performance.now() - t0;
      assert.ok(ms >= 900 && ms < 4000, `${ms} ms`);
      assert.equal(hangup.params.HangupCauseCode, '6010');
      assert.equal(hangup.params.CallStatus, 'no-answer');
      assert.equal((await b.run.done).code, 0);
      await lab.assertIdle();
    });

    test('a number without a trunk is refused up front', async () => {
      await assert.rejects(
        lab.pb.control.makeCall(request({ to: ['14155550199'] })),
        (err: unknown) =>
          err instanceof CallControlError && err.code === 'BAD_REQUEST' && /trunk/.test(err.message),
      );
      await assert.rejects(
        lab.pb.control.makeCall(request({ to: ['not a destination'] })),
        (err: unknown) => err instanceof CallControlError && err.code === 'BAD_REQUEST',
      );
      assert.equal(existsSync(lab.dataDir), true);
    });
  });
});
