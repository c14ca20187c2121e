/**
 * The media bridge between two real softphones. Patchbay's UA calls two baresip instances
 * on loopback, alice (her microphone: a 600 Hz tone) and bob (1000 Hz), both answering by
 * themselves, then bridges the two endpoints. Each baresip records what it decoded; each
 * must have heard the other's tone, not its own. Needs baresip (Debian package
 * baresip-core) and sox; skipped with the reason shown when they are missing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseWav } from '../../../src/media/audio/wav.ts';
import { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import type { MediaBridge } from '../../../src/media/media-engine.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { dominantFrequency, rms, toneAmplitude } from '../../helpers/audio.ts';
import { type Baresip, baresipSkipReason, startBaresip } from '../../helpers/baresip.ts';
import { answerIncoming, callOut, type MediaCall, rtpRange } from '../../helpers/media-call.ts';
import { loopbackOnly, waitUntil } from '../../helpers/test-uas.ts';

const ALICE_HZ = 600;
const BOB_HZ = 1000;
/** How long the bridge carries audio before the hangup. */
const TALK_MS = 3000;
/** A 20 ms frame counts as audio above this RMS (the tones are at half scale, about 11600). */
const ACTIVE_RMS = 1000;

interface Scene {
  alice: Baresip;
  bob: Baresip;
  engine: LocalMediaEngine;
  aliceLeg: MediaCall;
  bobLeg: MediaCall;
  bridge: MediaBridge;
}

interface SceneOptions {
  /** bob's audio_codecs; PCMU by default. */
  bobCodecs?: Array<'pcmu' | 'pcma'>;
  /** alice calls Patchbay (answered with answerIncoming) and hangs up herself; else Patchbay calls her and hangs up. */
  aliceCallsIn?: boolean;
}

/**
 * Starts both softphones, sets up both legs, bridges, runs `body`, hangs up, checks that
 * nothing is left in the engine, stops the phones and checks what each one heard. The
 * baresip logs are added to any failure.
 */
async function withBridge(opts: SceneOptions, body: (s: Scene) => Promise<void>): Promise<void> {
  const started = await Promise.allSettled([
    startBaresip({ name: 'alice', answer: 'auto', micTone: { freq: ALICE_HZ, seconds: 8 } }),
    startBaresip({
      name: 'bob',
      answer: 'auto',
      micTone: { freq: BOB_HZ, seconds: 8 },
      codecs: opts.bobCodecs,
    }),
  ]);
  const [alice, bob] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  if (!alice || !bob) {
    await Promise.all([alice?.cleanup(), bob?.cleanup()]);
    throw started.find((r) => r.status === 'rejected')?.reason;
  }
  const ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
  const engine = new LocalMediaEngine({ ports: rtpRange(), address: '127.0.0.1' });
  try {
    let aliceLeg: MediaCall;
    if (opts.aliceCallsIn) {
      const incoming = answerIncoming(ua, engine);
      await alice.dial(`sip:patchbay@127.0.0.1:${ua.listening[0].port}`);
      aliceLeg = await incoming;
    } else {
      aliceLeg = await callOut(ua, engine, alice.sipUri);
    }
    const bobLeg = await callOut(ua, engine, bob.sipUri);
    await Promise.all([alice.waitEvent('CALL_ESTABLISHED', 2000), bob.waitEvent('CALL_ESTABLISHED', 2000)]);
    const bridge = engine.bridge(aliceLeg.endpoint, bobLeg.endpoint);
    await body({ alice, bob, engine, aliceLeg, bobLeg, bridge });
    if (opts.aliceCallsIn) {
      // As a B2BUA would: alice's BYE ends her leg (its endpoint closes with it), then bob's.
      await alice.hangup();
      await waitUntil(() => aliceLeg.endpoint.closed, 3000, "alice's BYE to close her endpoint");
      await bobLeg.hangup();
    } else {
      await Promise.all([aliceLeg.hangup(), bobLeg.hangup()]);
    }
    await Promise.all([alice.waitEvent('CALL_CLOSED', 3000), bob.waitEvent('CALL_CLOSED', 3000)]);
    // An endpoint closed by the peer's BYE releases its ports a moment after the 'destroy' event.
    await waitUntil(() => engine.stats().portsInUse === 0, 1000, 'the RTP ports to be released');
    const stats = engine.stats();
    assert.equal(stats.portsInUse, 0, 'every RTP port is released after the hangup');
    assert.equal(stats.endpoints, 0);
    assert.equal(stats.bridges, 0, 'closing an endpoint destroys its bridge');
    // sndfile completes its WAV files when the audio stream ends; reading after the exit is safe.
    await Promise.all([alice.stop(), bob.stop()]);
    assertHeardTheOther(alice, BOB_HZ, ALICE_HZ);
    assertHeardTheOther(bob, ALICE_HZ, BOB_HZ);
  } catch (err) {
    if (err instanceof Error)
      err.message += `\n--- alice ---\n${alice.logTail()}\n--- bob ---\n${bob.logTail()}`;
    throw err;
  } finally {
    await engine.close();
    await ua.close();
    await Promise.all([alice.cleanup(), bob.cleanup()]);
  }
}

interface Heard {
  /** Seconds of audio frames above ACTIVE_RMS. */
  activeSeconds: number;
  rms: number;
  /** The strongest frequency between the first and last active frame. */
  frequency: number;
  /** Amplitude of the expected tone and of the phone's own tone over the same span. */
  expected: number;
  own: number;
}

/** What a softphone decoded from the call (sndfile's -dec.wav). */
function heard(phone: Baresip, expectedHz: number, ownHz: number): Heard {
  const path = phone.recordings().received;
  assert.ok(path, `${phone.name} has a recording of what it received`);
  const wav = parseWav(readFileSync(path));
  assert.equal(wav.channels, 1);
  const rate = wav.sampleRate;
  const frame = Math.round(rate / 50);
  let first = -1;
  let last = -1;
  let active = 0;
  for (let at = 0; at + frame <= wav.samples.length; at += frame) {
    if (rms(wav.samples, at, at + frame) > ACTIVE_RMS) {
      if (first < 0) first = at;
      last = at + frame;
      active++;
    }
  }
  assert.ok(active > 0, `${phone.name} received only silence (${wav.samples.length} samples)`);
  const span = wav.samples.subarray(first, last);
  return {
    activeSeconds: active / 50,
    rms: rms(span),
    frequency: dominantFrequency(span, rate),
    expected: toneAmplitude(span, rate, expectedHz),
    own: toneAmplitude(span, rate, ownHz),
  };
}

/** Each phone heard the other's tone for most of the call, loud, and not its own tone back. */
function assertHeardTheOther(phone: Baresip, expectedHz: number, ownHz: number): void {
  const h = heard(phone, expectedHz, ownHz);
  const what = `${phone.name}: ${JSON.stringify(h)}`;
  assert.ok(h.activeSeconds >= 2, `at least 2 s of audio, ${what}`);
  assert.ok(
    Math.abs(h.frequency - expectedHz) <= expectedHz * 0.03,
    `dominant frequency ${expectedHz} Hz +-3 %, ${what}`,
  );
  assert.ok(h.rms > 3000, `well above silence, ${what}`);
  assert.ok(h.own < h.expected / 10, `its own tone does not come back, ${what}`);
}

// Each test shows the reason when skipped (and counts as skipped).
const skip = baresipSkipReason();

describe('media bridge between two baresip softphones', () => {
  test('PCMU on both legs: packets relayed, each phone hears the other', { skip }, async () => {
    await withBridge({}, async ({ aliceLeg, bobLeg, bridge }) => {
      assert.equal(aliceLeg.negotiated.codec, 'PCMU');
      assert.equal(bobLeg.negotiated.codec, 'PCMU');
      assert.equal(bridge.relaying, true, 'same codec both ways: relayed without decoding');
      await sleep(TALK_MS);
    });
  });

  test('PCMU to alice, PCMA to bob: the bridge transcodes and audio passes both ways', { skip }, async () => {
    await withBridge({ bobCodecs: ['pcma'] }, async ({ aliceLeg, bobLeg, bridge }) => {
      assert.equal(aliceLeg.negotiated.codec, 'PCMU');
      assert.equal(bobLeg.negotiated.codec, 'PCMA');
      assert.equal(bridge.relaying, false, 'different codecs: decoded and re-encoded');
      await sleep(TALK_MS);
    });
  });

  test('RFC 4733 digits from alice reach bob through the bridge', { skip }, async () => {
    let receiver: Baresip | undefined;
    await withBridge({}, async ({ alice, bob, aliceLeg }) => {
      receiver = bob;
      const seenByPatchbay: string[] = [];
      aliceLeg.endpoint.onDtmf((e) => seenByPatchbay.push(e.digit));
      // Let audio flow first: the relay of events follows the relay of alice's stream.
      await sleep(1000);
      await alice.sendDtmf('123#');
      let digits = '';
      for (let i = 0; i < 4; i++) digits += (await bob.waitEvent('CALL_DTMF_START', 3000)).param ?? '?';
      assert.equal(digits, '123#', 'bob reports each digit as it starts');
      // Patchbay's receiver reports a digit at its end, after bob saw it start.
      await waitUntil(() => seenByPatchbay.length >= 4, 2000, "the end of alice's last digit");
      assert.deepEqual(seenByPatchbay, ['1', '2', '3', '#'], 'the bridged endpoint reports the digits too');
      await sleep(1000);
    });
    // Its log is complete once it has exited (stdout to a pipe is block-buffered).
    assert.ok(receiver);
    assert.equal(
      receiver.receivedDigits(),
      '123#',
      `bob logs each telephone-event once\n${receiver.logTail()}`,
    );
  });

  test('alice calls in, Patchbay calls bob and bridges; alice hangs up', { skip }, async () => {
    await withBridge({ aliceCallsIn: true }, async ({ aliceLeg, bobLeg, bridge }) => {
      assert.equal(aliceLeg.dialog.role, 'uas');
      assert.equal(aliceLeg.negotiated.codec, 'PCMU');
      assert.equal(bobLeg.negotiated.codec, 'PCMU');
      assert.equal(bridge.relaying, true);
      await sleep(TALK_MS);
    });
  });
});
