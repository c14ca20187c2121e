/**
 * MediaLoader: every kind of PlayItem to 8 kHz mono audio, the decoded-clip cache, and how
 * load errors surface (a rejected load, a playback that ends with 'error').
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import { Mp3Encoder } from '@breezystack/lamejs';
import { AudioDecodeError, decodeAudio } from '../../../../src/media/audio/decode.ts';
import { encodeWav } from '../../../../src/media/audio/wav.ts';
import { LocalMediaEngine } from '../../../../src/media/local/local-engine.ts';
import { MediaLoader } from '../../../../src/media/local/media-loader.ts';
import { type AudioSource, ClipSource } from '../../../../src/media/play/audio-source.ts';
import { MediaFetcher } from '../../../../src/media/source/media-fetcher.ts';
import { EspeakTtsProvider, type TtsProvider, type TtsRequest } from '../../../../src/media/source/tts.ts';
import { interleave, rms, sine, toneAmplitude, zeroCrossingFrequency } from '../../../helpers/audio.ts';
import { assertRangeFree, mediaTo, RtpPeer, randomRtpRange, sleep } from '../../../helpers/media-lab.ts';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-loader-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const path = (name: string) => join(dir, `${++n}-${name}`);

const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;

/** Everything a source plays, frame by frame, up to `max` samples (endless sources stop there). */
function drain(source: AudioSource, max = 8000 * 10): Int16Array {
  const frame = new Int16Array(160);
  const parts: Int16Array[] = [];
  let total = 0;
  while (total < max) {
    const got = source.read(frame);
    parts.push(frame.slice(0, got));
    total += got;
    if (got < frame.length) break;
  }
  const out = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const samplesOf = (s: AudioSource) => {
  assert.ok(s instanceof ClipSource, 'a decoded clip');
  return s.samples;
};

/** An MP3 of `pcm` made with lamejs, mono. */
function mp3(pcm: Int16Array, rate: number, kbps: number): Buffer {
  const encoder = new Mp3Encoder(1, rate, kbps);
  const parts: Buffer[] = [];
  for (let i = 0; i < pcm.length; i += 1152)
    parts.push(Buffer.from(encoder.encodeBuffer(pcm.subarray(i, i + 1152))));
  parts.push(Buffer.from(encoder.flush()));
  return Buffer.concat(parts);
}

/** An HTTP server on 127.0.0.1 (port from the OS): `/<name>` serves `files[name]`, anything else is 404. */
async function serve(
  t: TestContext,
  files: Record<string, Buffer>,
): Promise<{ url: (p: string) => string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = files[(req.url ?? '').slice(1)];
    if (body) res.writeHead(200, { 'content-type': 'audio/wav', 'cache-control': 'max-age=60' }).end(body);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('no such prompt');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: (p) => `http://127.0.0.1:${port}/${p}`, hits };
}

/** A TTS provider that "speaks" a 700 Hz tone as long as the text, and remembers what it was asked. */
class FakeTts implements TtsProvider {
  readonly name = 'fake';
  readonly requests: TtsRequest[] = [];

  async synthesize(req: TtsRequest): Promise<{ file: string; cached: boolean }> {
    this.requests.push(req);
    const file = join(dir, `tts-${Buffer.from(req.text).toString('hex')}.wav`);
    writeFileSync(file, encodeWav(sine(700, 16000, 16000 * 0.05 * req.text.length, 9000), 16000));
    return { file, cached: false };
  }
}

describe('MediaLoader', () => {
  test('pcm, silence and tones', async () => {
    const loader = new MediaLoader({});
    const pcm = sine(300, 8000, 1000);
    assert.deepEqual(drain(await loader.load({ kind: 'pcm', samples: pcm })), pcm);

    const silence = drain(await loader.load({ kind: 'silence', durationMs: 130 }));
    assert.equal(silence.length, 1040);
    assert.ok(silence.every((v) => v === 0));

    // The beep: 1000 Hz for 500 ms at -13 dBov.
    const beepSource = await loader.load({ kind: 'tone', tone: 'beep' });
    const beep = drain(beepSource);
    assert.equal(beep.length, 4000);
    assert.ok(Math.abs(zeroCrossingFrequency(beep, 8000) - 1000) < 1);
    assert.ok(Math.abs(toneAmplitude(beep, 8000, 1000) - 32767 * 10 ** (-13 / 20)) < 100);
    assert.ok(beepSource.rewind(), 'a tone replays (for loops)');
    assert.deepEqual(drain(beepSource), beep);

    const busy = drain(await loader.load({ kind: 'tone', tone: 'busy', durationMs: 300 }));
    assert.equal(busy.length, 2400);
    assert.ok(toneAmplitude(busy, 8000, 480) > 5000 && toneAmplitude(busy, 8000, 620) > 5000);
    // Ringback has no end of its own.
    assert.equal(drain(await loader.load({ kind: 'tone', tone: 'ringback' }), 8000 * 3).length, 8000 * 3);
  });

  test('files: WAV (16 kHz stereo, to 8 kHz mono) and MP3 (lamejs)', async () => {
    const loader = new MediaLoader({});
    const wavFile = path('prompt.wav');
    const left = sine(440, 16000, 16000, 8000);
    writeFileSync(wavFile, encodeWav(interleave(left, left), 16000, 2));
    const wav = drain(await loader.load({ kind: 'file', path: wavFile }));
    assert.equal(wav.length, 8000);
    assert.ok(Math.abs(zeroCrossingFrequency(wav.subarray(400, 7600), 8000) - 440) < 1);
    assert.ok(Math.abs(rms(wav, 400, 7600) - 8000 / Math.SQRT2) < 200);

    const mp3File = path('prompt.mp3');
    writeFileSync(mp3File, mp3(sine(440, 16000, 16000, 8000), 16000, 32));
    const decoded = drain(await loader.load({ kind: 'file', path: mp3File }));
    // One second, plus the encoder's and decoder's delay (about 1105 samples at 16 kHz).
    assert.ok(decoded.length >= 8000 && decoded.length <= 8000 + 1200, `${decoded.length} samples`);
    const mid = decoded.subarray(2000, 7000);
    assert.ok(Math.abs(zeroCrossingFrequency(mid, 8000) - 440) < 3);
    assert.ok(rms(mid) > 8000 / Math.SQRT2 / 2);
  });

  test('url: a WAV from a local HTTP server through MediaFetcher', async (t) => {
    const body = encodeWav(sine(600, 8000, 4000, 5000), 8000);
    const server = await serve(t, { 'hello.wav': body });
    const loader = new MediaLoader({ fetcher: new MediaFetcher({ cacheDir: path('fetch') }) });
    const got = samplesOf(await loader.load({ kind: 'url', url: server.url('hello.wav') }));
    assert.deepEqual(got, await decodeAudio(body));
    // Fresh in the fetcher's cache (max-age) and in the loader's: no request, no decoding.
    const again = samplesOf(await loader.load({ kind: 'url', url: server.url('hello.wav') }));
    assert.ok(again === got, 'decoded again');
    assert.deepEqual(server.hits, ['/hello.wav']);
    await assert.rejects(loader.load({ kind: 'url', url: server.url('missing.wav') }), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal((err as { code?: string }).code, 'FETCH_HTTP_STATUS');
      assert.equal((err as { status?: number }).status, 404);
      assert.match(err.message, /404/);
      return true;
    });
  });

  test('speak: the provider gets text, voice and language; its WAV is decoded', async () => {
    const tts = new FakeTts();
    const loader = new MediaLoader({ tts });
    const clip = drain(await loader.load({ kind: 'speak', text: 'Hallo', voice: 'MAN', language: 'de-DE' }));
    assert.deepEqual(tts.requests, [{ text: 'Hallo', voice: 'MAN', language: 'de-DE' }]);
    // 5 characters x 50 ms, resampled to 8 kHz.
    assert.equal(clip.length, 2000);
    assert.ok(Math.abs(zeroCrossingFrequency(clip.subarray(200, 1800), 8000) - 700) < 2);
  });

  test('speak with the real espeak-ng', {
    skip: hasEspeak ? false : 'espeak-ng is not installed',
  }, async () => {
    const loader = new MediaLoader({ tts: new EspeakTtsProvider({ cacheDir: path('espeak') }) });
    const clip = drain(await loader.load({ kind: 'speak', text: 'Your call is important to us.' }));
    assert.ok(clip.length > 8000 && clip.length < 8000 * 6, `${clip.length / 8000} s of speech`);
    assert.ok(rms(clip) > 500, `speech level ${rms(clip).toFixed(0)}`);
  });

  test('the decoded-clip cache: a file is decoded once, again when it changes; least recently used out first', async () => {
    const loader = new MediaLoader({ maxCachedSamples: 12_000 });
    const a = path('a.wav');
    const b = path('b.wav');
    writeFileSync(a, encodeWav(sine(400, 8000, 8000), 8000));
    writeFileSync(b, encodeWav(sine(800, 8000, 8000), 8000));
    const first = samplesOf(await loader.load({ kind: 'file', path: a }));
    const second = samplesOf(await loader.load({ kind: 'file', path: a }));
    assert.ok(first === second, 'the same file was decoded twice');
    // Two loads of one clip play independently.
    const [s1, s2] = [
      await loader.load({ kind: 'file', path: a }),
      await loader.load({ kind: 'file', path: a }),
    ];
    drain(s1);
    assert.equal(drain(s2).length, 8000);

    writeFileSync(a, encodeWav(sine(400, 8000, 4000), 8000));
    const changed = samplesOf(await loader.load({ kind: 'file', path: a }));
    assert.equal(changed.length, 4000, 'a changed file was served from the cache');

    // 4000 + 8000 samples fit in 12000; one more clip pushes out the least recently used.
    samplesOf(await loader.load({ kind: 'file', path: b }));
    const c = path('c.wav');
    writeFileSync(c, encodeWav(sine(1200, 8000, 4000), 8000));
    samplesOf(await loader.load({ kind: 'file', path: a })); // a is now more recent than b
    await loader.load({ kind: 'file', path: c });
    await sleep(0);
    assert.ok(
      samplesOf(await loader.load({ kind: 'file', path: a })) === changed,
      'a recent clip was evicted',
    );
    const bAgain = samplesOf(await loader.load({ kind: 'file', path: b }));
    assert.equal(bAgain.length, 8000);
  });

  test('load errors: a clear rejection', async () => {
    const loader = new MediaLoader({});
    const missing = path('missing.wav');
    await assert.rejects(loader.load({ kind: 'file', path: missing }), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'ENOENT');
      assert.ok((err as Error).message.includes(missing), (err as Error).message);
      return true;
    });
    const junk = path('junk.wav');
    writeFileSync(junk, Buffer.from('this is not audio at all, not even close'));
    await assert.rejects(loader.load({ kind: 'file', path: junk }), AudioDecodeError);
    await assert.rejects(loader.load({ kind: 'url', url: 'http://127.0.0.1:9/x.wav' }), {
      code: 'MEDIA_LOAD_FAILED',
      message: /no media fetcher/,
    });
    await assert.rejects(loader.load({ kind: 'speak', text: 'hi' }), {
      code: 'MEDIA_LOAD_FAILED',
      message: /text-to-speech/,
    });
  });

  test("a playback whose item fails to load ends with reason 'error'; the endpoint plays on", async (t) => {
    const server = await serve(t, {});
    const ports = randomRtpRange();
    const engine = new LocalMediaEngine({
      ports,
      address: '127.0.0.1',
      fetcher: new MediaFetcher({ cacheDir: path('fetch') }),
    });
    const peer = await RtpPeer.open();
    t.after(() => engine.close());
    t.after(() => peer.close());
    const ep = await engine.createEndpoint({ idleSilence: false });
    ep.configure(mediaTo(peer.port));

    const missingFile = await ep.play([{ kind: 'file', path: path('nowhere.wav') }]).done;
    assert.equal(missingFile.reason, 'error');
    assert.equal((missingFile.error as { code?: string }).code, 'ENOENT');
    assert.equal(missingFile.playedMs, 0);

    const notFound = await ep.play([
      { kind: 'pcm', samples: sine(500, 8000, 800) },
      { kind: 'url', url: server.url('gone.wav') },
    ]).done;
    assert.equal(notFound.reason, 'error');
    assert.equal(notFound.playedMs, 100, 'the first item played before the error');
    assert.equal((notFound.error as { status?: number }).status, 404);

    const fine = await ep.play([{ kind: 'pcm', samples: sine(500, 8000, 800) }]).done;
    assert.equal(fine.reason, 'finished');
    await sleep(30);
    assert.equal(peer.rtp.length, 10);
    await engine.close();
    await peer.close();
    await assertRangeFree(ports);
  });
});
