import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Mp3Encoder } from '@breezystack/lamejs';
import {
  AudioDecodeError,
  type AudioDecodeErrorCode,
  decodeAudio,
} from '../../../../src/media/audio/decode.ts';
import { encodeWav } from '../../../../src/media/audio/wav.ts';
import { db, interleave, rms, sine, toneAmplitude, zeroCrossingFrequency } from '../../../helpers/audio.ts';

const work = mkdtempSync(join(tmpdir(), 'patchbay-decode-'));
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * LAME's encoder delay (576) plus mpg123's decoder delay (529), in samples at the MP3's rate:
 * silence at the start of every MP3 that has no LAME info tag to announce it (lamejs writes
 * none; with one, mpg123 trims it). Durations are compared after taking it off.
 */
const MP3_CODEC_DELAY = 576 + 529;

function bytes(x: Uint8Array | Int8Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** An MP3 of `left` (and `right`) made with lamejs, fed in 1152-sample blocks like a file encoder. */
function mp3(rate: number, kbps: number, left: Int16Array, right?: Int16Array): Buffer {
  const encoder = new Mp3Encoder(right ? 2 : 1, rate, kbps);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < left.length; i += 1152) {
    const l = left.subarray(i, i + 1152);
    parts.push(bytes(right ? encoder.encodeBuffer(l, right.subarray(i, i + 1152)) : encoder.encodeBuffer(l)));
  }
  parts.push(bytes(encoder.flush()));
  return Buffer.concat(parts);
}

/** MPEG audio sample rate announced by the first frame header (MPEG-1 and MPEG-2 tables). */
function headerRate(file: Buffer): number {
  const mpeg1 = (file[1] >> 3) & 1;
  const index = (file[2] >> 2) & 3;
  return (mpeg1 ? [44100, 48000, 32000] : [22050, 24000, 16000])[index];
}

/** A minimal ID3v2.4 tag with one title frame. */
function id3Tag(): Buffer {
  const text = Buffer.from('\x03Test prompt', 'latin1');
  const frame = Buffer.concat([
    Buffer.from('TIT2', 'latin1'),
    Buffer.from([0, 0, 0, text.length, 0, 0]),
    text,
  ]);
  const padding = Buffer.alloc(100);
  const size = frame.length + padding.length;
  const header = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, (size >> 7) & 0x7f, size & 0x7f]);
  return Buffer.concat([header, frame, padding]);
}

async function decodeError(buf: Buffer, code: AudioDecodeErrorCode): Promise<AudioDecodeError> {
  try {
    await decodeAudio(buf);
  } catch (err) {
    assert.ok(err instanceof AudioDecodeError, `not an AudioDecodeError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail('expected an AudioDecodeError');
}

function assertTone(clip: Int16Array, rate: number, freq: number, amplitude: number, what: string): void {
  const mid = clip.subarray(Math.floor(clip.length / 4), Math.floor((clip.length * 3) / 4));
  const measured = zeroCrossingFrequency(mid, rate);
  assert.ok(Math.abs(measured / freq - 1) < 0.01, `${what}: ${measured.toFixed(1)} Hz`);
  const level = db(rms(mid), amplitude / Math.SQRT2);
  assert.ok(Math.abs(level) < 1, `${what}: level ${level.toFixed(2)} dB off`);
}

describe('decodeAudio: WAV', () => {
  test('every input rate, mono 16-bit, to 8000 Hz (default) and 16000 Hz: exact length, same tone', async () => {
    for (const rate of [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000]) {
      const file = encodeWav(sine(440, rate, rate, 10000), rate);
      const clip8 = await decodeAudio(file);
      assert.equal(clip8.length, 8000, `${rate} Hz`);
      assertTone(clip8, 8000, 440, 10000, `${rate} -> 8000`);
      const clip16 = await decodeAudio(file, { rate: 16000 });
      assert.equal(clip16.length, 16000, `${rate} Hz`);
      assertTone(clip16, 16000, 440, 10000, `${rate} -> 16000`);
    }
  });

  test('stereo is averaged to mono', async () => {
    // Left 440 Hz at 10000, right 440 Hz at 5000 (in phase): the average has 7500.
    const file = encodeWav(
      interleave(sine(440, 44100, 44100, 10000), sine(440, 44100, 44100, 5000)),
      44100,
      2,
    );
    const clip = await decodeAudio(file);
    assert.equal(clip.length, 8000);
    assertTone(clip, 8000, 440, 7500, 'stereo 44.1 kHz');
  });

  test('G.711 and 8-bit WAV files written by sox', async () => {
    for (const args of [
      ['-e', 'u-law'],
      ['-e', 'a-law'],
      ['-e', 'unsigned-integer', '-b', '8'],
    ]) {
      const path = join(work, `${args[1]}.wav`);
      execFileSync('sox', [
        '-D',
        '-n',
        '-r',
        '8000',
        ...args,
        path,
        'synth',
        '1',
        'sine',
        '440',
        'vol',
        '0.5',
      ]);
      const clip = await decodeAudio(readFileSync(path));
      assert.equal(clip.length, 8000);
      assertTone(clip, 8000, 440, 16384, args[1]);
    }
  });

  test('a WAV in a format we do not read is AUDIO_UNSUPPORTED; a broken one AUDIO_INVALID', async () => {
    const adpcm = encodeWav(new Int16Array(100), 8000);
    adpcm.writeUInt16LE(2, 20);
    const err = await decodeError(adpcm, 'AUDIO_UNSUPPORTED');
    assert.match(err.message, /0x0002/);
    assert.equal((err.cause as { code?: string }).code, 'WAV_UNSUPPORTED');
    const noFmt = Buffer.from('RIFF\x04\x00\x00\x00WAVEdata\x00\x00\x00\x00', 'latin1');
    await decodeError(noFmt, 'AUDIO_INVALID');
    // A rate the resampler cannot reach (8001 Hz against 8000).
    await decodeError(encodeWav(new Int16Array(800), 8001), 'AUDIO_UNSUPPORTED');
  });
});

describe('decodeAudio: MP3', () => {
  const cases = [
    { rate: 22050, kbps: 64, stereo: false },
    { rate: 22050, kbps: 64, stereo: true },
    { rate: 44100, kbps: 128, stereo: false },
    { rate: 44100, kbps: 128, stereo: true },
  ];
  for (const { rate, kbps, stereo } of cases) {
    const what = `${rate} Hz ${stereo ? 'stereo' : 'mono'}`;
    test(`${what} (lamejs): right duration and a 440 Hz tone at the right level, at 8000 and 16000 Hz`, async () => {
      const seconds = 1.5;
      const left = sine(440, rate, rate * seconds, 10000);
      const file = stereo
        ? mp3(rate, kbps, left, sine(440, rate, rate * seconds, 5000))
        : mp3(rate, kbps, left);
      assert.equal(headerRate(file), rate, 'lamejs kept the sample rate');
      for (const out of [8000, 16000] as const) {
        const clip = await decodeAudio(file, { rate: out });
        const extraMs = (clip.length / out - seconds) * 1000 - (MP3_CODEC_DELAY / rate) * 1000;
        assert.ok(Math.abs(extraMs) <= 60, `${what} -> ${out}: ${extraMs.toFixed(1)} ms off`);
        assertTone(clip, out, 440, stereo ? 7500 : 10000, `${what} -> ${out}`);
        // Nothing but the tone: 880 Hz (a harmonic) and 3 kHz are far below it.
        const mid = clip.subarray(out / 2, out);
        assert.ok(db(toneAmplitude(mid, out, 880), toneAmplitude(mid, out, 440)) < -30);
        assert.ok(db(toneAmplitude(mid, out, 3000), toneAmplitude(mid, out, 440)) < -30);
      }
    });
  }

  test('an MP3 that starts with an ID3v2 tag decodes like the same MP3 without it', async () => {
    const file = mp3(22050, 64, sine(440, 22050, 22050, 10000));
    const plain = await decodeAudio(file);
    const tagged = await decodeAudio(Buffer.concat([id3Tag(), file]));
    assert.deepEqual(tagged, plain);
  });

  test('an MP3 cut before the end of its first frame is AUDIO_INVALID', async () => {
    const file = mp3(22050, 64, sine(440, 22050, 22050, 10000));
    const err = await decodeError(file.subarray(0, 100), 'AUDIO_INVALID');
    assert.match(err.message, /no audio frames/);
  });
});

describe('decodeAudio: anything else', () => {
  test('garbage, text, empty input, AAC (ADTS), an ID3 tag without MPEG audio: AUDIO_UNSUPPORTED', async () => {
    // Pseudo-random bytes below 0x80, so no MPEG sync byte can occur by chance.
    const noise = Buffer.alloc(4096);
    let s = 1;
    for (let i = 0; i < noise.length; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      noise[i] = (s >> 16) & 0x7f;
    }
    await decodeError(noise, 'AUDIO_UNSUPPORTED');
    await decodeError(Buffer.from('<Response><Speak>hello</Speak></Response>'), 'AUDIO_UNSUPPORTED');
    await decodeError(Buffer.alloc(0), 'AUDIO_UNSUPPORTED');
    // ADTS: the same 12 sync bits as MPEG audio, but layer "00".
    await decodeError(
      Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80]), Buffer.alloc(500)]),
      'AUDIO_UNSUPPORTED',
    );
    await decodeError(Buffer.concat([id3Tag(), Buffer.from('OggS'), Buffer.alloc(500)]), 'AUDIO_UNSUPPORTED');
    // "RIFF" but not WAVE (an AVI).
    await decodeError(Buffer.from('RIFF\x04\x00\x00\x00AVI LIST', 'latin1'), 'AUDIO_UNSUPPORTED');
  });

  test('only 8000 and 16000 Hz are offered', async () => {
    const file = encodeWav(new Int16Array(80), 8000);
    await assert.rejects(decodeAudio(file, { rate: 44100 as 8000 }), RangeError);
  });
});
