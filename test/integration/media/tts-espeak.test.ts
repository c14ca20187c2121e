import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EspeakTtsProvider, type TtsError } from '../../../src/media/source/tts.ts';

// Real espeak-ng (Debian package espeak-ng). Skipped, with the reason shown, when absent.
const probe = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : 'espeak-ng is not installed (apt-get install espeak-ng)';

const root = mkdtempSync(join(tmpdir(), 'patchbay-tts-espeak-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
function provider(extra: { maxTextLength?: number } = {}): EspeakTtsProvider {
  return new EspeakTtsProvider({ cacheDir: join(root, `c${++seq}`), ...extra });
}

interface Wav {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  samples: Int16Array;
  seconds: number;
}

/** RIFF/WAVE parsed by hand: walks the chunks to fmt and data. */
function parseWav(buf: Buffer): Wav {
  assert.equal(buf.toString('ascii', 0, 4), 'RIFF');
  assert.equal(buf.toString('ascii', 8, 12), 'WAVE');
  let fmt: Omit<Wav, 'samples' | 'seconds'> | undefined;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      assert.ok(fmt, 'fmt chunk before data');
      // espeak-ng writing to a file fills in the real size; cap at what is there anyway.
      const len = Math.min(size, buf.length - body) & ~1;
      const samples = new Int16Array(len / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(body + i * 2);
      return { ...fmt, samples, seconds: samples.length / fmt.sampleRate };
    }
    off = body + size + (size & 1);
  }
  assert.fail('no data chunk');
}

function peak(s: Int16Array): number {
  let max = 0;
  for (const v of s) max = Math.max(max, Math.abs(v));
  return max;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

test('"Hello from Patchbay" en-US WOMAN and MAN: valid 22050 Hz 16-bit mono WAVs, different voices', {
  skip,
}, async () => {
  const tts = provider();
  const woman = await tts.synthesize({ text: 'Hello from Patchbay', voice: 'WOMAN', language: 'en-US' });
  const man = await tts.synthesize({ text: 'Hello from Patchbay', voice: 'MAN', language: 'en-US' });
  assert.notEqual(woman.file, man.file);
  const w = parseWav(readFileSync(woman.file));
  const m = parseWav(readFileSync(man.file));
  for (const wav of [w, m]) {
    assert.equal(wav.format, 1, 'PCM');
    assert.equal(wav.channels, 1);
    assert.equal(wav.sampleRate, 22050);
    assert.equal(wav.bitsPerSample, 16);
    assert.ok(wav.seconds >= 0.5 && wav.seconds <= 4, `duration ${wav.seconds} s`);
    assert.ok(peak(wav.samples) > 1000, 'audible, not silence');
  }
  assert.notDeepEqual(w.samples, m.samples, 'WOMAN and MAN differ');
});

test('a second identical call is a cache hit, and faster', { skip }, async () => {
  const tts = provider();
  const [first, t1] = await timed(() => tts.synthesize({ text: 'Cache me if you can' }));
  const [second, t2] = await timed(() => tts.synthesize({ text: 'Cache me if you can' }));
  assert.equal(first.cached, false);
  assert.equal(second.cached, true);
  assert.equal(second.file, first.file);
  assert.ok(t2 < t1, `hit ${t2} ms vs synthesis ${t1} ms`);
  assert.equal(tts.stats.spawned, 1);
});

test('two concurrent identical calls spawn espeak-ng once', { skip }, async () => {
  const tts = provider();
  const [a, b] = await Promise.all([
    tts.synthesize({ text: 'Only once, please' }),
    tts.synthesize({ text: 'Only once, please' }),
  ]);
  assert.equal(a.file, b.file);
  assert.equal(tts.stats.spawned, 1);
});

test('de-DE and pt-PT (which has only MAN) work', { skip }, async () => {
  const tts = provider();
  const de = await tts.synthesize({ text: 'Guten Tag, wie geht es Ihnen?', language: 'de-DE' });
  const pt = await tts.synthesize({ text: 'Bom dia, como está?', voice: 'WOMAN', language: 'pt-PT' });
  const ptMan = await tts.synthesize({ text: 'Bom dia, como está?', voice: 'MAN', language: 'pt-PT' });
  for (const r of [de, pt]) {
    const wav = parseWav(readFileSync(r.file));
    assert.ok(wav.seconds >= 0.5 && wav.seconds <= 4, `duration ${wav.seconds} s`);
    assert.ok(peak(wav.samples) > 1000);
  }
  assert.equal(ptMan.file, pt.file, 'pt-PT WOMAN fell back to MAN: the same audio');
  assert.equal(ptMan.cached, true);
});

test('SSML: a 500 ms <break/> makes the audio longer', { skip }, async () => {
  const tts = provider();
  const withBreak = await tts.synthesize({ text: '<speak>Hello <break time="500ms"/> world</speak>' });
  const without = await tts.synthesize({ text: '<speak>Hello world</speak>' });
  const a = parseWav(readFileSync(withBreak.file)).seconds;
  const b = parseWav(readFileSync(without.file)).seconds;
  assert.ok(a - b > 0.3, `with break ${a} s, without ${b} s`);
});

/** PIDs of running processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test('abort kills the running espeak-ng', { skip }, async () => {
  const tts = provider({ maxTextLength: 100_000 });
  const cacheDir = join(root, `c${seq}`);
  const text = 'This sentence is long enough to keep the synthesizer busy for a while. '.repeat(1000);
  const ac = new AbortController();
  const p = tts.synthesize({ text }, ac.signal);
  for (let i = 0; i < 500 && processesMentioning(cacheDir).length === 0; i++) await sleep(2);
  assert.equal(processesMentioning(cacheDir).length, 1, 'espeak-ng is running');
  ac.abort();
  let code: string | undefined;
  await p.catch((err: TtsError) => {
    code = err.code;
  });
  assert.equal(code, 'TTS_ABORTED');
  for (let i = 0; i < 100 && tts.load.running > 0; i++) await sleep(10);
  assert.deepEqual(processesMentioning(cacheDir), [], 'no espeak-ng left');
  assert.deepEqual(readdirSync(cacheDir), [], 'neither a cached file nor a temporary one');
});
