/**
 * The call-flow engine end to end with a real softphone: baresip calls Patchbay, the
 * customer's application is a webhook server in the test, and what baresip heard (its
 * sndfile recording) and what the application received prove each verb. Needs baresip
 * and sox; skipped with the reason when they are missing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseWav, wavHeader } from '../../../src/media/audio/wav.ts';
import { dominantFrequency, rms, sine, toneAmplitude } from '../../helpers/audio.ts';
import { type Baresip, baresipSkipReason, startBaresip } from '../../helpers/baresip.ts';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';

const skip = baresipSkipReason();
const ACTIVE_RMS = 300;

function toneWav(freq: number, seconds: number): Buffer {
  const samples = sine(freq, 8000, 8000 * seconds, 12000);
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return Buffer.concat([
    wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, dataBytes: data.length }),
    data,
  ]);
}

/** 20 ms frames of what the phone decoded: [rms, samples] per frame. */
function receivedFrames(phone: Baresip): { rate: number; samples: Int16Array; frames: number[] } {
  const path = phone.recordings().received;
  assert.ok(path, `${phone.name} recorded what it received`);
  const wav = parseWav(readFileSync(path));
  const frame = Math.round(wav.sampleRate / 50);
  const frames: number[] = [];
  for (let at = 0; at + frame <= wav.samples.length; at += frame)
    frames.push(rms(wav.samples, at, at + frame));
  return { rate: wav.sampleRate, samples: wav.samples, frames };
}

describe('call flows with baresip calling in', { skip }, () => {
  let lab: Lab;
  const phones: Baresip[] = [];

  before(async () => {
    lab = await startLab();
    lab.hooks.route('/tone.wav', () => ({ contentType: 'audio/wav', body: toneWav(1000, 1) }));
  });
  after(async () => {
    await Promise.all(phones.map((p) => p.cleanup()));
    await lab?.close();
  });

  async function phone(opts: Partial<Parameters<typeof startBaresip>[0]> = {}): Promise<Baresip> {
    const p = await startBaresip({ name: `caller${phones.length}`, answer: 'auto', ...opts });
    phones.push(p);
    return p;
  }

  async function withLogs<T>(p: Baresip, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      if (err instanceof Error) err.message += `\n--- baresip ---\n${p.logTail()}`;
      throw err;
    }
  }

  test('Speak and Play are heard; the end of the document hangs up with 4010', async () => {
    const p = await phone();
    const answer = lab.hooks.requestsTo('/answer').length;
    const hangups = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml(
      '/answer',
      doc(`<Speak>Hello from Patchbay.</Speak><Play>${lab.hooks.url('/tone.wav')}</Play><Wait length="1"/>`),
    );
    await withLogs(p, async () => {
      await p.dial(`sip:5550100@${lab.sip}`);
      await p.waitEvent('CALL_ESTABLISHED', 5000);
      await p.waitEvent('CALL_CLOSED', 15000);
      const hangup = await lab.hooks.waitFor('/hangup', { count: hangups + 1 });
      await p.stop();
      const start = lab.hooks.requestsTo('/answer')[answer];
      assert.equal(start.params.Event, 'StartApp');
      assert.equal(start.params.To, '5550100');
      assert.equal(start.params.Direction, 'inbound');
      assert.equal(start.params.CallStatus, 'ringing');
      assert.ok(start.signatureValid, 'the answer request is signed per the spec');
      assert.equal(hangup.params.CallUUID, start.params.CallUUID);
      assert.equal(hangup.params.HangupCauseCode, '4010');
      assert.equal(hangup.params.HangupCauseName, 'End Of XML Instructions');
      assert.equal(hangup.params.Event, 'Hangup');
      assert.ok(Number(hangup.params.Duration) >= 2, `duration ${hangup.params.Duration}`);
      assert.ok(hangup.signatureValid);

      const heard = receivedFrames(p);
      // The speech: some 20 ms frames with voice energy before the tone.
      const toneFrames: number[] = [];
      const frame = Math.round(heard.rate / 50);
      heard.frames.forEach((level, i) => {
        if (level < ACTIVE_RMS) return;
        const span = heard.samples.subarray(i * frame, (i + 1) * frame);
        const t = toneAmplitude(span, heard.rate, 1000);
        if (t > level * 1.2) toneFrames.push(i);
      });
      const active = heard.frames.filter((l) => l > ACTIVE_RMS).length;
      assert.ok(
        toneFrames.length >= 47 && toneFrames.length <= 53,
        `1 s of the 1 kHz tone: ${toneFrames.length} frames`,
      );
      const firstTone = toneFrames[0];
      const speechFrames = heard.frames.slice(0, firstTone).filter((l) => l > ACTIVE_RMS).length;
      assert.ok(speechFrames >= 25, `speech before the tone: ${speechFrames} active frames (of ${active})`);
      const tone = heard.samples.subarray(firstTone * frame, (firstTone + 40) * frame);
      assert.ok(Math.abs(dominantFrequency(tone, heard.rate) - 1000) < 30);
    });
    await lab.assertIdle();
  });

  test('Gather collects RFC 4733 digits (barge-in on the prompt) and posts them to the action', async () => {
    const p = await phone();
    lab.hooks.xml(
      '/answer',
      doc(
        `<Gather action="${lab.hooks.url('/digits')}" numDigits="3" executionTimeout="10"><Speak loop="3">Please enter three digits now.</Speak></Gather><Speak>Nothing came.</Speak>`,
      ),
    );
    lab.hooks.xml('/digits', doc('<Hangup/>'));
    const before = lab.hooks.requestsTo('/digits').length;
    const hangups = lab.hooks.requestsTo('/hangup').length;
    await withLogs(p, async () => {
      await p.dial(`sip:ivr@${lab.sip}`);
      await p.waitEvent('CALL_ESTABLISHED', 5000);
      await sleep(700);
      await p.sendDtmf('123');
      const digits = await lab.hooks.waitFor('/digits', { count: before + 1, timeoutMs: 8000 });
      assert.equal(digits.params.Digits, '123');
      assert.equal(digits.params.InputType, 'dtmf');
      assert.equal(digits.params.CallStatus, 'in-progress');
      assert.ok(digits.signatureValid);
      await p.waitEvent('CALL_CLOSED', 5000);
      const hangup = await lab.hooks.waitFor('/hangup', { count: hangups + 1 });
      assert.equal(hangup.params.HangupSource, 'Answer XML');
      assert.equal(hangup.params.HangupCauseCode, '4000');
    });
    await lab.assertIdle();
  });

  test('Record stores the caller audio as WAV of the right length and posts a working RecordUrl', async () => {
    const p = await phone({ micTone: { freq: 440, seconds: 10 } });
    lab.hooks.xml(
      '/answer',
      doc(
        `<Record action="${lab.hooks.url('/recorded')}" maxLength="2" fileFormat="wav" redirect="false" callbackUrl="${lab.hooks.url('/record-cb')}"/><Speak>Thank you.</Speak>`,
      ),
    );
    lab.hooks.route('/record-cb', () => ({ status: 200 }));
    const before = lab.hooks.requestsTo('/recorded').length;
    await withLogs(p, async () => {
      await p.dial(`sip:voicemail@${lab.sip}`);
      await p.waitEvent('CALL_ESTABLISHED', 5000);
      const rec = await lab.hooks.waitFor('/recorded', { count: before + 1, timeoutMs: 8000 });
      assert.equal(rec.params.RecordingEndReason, 'maxLength');
      assert.equal(rec.params.RecordingDuration, '2');
      const ms = Number(rec.params.RecordingDurationMs);
      assert.ok(Math.abs(ms - 2000) <= 40, `RecordingDurationMs ${ms}`);
      assert.match(rec.params.RecordingID, /^[0-9a-f-]{36}$/);
      assert.ok(rec.signatureValid);
      const res = await fetch(rec.params.RecordUrl);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /audio\/wav/);
      const wav = parseWav(Buffer.from(await res.arrayBuffer()));
      const seconds = wav.samples.length / wav.sampleRate;
      assert.ok(Math.abs(seconds - 2) <= 0.05, `the file holds ${seconds} s`);
      // The caller's 440 Hz microphone, not silence (skip the first 100 ms of jitter start).
      const body = wav.samples.subarray(800);
      assert.ok(rms(body) > 2000, `recorded level ${rms(body)}`);
      assert.ok(Math.abs(dominantFrequency(body, wav.sampleRate) - 440) < 15);
      const stop = await lab.hooks.waitFor('/record-cb', { where: (r) => r.params.Event === 'RecordStop' });
      assert.equal(stop.params.RecordUrl, rec.params.RecordUrl);
      await p.waitEvent('CALL_CLOSED', 8000);
    });
    await lab.assertIdle();
  });

  test('DTMF sends RFC 4733 digits that the phone receives', async () => {
    const p = await phone();
    lab.hooks.xml('/answer', doc('<DTMF async="false">1234#</DTMF><Wait length="1"/>'));
    await withLogs(p, async () => {
      await p.dial(`sip:dtmf@${lab.sip}`);
      await p.waitEvent('CALL_ESTABLISHED', 5000);
      await p.waitEvent('CALL_CLOSED', 10000);
      assert.equal(p.receivedDigits(), '1234#');
    });
    await lab.assertIdle();
  });

  test('the caller hanging up mid-Speak ends the call once: hangup URL told, nothing left', async () => {
    const p = await phone();
    lab.hooks.xml('/answer', doc('<Speak loop="0">This sentence repeats until the caller hangs up.</Speak>'));
    const hangups = lab.hooks.requestsTo('/hangup').length;
    await withLogs(p, async () => {
      await p.dial(`sip:loop@${lab.sip}`);
      await p.waitEvent('CALL_ESTABLISHED', 5000);
      await sleep(1200);
      await p.hangup();
      const hangup = await lab.hooks.waitFor('/hangup', { count: hangups + 1 });
      assert.equal(hangup.params.HangupSource, 'Caller');
      assert.equal(hangup.params.HangupCauseCode, '4000');
      assert.equal(hangup.params.HangupCause, 'NORMAL_CLEARING');
    });
    await lab.assertIdle();
    await sleep(300);
    assert.equal(lab.hooks.requestsTo('/hangup').length, hangups + 1, 'hangup URL told exactly once');
  });
});
