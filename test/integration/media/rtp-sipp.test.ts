import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { parseWav } from '../../../src/media/audio/wav.ts';
import type { DtmfEvent } from '../../../src/media/dtmf/types.ts';
import type { LocalEndpoint } from '../../../src/media/local/local-endpoint.ts';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import {
  answerWithMedia,
  assertRangeFree,
  bestCorrelation,
  callWithMedia,
  pcapAudio,
  sweep,
  testEngine,
} from '../../helpers/media-lab.ts';
import { freePort, runSipp } from '../../helpers/sipp.ts';

const SIPP_PCAPS = '/usr/share/sip-tester';
const isRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('media engine against SIPp RTP', () => {
  let dir: string;
  let ua: UserAgent;
  let engine: LocalMediaEngine;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-media-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  let open = false;

  async function setUp(): Promise<void> {
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'] });
    engine = testEngine();
    open = true;
  }

  /** setUp with the UA on a known port, for SIPp to call; returns the port. */
  async function setUpCallee(): Promise<number> {
    const port = await freePort();
    ua = await UserAgent.start({ listen: [`udp:127.0.0.1:${port}`] });
    engine = testEngine();
    open = true;
    return port;
  }

  /** Runs a SIPp caller scenario against our UA, with its media on loopback. */
  async function sippCalls(scenario: string, port: number, timeoutSec?: number) {
    return runSipp({
      scenario,
      remote: `127.0.0.1:${port}`,
      port: await freePort(),
      ...(timeoutSec ? { timeoutSec } : {}),
      extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2))],
    }).done;
  }

  // A failed assertion must not leave sockets open: the file would never exit.
  afterEach(async () => {
    if (!open) return;
    open = false;
    await engine.close();
    await ua.close();
  });

  async function tearDown(): Promise<void> {
    open = false;
    const range = engine.ports;
    await engine.close();
    await ua.close();
    assert.equal(engine.stats().portsInUse, 0);
    await assertRangeFree(range);
  }

  test('a clip played to SIPp -rtp_echo comes back whole, and the recording has the wall-clock length', async () => {
    await setUp();
    const sipPort = await freePort();
    const mediaPort = 2 * Math.floor((await freePort()) / 2);
    const sipp = runSipp({
      scenario: 'uas-answer.xml',
      port: sipPort,
      extra: ['-mi', '127.0.0.1', '-mp', String(mediaPort), '-rtp_echo'],
    });
    await sipp.ready;
    const { dialog, endpoint, media } = await callWithMedia(ua, engine, `sip:echo@127.0.0.1:${sipPort}`);
    assert.equal(media.remote.port, mediaPort);

    const file = join(dir, 'echo.wav');
    const rec = await engine.record({ file, inputs: [engine.input(endpoint, 'in')] });
    const arrivals: number[] = [];
    endpoint.onAudio('in', (_pcm, at) => arrivals.push(at));
    const source = sweep(1500);
    const started = performance.now();
    const played = await endpoint.play([{ kind: 'pcm', samples: source }]).done;
    assert.equal(played.reason, 'finished');
    assert.equal(played.playedMs, 1500);
    await sleep(400);
    const result = await rec.stop();
    const elapsed = performance.now() - started;
    await dialog.destroy();
    assert.equal((await sipp.done).code, 0);

    const wav = parseWav(readFileSync(file));
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.channels, 1);
    assert.equal(result.durationMs, (wav.samples.length / 8000) * 1000);
    // The file is as long as the time it recorded (one 20 ms period either way).
    assert.ok(
      Math.abs(result.durationMs - elapsed) <= 60,
      `${result.durationMs} ms recorded in ${elapsed} ms`,
    );
    // Through G.711 twice and back: the sweep is found intact at a small lag.
    const { lag, r } = bestCorrelation(wav.samples, source, 4000);
    assert.ok(r > 0.95, `correlation ${r.toFixed(3)} at lag ${lag}`);
    assert.ok(lag < 1600, `echo arrived ${lag / 8} ms late`);
    // The echo kept our 20 ms pacing: the middle 90 % of inter-arrival gaps lie within 20 +- 2 ms.
    const gaps = arrivals
      .slice(1)
      .map((t, i) => t - (arrivals[i] as number))
      .sort((a, b) => a - b);
    const lo = gaps[Math.floor(gaps.length * 0.05)] as number;
    const hi = gaps[Math.floor(gaps.length * 0.95)] as number;
    assert.ok(lo >= 18 && hi <= 22, `echo gaps p5 ${lo.toFixed(2)} p95 ${hi.toFixed(2)}`);
    const stats = endpoint.stats();
    assert.ok(stats.packetsSent >= 75, `sent ${stats.packetsSent}`);
    assert.ok(stats.packetsReceived >= 75, `received ${stats.packetsReceived}`);
    assert.equal(stats.packetsLost, 0);
    await tearDown();
  });

  test("each digit of SIPp's RFC 2833 pcaps is reported exactly once", {
    skip: !isRoot || !existsSync(SIPP_PCAPS) ? 'play_pcap_audio needs root and the sip-tester pcaps' : false,
  }, async () => {
    const port = await setUpCallee();
    const digits: DtmfEvent[] = [];
    let call: { endpoint: LocalEndpoint } | undefined;
    answerWithMedia(ua, engine, (c) => {
      call = c;
      c.endpoint.onDtmf((e) => digits.push(e));
    });
    const r = await sippCalls('uac-dtmf-pcaps.xml', port);
    assert.equal(r.code, 0, r.errors);
    assert.ok(call, 'the call was answered');
    await sleep(100);
    assert.equal(digits.map((d) => d.digit).join(''), '1234567890*#');
    for (const d of digits) {
      assert.equal(d.source, 'rfc4733');
      // The pcaps' events last 2240 timestamp units (280 ms at 8 kHz) with volume 10.
      assert.equal(d.volume, 10);
      assert.ok(d.durationMs > 100 && d.durationMs < 400, `duration ${d.durationMs}`);
    }
    const times = digits.map((d) => d.atMs);
    assert.ok(times.every((t, i) => i === 0 || t > (times[i - 1] as number)));
    await tearDown();
  });

  test("SIPp's PCMA pcap (30 ms packets) is received and recorded as it was sent", {
    skip: !isRoot || !existsSync(SIPP_PCAPS) ? 'play_pcap_audio needs root and the sip-tester pcaps' : false,
  }, async () => {
    const port = await setUpCallee();
    const file = join(dir, 'pcma.wav');
    let recording: Promise<unknown> | undefined;
    answerWithMedia(ua, engine, (c) => {
      assert.equal(c.media.codec, 'PCMA');
      recording = engine.record({ file, inputs: [engine.input(c.endpoint, 'in')] }).then((rec) => rec.done);
    });
    const r = await sippCalls('uac-play-pcma.xml', port, 20);
    assert.equal(r.code, 0, r.errors);
    await tearDown();
    await recording;
    const wav = parseWav(readFileSync(file));
    const seconds = wav.samples.length / 8000;
    // 7.05 s of audio within a 7.6 s call; the recording ends with the call (BYE -> close).
    assert.ok(seconds > 7 && seconds < 8.5, `${seconds} s`);
    const ref = pcapAudio(join(SIPP_PCAPS, 'g711a.pcap'));
    const probe = ref.subarray(8000, 8000 * 3);
    const { r: corr } = bestCorrelation(wav.samples, probe, 8000 * 2);
    assert.ok(corr > 0.95, `correlation with the pcap's own audio ${corr.toFixed(3)}`);
  });
});
