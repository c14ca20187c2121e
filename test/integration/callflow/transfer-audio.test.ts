/**
 * What a transfer leaves behind is a conversation: after a REFER (blind, RFC 3515) or a
 * REFER with Replaces (attended, RFC 3891) the two remaining parties hear each other, and
 * no longer the party that left. Every party sends its own tone (baresip phones, Patchbay's
 * UA in the role of the attended transferor; a SIPp transferor echoes what it hears); what
 * the phones received and what a Dial's recording wrote are cut in 100 ms blocks, each named
 * after the tone that dominates it (Goertzel), and the order of those names is checked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseWav } from '../../../src/media/audio/wav.ts';
import type { LocalEndpoint } from '../../../src/media/local/local-endpoint.ts';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import type { Dialog } from '../../../src/sip/dialog/dialog.ts';
import { sendRefer } from '../../../src/sip/dialog/refer-client.ts';
import { formatReplaces } from '../../../src/sip/dialog/refer-to.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { rms, sine, toneAmplitude } from '../../helpers/audio.ts';
import { type Baresip, baresipSkipReason, startBaresip } from '../../helpers/baresip.ts';
import { callWithMedia, testEngine } from '../../helpers/media-lab.ts';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { freePort, runSipp, type SippRun } from '../../helpers/sipp.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

const BLOCK_MS = 100;

/** The tone (of `tones`) that dominates each 100 ms block of `samples`; undefined for a quiet or mixed one. */
function toneBlocks(samples: Int16Array, rate: number, tones: readonly number[]): Array<number | undefined> {
  const size = (rate * BLOCK_MS) / 1000;
  const out: Array<number | undefined> = [];
  for (let at = 0; at + size <= samples.length; at += size) {
    const block = samples.subarray(at, at + size);
    if (rms(block) < 500) {
      out.push(undefined);
      continue;
    }
    const amps = tones.map((f) => toneAmplitude(block, rate, f)).sort((x, y) => y - x);
    const best = tones.find((f) => toneAmplitude(block, rate, f) === amps[0]);
    // A block across the moment of a switch holds both: it names neither.
    out.push((amps[1] ?? 0) * 4 < (amps[0] ?? 0) ? best : undefined);
  }
  return out;
}

/**
 * The blocks hear `now` for at least `minMs`, and once `now` is heard, `gone` (the party
 * that left, when given) is not heard again, two blocks of overlap aside.
 */
function assertSwitch(
  who: string,
  blocks: Array<number | undefined>,
  now: number,
  gone?: number,
  minMs = 1500,
): void {
  const text = blocks.map((b) => (b === undefined ? '.' : String(b))).join(' ');
  const count = blocks.filter((b) => b === now).length;
  assert.ok(count * BLOCK_MS >= minMs, `${who}: ${count * BLOCK_MS} ms of ${now} Hz\n${text}`);
  const first = blocks.indexOf(now);
  const others = blocks.slice(first + 2).filter((b) => b !== undefined && b !== now);
  assert.equal(others.length, 0, `${who}: heard ${others.join(',')} Hz after ${now} Hz came\n${text}`);
  if (gone !== undefined) {
    const before = blocks.slice(0, first).filter((b) => b === gone).length;
    assert.ok(before > 0, `${who}: ${gone} Hz was never heard before the switch\n${text}`);
  }
}

/** What a baresip phone decoded, as 16-bit samples. */
function received(phone: Baresip): { samples: Int16Array; rate: number } {
  const path = phone.recordings().received;
  assert.ok(path, `${phone.name} recorded what it received`);
  const wav = parseWav(readFileSync(path));
  return { samples: wav.samples, rate: wav.sampleRate };
}

/** The two channels of a stereo recording of the lab. */
function channels(lab: Lab, recordingId: string): { left: Int16Array; right: Int16Array; rate: number } {
  const wav = parseWav(readFileSync(join(lab.dataDir, 'recordings', `${recordingId}.wav`)));
  assert.equal(wav.channels, 2);
  const n = wav.samples.length / 2;
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = wav.samples[2 * i] as number;
    right[i] = wav.samples[2 * i + 1] as number;
  }
  return { left, right, rate: wav.sampleRate };
}

/** A SIPp peer running one of the scenarios next to this file, sending back what it hears. */
async function sippTransferor(
  scenario: string,
  opts: { referTo: string; pauseMs: number; remote?: string; service?: string },
): Promise<{ uri: string; run: SippRun }> {
  const port = await freePort();
  const run = runSipp({
    scenario: `../callflow/sipp/${scenario}`,
    port,
    calls: 1,
    pauseMs: opts.pauseMs,
    keys: { referto: opts.referTo },
    ...(opts.remote ? { remote: opts.remote, service: opts.service ?? 'transfer' } : {}),
    extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2)), '-rtp_echo'],
    timeoutSec: 30,
  });
  await run.ready;
  return { uri: `sip:transferor@127.0.0.1:${port}`, run };
}

async function ok(run: SippRun, who: string): Promise<void> {
  const r = await run.done;
  assert.equal(r.code, 0, `${who}: ${r.errors}`);
}

const skip = baresipSkipReason();

describe('audio between the remaining parties after a transfer', { skip }, () => {
  let lab: Lab;
  let ua: UserAgent;
  let engine: LocalMediaEngine;
  const phones: Baresip[] = [];
  const endpoints: LocalEndpoint[] = [];

  before(async () => {
    lab = await startLab({ env: { PATCHBAY_ACCEPT_REFER: 'true' } });
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    engine = testEngine();
    lab.hooks.route('/after', () => ({ status: 200 }));
    lab.hooks.route('/recorded', () => ({ status: 200 }));
  });
  after(async () => {
    await Promise.all(phones.map((p) => p.cleanup()));
    for (const e of endpoints) await e.close();
    await ua?.close();
    await engine?.close();
    await lab?.close();
  });

  async function phone(name: string, freq: number): Promise<Baresip> {
    const p = await startBaresip({ name, answer: 'auto', micTone: { freq, seconds: 30 } });
    phones.push(p);
    return p;
  }

  /** Adds the phones' logs to a failure. */
  async function withLogs(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      if (err instanceof Error)
        for (const p of phones) err.message += `\n--- ${p.name} ---\n${p.logTail(15)}`;
      throw err;
    }
  }

  /** A Dial to `uri` that records both parties (Record startOnDialAnswer, one party per channel). */
  const recordedDial = (uri: string) =>
    doc(
      `<Dial action="${lab.hooks.url('/after')}"><Record startOnDialAnswer="true" fileFormat="wav" action="${lab.hooks.url('/recorded')}"/><User>${uri}</User></Dial>`,
    );

  test("blind transfer by the Dial's callee: A and C hear each other, and the recording follows B's channel to C", async () => {
    await withLogs(async () => {
      const a = await phone('alice', 600);
      const c = await phone('carol', 1400);
      // B answers, echoes A for 1.5 s (A hears its own 600 Hz through B), then REFERs to C.
      const b = await sippTransferor('uas-refer-until-final.xml', { referTo: c.sipUri, pauseMs: 1500 });
      const n = lab.hooks.requestsTo('/recorded').length;
      lab.hooks.xml('/answer', recordedDial(b.uri));
      await a.dial(`sip:5557001@${lab.sip}`);
      await a.waitEvent('CALL_ESTABLISHED', 8000);
      await c.waitEvent('CALL_ESTABLISHED', 10_000);
      await ok(b.run, 'B (REFER, NOTIFYs up to 200, then BYE)');
      await sleep(3000);
      await a.hangup();
      await c.waitEvent('CALL_CLOSED', 5000);
      const rec = await lab.hooks.waitFor('/recorded', { count: n + 1 });
      await lab.assertIdle();
      await Promise.all([a.stop(), c.stop()]);
      const tones = [600, 1400];
      const heardByA = received(a);
      assertSwitch('A', toneBlocks(heardByA.samples, heardByA.rate, tones), 1400, 600);
      const heardByC = received(c);
      assertSwitch('C', toneBlocks(heardByC.samples, heardByC.rate, tones), 600);
      const wav = channels(lab, rec.params.RecordingID);
      assertSwitch('recording, left (A)', toneBlocks(wav.left, wav.rate, tones), 600, undefined, 3000);
      // Right: B echoing A, then C; before the fix the file ended with B's leg.
      assertSwitch('recording, right (B, then C)', toneBlocks(wav.right, wav.rate, tones), 1400, 600);
    });
  });

  test("blind transfer by the caller: B and C hear each other, and the recording follows A's channel to C", async () => {
    await withLogs(async () => {
      const b = await phone('bob', 1000);
      const c = await phone('carl', 1400);
      const n = lab.hooks.requestsTo('/recorded').length;
      lab.hooks.xml('/answer', recordedDial(b.sipUri));
      // A echoes B for 1.5 s, then REFERs to C; Patchbay puts C in A's place and hangs up A.
      const a = await sippTransferor('uac-refer-until-final.xml', {
        referTo: c.sipUri,
        pauseMs: 1500,
        remote: lab.sip,
        service: '5557002',
      });
      await b.waitEvent('CALL_ESTABLISHED', 8000);
      await c.waitEvent('CALL_ESTABLISHED', 10_000);
      await ok(a.run, 'A (REFER, NOTIFYs up to 200, then BYE)');
      await sleep(3000);
      await b.hangup();
      await c.waitEvent('CALL_CLOSED', 5000);
      const rec = await lab.hooks.waitFor('/recorded', { count: n + 1 });
      await lab.assertIdle();
      await Promise.all([b.stop(), c.stop()]);
      const tones = [1000, 1400];
      const heardByB = received(b);
      assertSwitch('B', toneBlocks(heardByB.samples, heardByB.rate, tones), 1400, 1000);
      const heardByC = received(c);
      assertSwitch('C', toneBlocks(heardByC.samples, heardByC.rate, tones), 1000);
      const wav = channels(lab, rec.params.RecordingID);
      assertSwitch('recording, left (A, then C)', toneBlocks(wav.left, wav.rate, tones), 1400, 1000);
      assertSwitch('recording, right (B)', toneBlocks(wav.right, wav.rate, tones), 1000, undefined, 3000);
    });
  });

  test('a transferred-in callee transfers again: B to C, then C to D; A ends up hearing D', async () => {
    await withLogs(async () => {
      const a = await phone('ann', 600);
      const d = await phone('dave', 1400);
      // C (a SIPp transferor too) answers B's transfer, echoes A for 1 s, then REFERs to D.
      const c = await sippTransferor('uas-refer-until-final.xml', { referTo: d.sipUri, pauseMs: 1000 });
      const b = await sippTransferor('uas-refer-until-final.xml', { referTo: c.uri, pauseMs: 1000 });
      lab.hooks.xml('/answer', doc(`<Dial action="${lab.hooks.url('/after')}"><User>${b.uri}</User></Dial>`));
      await a.dial(`sip:5557005@${lab.sip}`);
      await a.waitEvent('CALL_ESTABLISHED', 8000);
      await ok(b.run, 'B (REFER to C)');
      await ok(c.run, 'C (answers, REFER to D)');
      await d.waitEvent('CALL_ESTABLISHED', 5000);
      await sleep(2500);
      await a.hangup();
      await d.waitEvent('CALL_CLOSED', 5000);
      await lab.assertIdle();
      await Promise.all([a.stop(), d.stop()]);
      const tones = [600, 1400];
      const heardByA = received(a);
      assertSwitch('A', toneBlocks(heardByA.samples, heardByA.rate, tones), 1400, 600);
      const heardByD = received(d);
      assertSwitch('D', toneBlocks(heardByD.samples, heardByD.rate, tones), 600);
    });
  });

  test('attended transfer with Replaces between two calls here: the two far parties hear each other', async () => {
    await withLogs(async () => {
      const p1 = await phone('pat', 700);
      const p2 = await phone('quinn', 1100);
      /** Patchbay's UA as the transferor X: calls in, and says `hz` on that call. */
      const callIn = async (user: string, target: Baresip, hz: number) => {
        lab.hooks.xml(
          '/answer',
          doc(`<Dial action="${lab.hooks.url('/after')}"><User>${target.sipUri}</User></Dial>`),
        );
        const call = await callWithMedia(ua, engine, `sip:${user}@${lab.sip}`);
        endpoints.push(call.endpoint);
        call.endpoint.play([{ kind: 'pcm', samples: sine(hz, 8000, 8000 * 20, 8000) }]);
        return call.dialog;
      };
      const d1 = await callIn('5557003', p1, 1500);
      const d2 = await callIn('5557004', p2, 1900);
      await Promise.all([p1.waitEvent('CALL_ESTABLISHED', 8000), p2.waitEvent('CALL_ESTABLISHED', 8000)]);
      // Each phone hears X for a while first.
      await sleep(1500);
      const gone = (d: Dialog) => new Promise((r) => d.once('destroy', r));
      const released = Promise.all([gone(d1), gone(d2)]);
      const replaces = formatReplaces({
        callId: d2.callId,
        toTag: d2.remoteTag,
        fromTag: d2.localTag,
        earlyOnly: false,
      });
      const outcome = await sendRefer(d1, {
        referTo: `<sip:5557004@${lab.sip}?Replaces=${encodeURIComponent(replaces)}>`,
        timeoutMs: 5000,
      });
      assert.equal(outcome.result, 'completed');
      await released;
      await sleep(3000);
      await p1.hangup();
      await p2.waitEvent('CALL_CLOSED', 5000);
      await lab.assertIdle();
      await Promise.all([p1.stop(), p2.stop()]);
      const tones = [700, 1100, 1500, 1900];
      const heardBy1 = received(p1);
      assertSwitch('P1', toneBlocks(heardBy1.samples, heardBy1.rate, tones), 1100, 1500);
      const heardBy2 = received(p2);
      assertSwitch('P2', toneBlocks(heardBy2.samples, heardBy2.rate, tones), 700, 1900);
    });
  });
});
