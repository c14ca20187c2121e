/**
 * `<Dial>` end to end: Patchbay as a B2BUA between a caller and SIPp or baresip callees.
 * Audio both ways is proven with two baresip phones (each hears the other's tone); busy,
 * no answer, parallel ringing, the caller giving up, timeLimit and a missing trunk with
 * SIPp callees and SIPp or Patchbay's UA as the caller.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseWav } from '../../../src/media/audio/wav.ts';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import { SipError } from '../../../src/sip/errors.ts';
import { LocalSdpSession } from '../../../src/sip/sdp/local-sdp-session.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { dominantFrequency, rms, toneAmplitude } from '../../helpers/audio.ts';
import { type Baresip, baresipSkipReason, startBaresip } from '../../helpers/baresip.ts';
import { testEngine } from '../../helpers/media-lab.ts';
import {
  type CallInOptions,
  callIn,
  doc,
  type Lab,
  sippCaller,
  startLab,
} from '../../helpers/patchbay-lab.ts';
import { freePort, runSipp, type SippRun } from '../../helpers/sipp.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

describe('Dial through Patchbay', () => {
  let lab: Lab;
  let ua: UserAgent;
  let engine: LocalMediaEngine;

  before(async () => {
    lab = await startLab();
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    engine = testEngine();
  });
  after(async () => {
    await ua?.close();
    await engine?.close();
    await lab?.close();
  });

  /** A SIPp callee on a free port; `uri` reaches it. */
  async function callee(scenario: string, pauseMs?: number): Promise<{ uri: string; run: SippRun }> {
    const port = await freePort();
    const run = runSipp({
      scenario,
      port,
      calls: 1,
      ...(pauseMs !== undefined ? { pauseMs } : {}),
      extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2))],
      timeoutSec: 20,
    });
    await run.ready;
    return { uri: `sip:callee@127.0.0.1:${port}`, run };
  }

  const call = (opts: CallInOptions = {}) => callIn(ua, engine, `sip:5553000@${lab.sip}`, opts);

  test('a busy callee: DialStatus=busy reaches the action, whose document goes on', async () => {
    const b = await callee('uas-busy.xml');
    lab.hooks.xml(
      '/answer',
      doc(`<Dial action="${lab.hooks.url('/after-busy')}"><User>${b.uri}</User></Dial>`),
    );
    lab.hooks.xml('/after-busy', doc('<Hangup reason="busy"/>'));
    assert.equal(await call(), 486);
    const after = await lab.hooks.waitFor('/after-busy');
    assert.equal(after.params.DialStatus, 'busy');
    assert.equal(after.params.DialHangupCause, 'USER_BUSY');
    assert.equal(after.params.DialBLegUUID, '');
    assert.equal(after.params.DialRingStatus, 'false');
    assert.equal((await b.run.done).code, 0);
    await lab.assertIdle();
  });

  test('no answer within timeout: CANCEL to the callee, DialStatus=no-answer', async () => {
    const b = await callee('uas-noanswer.xml');
    lab.hooks.xml(
      '/answer',
      doc(`<Dial timeout="1" action="${lab.hooks.url('/after-noanswer')}"><User>${b.uri}</User></Dial>`),
    );
    lab.hooks.xml('/after-noanswer', doc('<Hangup/>'));
    const started = performance.now();
    assert.equal(await call(), 603);
    const ms = performance.now() - started;
    assert.ok(ms > 900 && ms < 3000, `rang for ${ms} ms`);
    const after = await lab.hooks.waitFor('/after-noanswer');
    assert.equal(after.params.DialStatus, 'no-answer');
    assert.equal(after.params.DialRingStatus, 'true');
    assert.equal((await b.run.done).code, 0, 'the callee got its CANCEL');
    await lab.assertIdle();
  });

  test('parallel ringing: the one that answers wins, the other is cancelled; timeLimit ends the bridge', async () => {
    const ringing = await callee('uas-noanswer.xml');
    const answering = await callee('uas-answer.xml');
    const n = lab.hooks.requestsTo('/dial-cb').length;
    lab.hooks.route('/dial-cb', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(
        `<Dial timeLimit="1" callbackUrl="${lab.hooks.url('/dial-cb')}" action="${lab.hooks.url('/after-limit')}"><User>${ringing.uri}</User><User>${answering.uri}</User></Dial>`,
      ),
    );
    lab.hooks.xml('/after-limit', doc('<Hangup/>'));
    const started = performance.now();
    assert.equal(await call(), 200);
    const ms = performance.now() - started;
    assert.ok(ms > 900 && ms < 3500, `the call lasted ${ms} ms`);
    const after = await lab.hooks.waitFor('/after-limit');
    assert.equal(after.params.DialStatus, 'completed');
    assert.match(after.params.DialBLegUUID, /^[0-9a-f-]{36}$/);
    assert.equal((await ringing.run.done).code, 0, 'the losing callee got its CANCEL');
    assert.equal((await answering.run.done).code, 0, 'the winner got its BYE');
    await lab.hooks.waitFor('/dial-cb', { count: n + 3 });
    const events = lab.hooks.requestsTo('/dial-cb').slice(n);
    assert.deepEqual(
      events.map((e) => e.params.DialAction),
      ['answer', 'connected', 'hangup'],
    );
    assert.equal(events[2].params.DialBLegHangupCauseCode, '6000');
    await lab.assertIdle();
  });

  test('the caller gives up while it rings: every B-leg is cancelled, the action hears DialStatus=cancel', async () => {
    const b = await callee('uas-noanswer.xml');
    lab.hooks.route('/after-cancel', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(`<Dial action="${lab.hooks.url('/after-cancel')}"><User>${b.uri}</User></Dial>`),
    );
    assert.equal(await call({ cancelAfterMs: 600 }), 487);
    const after = await lab.hooks.waitFor('/after-cancel');
    assert.equal(after.params.DialStatus, 'cancel');
    assert.equal((await b.run.done).code, 0);
    const hangup = await lab.hooks.waitFor('/hangup', {
      where: (r) => r.params.CallUUID === after.params.CallUUID,
    });
    assert.equal(hangup.params.HangupSource, 'Caller');
    await lab.assertIdle();
  });

  test('a callee that answers before it rings: the caller (SIPp) gets the 200 alone, no 180 or 183', async () => {
    const b = await callee('uas-answer-at-once.xml');
    lab.hooks.route('/after-at-once', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(`<Dial action="${lab.hooks.url('/after-at-once')}"><User>${b.uri}</User></Dial>`),
    );
    const r = await sippCaller(lab, 'uac-answer-first.xml', { pauseMs: 300 });
    assert.equal(r.code, 0, r.errors);
    assert.equal((await b.run.done).code, 0, 'the callee got its BYE');
    const after = await lab.hooks.waitFor('/after-at-once');
    assert.equal(after.params.DialStatus, 'completed');
    await lab.assertIdle();
  });

  test('a callee that rings: the caller gets 183 with our SDP and hears the ringback tone until it gives up', async () => {
    const b = await callee('uas-noanswer.xml');
    lab.hooks.route('/after-ringback', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(`<Dial action="${lab.hooks.url('/after-ringback')}"><User>${b.uri}</User></Dial>`),
    );
    const endpoint = await engine.createEndpoint();
    const sdp = new LocalSdpSession({ address: '127.0.0.1' });
    const provisionals: number[] = [];
    const heard: Int16Array[] = [];
    endpoint.onAudio('in', (samples) => heard.push(samples.slice()));
    try {
      const uac = ua.createUAC(
        { uri: `sip:5553000@${lab.sip}`, body: sdp.createOffer(endpoint.capabilities()).sdp },
        {
          onProvisional: (res) => {
            provisionals.push(res.status);
            if (res.status === 183) endpoint.configure(sdp.processAnswer(res.body));
          },
        },
      );
      await sleep(1500);
      uac.cancel();
      await assert.rejects(uac.established, (err: unknown) => err instanceof SipError && err.status === 487);
    } finally {
      await endpoint.close();
    }
    assert.ok(provisionals.includes(183), `provisionals ${provisionals}`);
    assert.ok(
      provisionals.every((s) => s === 180 || s === 183),
      `provisionals ${provisionals}`,
    );
    const samples = Int16Array.from(heard.flatMap((h) => Array.from(h)));
    assert.ok(samples.length >= 8000, `${samples.length / 8} ms of early media`);
    const ring = Math.min(toneAmplitude(samples, 8000, 440), toneAmplitude(samples, 8000, 480));
    assert.ok(ring > 10 * toneAmplitude(samples, 8000, 1000), 'the ringback tone, 440 + 480 Hz');
    const after = await lab.hooks.waitFor('/after-ringback');
    assert.equal(after.params.DialStatus, 'cancel');
    assert.equal((await b.run.done).code, 0, 'the callee got its CANCEL');
    await lab.assertIdle();
  });

  test('a Number with no trunk configured fails at once with DialStatus=failed', async () => {
    lab.hooks.xml(
      '/answer',
      doc(`<Dial action="${lab.hooks.url('/after-trunk')}"><Number>14155550100</Number></Dial>`),
    );
    lab.hooks.xml('/after-trunk', doc('<Hangup/>'));
    assert.equal(await call(), 603);
    const after = await lab.hooks.waitFor('/after-trunk');
    assert.equal(after.params.DialStatus, 'failed');
    assert.equal(after.params.DialHangupCause, 'NO_ROUTE_DESTINATION');
    await lab.assertIdle();
  });
});

const skip = baresipSkipReason();

describe('Dial between two baresip phones', { skip }, () => {
  test('each phone hears the other through the B2BUA; the caller hanging up ends the callee', async () => {
    const lab = await startLab();
    const phones: Baresip[] = [];
    try {
      const alice = await startBaresip({
        name: 'alice',
        answer: 'auto',
        micTone: { freq: 600, seconds: 10 },
      });
      phones.push(alice);
      const bob = await startBaresip({ name: 'bob', answer: 'auto', micTone: { freq: 1000, seconds: 10 } });
      phones.push(bob);
      lab.hooks.route('/dial-done', () => ({ status: 200 }));
      lab.hooks.xml(
        '/answer',
        doc(`<Dial action="${lab.hooks.url('/dial-done')}"><User>${bob.sipUri}</User></Dial>`),
      );
      await alice.dial(`sip:bob@${lab.sip}`);
      await Promise.all([alice.waitEvent('CALL_ESTABLISHED', 8000), bob.waitEvent('CALL_ESTABLISHED', 8000)]);
      await sleep(3000);
      await alice.hangup();
      await bob.waitEvent('CALL_CLOSED', 5000);
      const done = await lab.hooks.waitFor('/dial-done');
      assert.equal(done.params.DialStatus, 'completed');
      await lab.assertIdle();
      await Promise.all([alice.stop(), bob.stop()]);
      for (const [phone, hz, own] of [
        [alice, 1000, 600],
        [bob, 600, 1000],
      ] as const) {
        const path = phone.recordings().received;
        assert.ok(path, `${phone.name} recorded what it received`);
        const wav = parseWav(readFileSync(path));
        const frame = wav.sampleRate / 50;
        let active = 0;
        for (let at = 0; at + frame <= wav.samples.length; at += frame) {
          if (rms(wav.samples, at, at + frame) > 1000) active++;
        }
        assert.ok(active >= 100, `${phone.name}: ${active / 50} s of audio`);
        const f = dominantFrequency(wav.samples, wav.sampleRate);
        assert.ok(Math.abs(f - hz) < hz * 0.03, `${phone.name} heard ${f} Hz, expected ${hz}`);
        assert.ok(
          toneAmplitude(wav.samples, wav.sampleRate, own) <
            toneAmplitude(wav.samples, wav.sampleRate, hz) / 10,
          `${phone.name} does not hear itself`,
        );
      }
    } catch (err) {
      if (err instanceof Error) for (const p of phones) err.message += `\n--- ${p.name} ---\n${p.logTail()}`;
      throw err;
    } finally {
      await Promise.all(phones.map((p) => p.cleanup()));
      await lab.close();
    }
  });
});

describe('Dial to a Number through the trunk', () => {
  test('the INVITE goes to PATCHBAY_OUTBOUND_PROXY with the number and X-VH- headers; the callee hangs up and the action document runs', async () => {
    const port = await freePort();
    const trunk = runSipp({
      scenario: 'uas-trunk-bye.xml',
      port,
      calls: 1,
      pauseMs: 800,
      extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2))],
      timeoutSec: 20,
    });
    await trunk.ready;
    const lab = await startLab({ env: { PATCHBAY_OUTBOUND_PROXY: `127.0.0.1:${port}` } });
    const ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    const engine = testEngine();
    try {
      lab.hooks.xml(
        '/answer',
        doc(
          `<Dial sipHeaders="Campaign=spring" callerId="4930123" action="${lab.hooks.url('/after-trunk')}"><Number>+14155550100</Number></Dial>`,
        ),
      );
      lab.hooks.xml('/after-trunk', doc('<Speak>The other side hung up.</Speak>'));
      const endpoint = await engine.createEndpoint();
      const uac = ua.createUAC({
        uri: `sip:5554000@${lab.sip}`,
        body: new LocalSdpSession().createOffer(endpoint.capabilities()).sdp,
      });
      const dialog = await uac.established;
      const ended = new Promise((r) => dialog.once('destroy', r));
      const after = await lab.hooks.waitFor('/after-trunk', { timeoutMs: 8000 });
      assert.equal(after.params.DialStatus, 'completed');
      assert.equal(
        after.params.CallStatus,
        'in-progress',
        'the caller is still there for the action document',
      );
      await ended;
      await endpoint.close();
      const r = await trunk.done;
      assert.equal(r.code, 0, r.errors);
      const hangup = await lab.hooks.waitFor('/hangup');
      assert.equal(hangup.params.HangupCauseCode, '4010');
      await lab.assertIdle();
    } finally {
      trunk.kill();
      await ua.close();
      await engine.close();
      await lab.close();
    }
  });
});

describe('Dial features with baresip callees', { skip }, () => {
  let lab: Lab;
  const phones: Baresip[] = [];
  before(async () => {
    lab = await startLab();
    lab.hooks.route('/dial-cb', () => ({ status: 200 }));
    lab.hooks.xml('/confirm', doc('<Speak>Press five to take this call.</Speak>'));
  });
  after(async () => {
    await Promise.all(phones.map((p) => p.cleanup()));
    await lab?.close();
  });
  async function phone(name: string): Promise<Baresip> {
    const p = await startBaresip({ name, answer: 'auto', micTone: { freq: 800, seconds: 20 } });
    phones.push(p);
    return p;
  }
  async function withLogs(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      if (err instanceof Error)
        for (const p of phones) err.message += `\n--- ${p.name} ---\n${p.logTail(15)}`;
      throw err;
    }
  }

  test('confirmKey: the callee presses 5 and is connected; sendDigits reach it after answer', async () => {
    const caller = await phone('caller1');
    const callee = await phone('callee1');
    const n = lab.hooks.requestsTo('/dial-cb').length;
    lab.hooks.xml(
      '/answer',
      doc(
        `<Dial confirmSound="${lab.hooks.url('/confirm')}" confirmKey="5" callbackUrl="${lab.hooks.url('/dial-cb')}"><User sendDigits="1w2">${callee.sipUri}</User></Dial>`,
      ),
    );
    await withLogs(async () => {
      await caller.dial(`sip:confirm@${lab.sip}`);
      await callee.waitEvent('CALL_ESTABLISHED', 8000);
      await sleep(500);
      assert.equal(
        lab.hooks.requestsTo('/dial-cb').length - n,
        1,
        'only answer: not connected before the key',
      );
      await callee.sendDtmf('5');
      const connected = await lab.hooks.waitFor('/dial-cb', {
        where: (r) => r.params.DialAction === 'connected',
      });
      assert.match(connected.params.DialBLegUUID, /^[0-9a-f-]{36}$/);
      await caller.waitEvent('CALL_ESTABLISHED', 3000);
      await sleep(1500);
      await caller.hangup();
      await callee.waitEvent('CALL_CLOSED', 5000);
      assert.equal(callee.receivedDigits(), '12');
    });
    await lab.assertIdle();
  });

  test('confirmKey: a wrong key within confirmTimeout leaves the callee out (DialStatus=no-answer)', async () => {
    const caller = await phone('caller2');
    const callee = await phone('callee2');
    lab.hooks.xml(
      '/answer',
      doc(
        `<Dial confirmSound="${lab.hooks.url('/confirm')}" confirmKey="5" confirmTimeout="2" action="${lab.hooks.url('/after-confirm')}"><User>${callee.sipUri}</User></Dial>`,
      ),
    );
    lab.hooks.xml('/after-confirm', doc('<Hangup/>'));
    await withLogs(async () => {
      await caller.dial(`sip:confirm@${lab.sip}`);
      await callee.waitEvent('CALL_ESTABLISHED', 8000);
      await callee.sendDtmf('4');
      await callee.waitEvent('CALL_CLOSED', 5000);
      const after = await lab.hooks.waitFor('/after-confirm');
      assert.equal(after.params.DialStatus, 'no-answer');
      await caller.waitEvent('CALL_CLOSED', 5000);
    });
    await lab.assertIdle();
  });

  test('hangupOnStar: the caller presses * to drop the callee and goes on with the action document', async () => {
    const caller = await phone('caller3');
    const callee = await phone('callee3');
    lab.hooks.xml(
      '/answer',
      doc(
        `<Dial hangupOnStar="true" action="${lab.hooks.url('/after-star')}"><User>${callee.sipUri}</User></Dial>`,
      ),
    );
    lab.hooks.xml('/after-star', doc('<Speak>Back with us.</Speak><Hangup/>'));
    await withLogs(async () => {
      await caller.dial(`sip:star@${lab.sip}`);
      await Promise.all([
        caller.waitEvent('CALL_ESTABLISHED', 8000),
        callee.waitEvent('CALL_ESTABLISHED', 8000),
      ]);
      await sleep(500);
      await caller.sendDtmf('*');
      await callee.waitEvent('CALL_CLOSED', 5000);
      const after = await lab.hooks.waitFor('/after-star');
      assert.equal(after.params.DialStatus, 'completed');
      assert.equal(after.params.CallStatus, 'in-progress');
      await caller.waitEvent('CALL_CLOSED', 8000);
    });
    await lab.assertIdle();
  });
});
