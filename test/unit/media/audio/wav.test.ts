import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  encodeWav,
  parseWav,
  patchWavSizes,
  WAV_HEADER_BYTES,
  type WavData,
  WavError,
  type WavErrorCode,
  wavHeader,
} from '../../../../src/media/audio/wav.ts';
import { interleave, sine, zeroCrossingFrequency } from '../../../helpers/audio.ts';

const work = mkdtempSync(join(tmpdir(), 'patchbay-wav-'));
after(() => rmSync(work, { recursive: true, force: true }));

let fileNo = 0;
function path(ext: string): string {
  return join(work, `f${fileNo++}.${ext}`);
}

/** sox with dithering off, output ignored; throws if it fails. */
function sox(...args: string[]): void {
  execFileSync('sox', ['-D', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function soxi(option: string, file: string): string {
  return execFileSync('soxi', [option, file], { encoding: 'utf8' }).trim();
}

/** sox's own reading of a file, as interleaved 16-bit samples. */
function soxSamples(file: string): Int16Array {
  const raw = path('s16');
  sox(file, '-t', 's16', '-L', raw);
  const b = readFileSync(raw);
  return Int16Array.from({ length: b.length / 2 }, (_, i) => b.readInt16LE(2 * i));
}

/** One channel of interleaved samples. */
function channel(samples: Int16Array, channels: number, c: number): Int16Array {
  return samples.filter((_, i) => i % channels === c);
}

function wavError(fn: () => unknown, code: WavErrorCode, messagePart: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof WavError, `not a WavError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, messagePart);
    return true;
  });
}

/** A RIFF file from raw chunks: [id, body] pairs, padded as RIFF requires. */
function riff(chunks: [string, Buffer][], form = 'WAVE'): Buffer {
  const parts: Buffer[] = [Buffer.from(form, 'latin1')];
  for (const [id, body] of chunks) {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(body.length, 4);
    parts.push(head, body);
    if (body.length & 1) parts.push(Buffer.alloc(1));
  }
  const payload = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

function fmtChunk(tag: number, channels: number, rate: number, bits: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

/** fmt of WAVE_FORMAT_EXTENSIBLE with the standard GUID for `subTag`. */
function extensibleFmt(
  subTag: number,
  channels: number,
  rate: number,
  bits: number,
  guidTail?: Buffer,
): Buffer {
  const b = Buffer.alloc(40);
  fmtChunk(0xfffe, channels, rate, bits).copy(b, 0);
  b.writeUInt16LE(22, 16);
  b.writeUInt16LE(bits, 18);
  b.writeUInt32LE(channels === 1 ? 4 : 3, 20);
  b.writeUInt16LE(subTag, 24);
  (guidTail ?? Buffer.from('000000001000800000aa00389b71', 'hex')).copy(b, 26);
  return b;
}

function pcm16(samples: number[]): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(samples[i], 2 * i);
  return b;
}

const SOX_FORMATS = [
  { format: 'pcm8', args: ['-e', 'unsigned-integer', '-b', '8'] },
  { format: 'pcm16', args: ['-e', 'signed-integer', '-b', '16'] },
  { format: 'ulaw', args: ['-e', 'u-law'] },
  { format: 'alaw', args: ['-e', 'a-law'] },
] as const;
const RATES = [8000, 16000, 22050, 44100, 48000];

describe('parseWav: files written by sox', () => {
  for (const { format, args } of SOX_FORMATS) {
    test(`${format}: every rate, mono and stereo, reads as sox reads it`, () => {
      for (const rate of RATES) {
        for (const channels of [1, 2]) {
          const file = path('wav');
          // Channel 1 carries 440 Hz, channel 2 1000 Hz; 0.2 s at -6 dBFS.
          const synth = channels === 1 ? ['sine', '440'] : ['sine', '440', 'sine', '1000'];
          sox(
            '-n',
            '-r',
            String(rate),
            '-c',
            String(channels),
            ...args,
            file,
            'synth',
            '0.2',
            ...synth,
            'vol',
            '0.5',
          );
          const wav: WavData = parseWav(readFileSync(file));
          const what = `${format} ${rate} Hz ${channels} ch`;
          assert.equal(wav.format, format, what);
          assert.equal(wav.sampleRate, rate, what);
          assert.equal(wav.channels, channels, what);
          assert.equal(wav.samples.length, (rate / 5) * channels, what);
          assert.deepEqual(wav.samples, soxSamples(file), what);
          const f0 = zeroCrossingFrequency(channel(wav.samples, channels, 0), rate);
          assert.ok(Math.abs(f0 - 440) < 1, `${what}: ${f0} Hz`);
          if (channels === 2) {
            const f1 = zeroCrossingFrequency(channel(wav.samples, channels, 1), rate);
            assert.ok(Math.abs(f1 - 1000) < 2, `${what}: ${f1} Hz`);
          }
        }
      }
    });
  }

  test('WAVE_FORMAT_EXTENSIBLE from sox: 24-bit, 32-bit and 4 channels; and 32-bit float', () => {
    const cases = [
      { args: ['-b', '24'], channels: 1, format: 'pcm24' },
      { args: ['-b', '32', '-e', 'signed-integer'], channels: 2, format: 'pcm32' },
      { args: ['-b', '16'], channels: 4, format: 'pcm16' },
      { args: ['-b', '32', '-e', 'floating-point'], channels: 1, format: 'float32' },
    ] as const;
    for (const c of cases) {
      const file = path('wav');
      sox(
        '-n',
        '-r',
        '16000',
        '-c',
        String(c.channels),
        ...c.args,
        file,
        'synth',
        '0.1',
        'sine',
        '440',
        'vol',
        '0.5',
      );
      const bytes = readFileSync(file);
      if (c.format !== 'float32')
        assert.equal(bytes.readUInt16LE(20), 0xfffe, 'sox wrote an extensible header');
      const wav = parseWav(bytes);
      assert.equal(wav.format, c.format);
      assert.equal(wav.channels, c.channels);
      assert.equal(wav.samples.length, 1600 * c.channels);
      // sox rounds when it narrows to 16 bits where we truncate: at most one step apart.
      const theirs = soxSamples(file);
      let worst = 0;
      for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(theirs[i] - wav.samples[i]));
      assert.ok(worst <= 1, `${c.format}: ${worst}`);
    }
  });

  test('chunks sox adds (fact, fmt of 18 bytes) and LIST chunks are skipped', () => {
    const file = path('wav');
    sox('-n', '-r', '8000', '-e', 'a-law', file, 'synth', '0.1', 'sine', '440');
    const bytes = readFileSync(file);
    assert.ok(bytes.includes('fact'), 'sox wrote a fact chunk');
    const list = riffListAfterHeader(bytes);
    const wav = parseWav(list);
    assert.equal(wav.samples.length, 800);
    assert.deepEqual(wav.samples, parseWav(bytes).samples);
  });
});

/** `bytes` with an odd-sized LIST chunk inserted after the WAVE id. */
function riffListAfterHeader(bytes: Buffer): Buffer {
  const list = Buffer.concat([
    Buffer.from('LIST', 'latin1'),
    Buffer.from([5, 0, 0, 0]),
    Buffer.from('INFOx'),
    Buffer.alloc(1),
  ]);
  const out = Buffer.concat([bytes.subarray(0, 12), list, bytes.subarray(12)]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

describe('parseWav: layouts of real-world writers', () => {
  const samples = [0, 1000, -1000, 32767, -32768, 5];
  const fmt = fmtChunk(1, 1, 8000, 16);

  test('data before fmt, odd chunks padded, unknown chunks in between', () => {
    const file = riff([
      ['junk', Buffer.from('abc')],
      ['data', pcm16(samples)],
      ['LIST', Buffer.from('INFOISFT\x03\x00\x00\x00ab\x00', 'latin1')],
      ['fmt ', fmt],
    ]);
    const wav = parseWav(file);
    assert.deepEqual([...wav.samples], samples);
    assert.equal(wav.sampleRate, 8000);
  });

  test('data size 0, 0xFFFFFFFF or past the end (a writer that never patched it): the rest of the file', () => {
    for (const size of [0, 0xffffffff, 1000]) {
      const file = riff([
        ['fmt ', fmt],
        ['data', pcm16(samples)],
      ]);
      file.writeUInt32LE(size, 40);
      file.writeUInt32LE(0, 4); // RIFF size not patched either
      assert.deepEqual([...parseWav(file).samples], samples, `size ${size}`);
    }
  });

  test('a real empty data chunk followed by another chunk gives no samples', () => {
    const file = riff([
      ['fmt ', fmt],
      ['data', Buffer.alloc(0)],
      ['LIST', Buffer.from('INFO')],
    ]);
    assert.equal(parseWav(file).samples.length, 0);
  });

  test('a file cut inside a frame keeps the whole frames', () => {
    const file = riff([
      ['fmt ', fmtChunk(1, 2, 8000, 16)],
      ['data', pcm16([1, 2, 3, 4, 5, 6])],
    ]);
    const cut = file.subarray(0, file.length - 3); // half of sample 5 and all of 6 missing
    assert.deepEqual([...parseWav(cut).samples], [1, 2, 3, 4]);
  });

  test('8-bit PCM is unsigned: 128 is silence', () => {
    const file = riff([
      ['fmt ', fmtChunk(1, 1, 8000, 8)],
      ['data', Buffer.from([128, 255, 0, 129, 127])],
    ]);
    assert.deepEqual([...parseWav(file).samples], [0, 32512, -32768, 256, -256]);
  });

  test('extensible with mu-law, A-law and PCM sub-formats', () => {
    const codes = Buffer.from([0xff, 0x80, 0x00, 0xd5]);
    const ulaw = parseWav(
      riff([
        ['fmt ', extensibleFmt(7, 1, 8000, 8)],
        ['data', codes],
      ]),
    );
    assert.equal(ulaw.format, 'ulaw');
    assert.deepEqual([...ulaw.samples.subarray(0, 3)], [0, 32124, -32124]);
    const alaw = parseWav(
      riff([
        ['fmt ', extensibleFmt(6, 1, 8000, 8)],
        ['data', codes],
      ]),
    );
    assert.equal(alaw.format, 'alaw');
    assert.equal(alaw.samples[3], 8);
    const pcm = parseWav(
      riff([
        ['fmt ', extensibleFmt(1, 2, 16000, 16)],
        ['data', pcm16([7, -7])],
      ]),
    );
    assert.deepEqual(
      [pcm.format, pcm.channels, pcm.sampleRate, [...pcm.samples]],
      ['pcm16', 2, 16000, [7, -7]],
    );
  });

  test('float samples are scaled and clipped to 16 bits', () => {
    const data = Buffer.alloc(16);
    for (const [i, v] of [0.5, -1, 1.5, -2].entries()) data.writeFloatLE(v, 4 * i);
    const wav = parseWav(
      riff([
        ['fmt ', fmtChunk(3, 1, 8000, 32)],
        ['data', data],
      ]),
    );
    assert.deepEqual([...wav.samples], [16384, -32768, 32767, -32768]);
  });
});

describe('parseWav: bad input throws WavError', () => {
  const fmt = fmtChunk(1, 1, 8000, 16);
  const data: [string, Buffer] = ['data', pcm16([1, 2])];

  test('not WAV at all', () => {
    wavError(() => parseWav(Buffer.alloc(0)), 'WAV_INVALID', /too short/);
    wavError(
      () => parseWav(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb', 'latin1')),
      'WAV_INVALID',
      /RIFF WAVE/,
    );
    wavError(() => parseWav(riff([['fmt ', fmt], data], 'AVI ')), 'WAV_INVALID', /RIFF WAVE/);
  });

  test('missing or broken chunks', () => {
    wavError(() => parseWav(riff([data])), 'WAV_INVALID', /no fmt/);
    wavError(() => parseWav(riff([['fmt ', fmt]])), 'WAV_INVALID', /no data/);
    wavError(
      () => parseWav(riff([['fmt ', fmt.subarray(0, 14)], data])),
      'WAV_INVALID',
      /fmt chunk of 14 bytes/,
    );
    wavError(() => parseWav(riff([['fmt ', fmtChunk(1, 0, 8000, 16)], data])), 'WAV_INVALID', /0 channels/);
    wavError(() => parseWav(riff([['fmt ', fmtChunk(1, 1, 0, 16)], data])), 'WAV_INVALID', /sample rate 0/);
    const truncatedFmt = riff([['fmt ', fmt]]).subarray(0, 30);
    wavError(() => parseWav(truncatedFmt), 'WAV_INVALID', /past the end/);
    wavError(
      () => parseWav(riff([['fmt ', extensibleFmt(1, 1, 8000, 16).subarray(0, 24)], data])),
      'WAV_INVALID',
      /40 needed/,
    );
  });

  test('formats we do not read', () => {
    wavError(
      () => parseWav(riff([['fmt ', fmtChunk(2, 1, 8000, 4)], data])),
      'WAV_UNSUPPORTED',
      /tag 0x0002/,
    );
    wavError(
      () => parseWav(riff([['fmt ', fmtChunk(0x55, 1, 8000, 0)], data])),
      'WAV_UNSUPPORTED',
      /tag 0x0055/,
    );
    wavError(
      () => parseWav(riff([['fmt ', fmtChunk(1, 1, 8000, 12)], data])),
      'WAV_UNSUPPORTED',
      /12-bit PCM/,
    );
    wavError(
      () => parseWav(riff([['fmt ', fmtChunk(7, 1, 8000, 16)], data])),
      'WAV_UNSUPPORTED',
      /16-bit G.711/,
    );
    const oddGuid = extensibleFmt(1, 1, 8000, 16, Buffer.alloc(14, 0x42));
    wavError(() => parseWav(riff([['fmt ', oddGuid], data])), 'WAV_UNSUPPORTED', /sub-format/);
    const rifx = riff([['fmt ', fmt], data]);
    rifx.write('RIFX', 0, 'latin1');
    wavError(() => parseWav(rifx), 'WAV_UNSUPPORTED', /big-endian/);
  });
});

describe('wavHeader / patchWavSizes / encodeWav', () => {
  test('the canonical 44-byte header, field by field', () => {
    const h = wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, dataBytes: 320 });
    assert.equal(h.length, WAV_HEADER_BYTES);
    assert.equal(
      h.toString('hex'),
      [
        '52494646', // RIFF
        '64010000', // 36 + 320
        '57415645', // WAVE
        '666d7420', // fmt
        '10000000', // 16
        '0100', // PCM
        '0100', // 1 channel
        '401f0000', // 8000 Hz
        '803e0000', // 16000 bytes/s
        '0200', // block align
        '1000', // 16 bits
        '64617461', // data
        '40010000', // 320
      ].join(''),
    );
  });

  test('header + samples is read by sox (an independent reader) with the right rate, channels and length', () => {
    for (const [rate, channels] of [
      [8000, 1],
      [16000, 1],
      [8000, 2],
    ] as const) {
      const tone = sine(440, rate, rate / 2, 12000);
      const samples = channels === 1 ? tone : interleave(tone, sine(1000, rate, rate / 2, 12000));
      const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
      const file = path('wav');
      writeFileSync(
        file,
        Buffer.concat([
          wavHeader({ sampleRate: rate, channels, bitsPerSample: 16, dataBytes: data.length }),
          data,
        ]),
      );
      assert.equal(soxi('-r', file), String(rate));
      assert.equal(soxi('-c', file), String(channels));
      assert.equal(soxi('-s', file), String(rate / 2));
      assert.equal(soxi('-b', file), '16');
      assert.match(soxi('-e', file), /Signed Integer PCM/);
      assert.deepEqual(soxSamples(file), samples);
    }
  });

  test('streaming writer: header with size 0, samples appended, sizes patched at the end', () => {
    const header = wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, dataBytes: 0 });
    assert.equal(header.readUInt32LE(4), 36);
    assert.equal(header.readUInt32LE(40), 0);
    const tone = sine(1000, 8000, 4000);
    const data = Buffer.from(tone.buffer, tone.byteOffset, tone.byteLength);
    // Before the patch our reader already recovers the samples (size 0 = unknown).
    assert.deepEqual(parseWav(Buffer.concat([header, data])).samples, tone);
    patchWavSizes(header, data.length);
    assert.equal(header.readUInt32LE(4), 36 + 8000);
    assert.equal(header.readUInt32LE(40), 8000);
    const file = path('wav');
    writeFileSync(file, Buffer.concat([header, data]));
    assert.equal(soxi('-s', file), '4000');
    assert.equal(soxi('-D', file), '0.500000');
  });

  test('patchWavSizes refuses what is not a canonical header or a size RIFF cannot hold', () => {
    const h = wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, dataBytes: 0 });
    assert.throws(() => patchWavSizes(h, -1), RangeError);
    assert.throws(() => patchWavSizes(h, 2 ** 32), RangeError);
    assert.throws(() => patchWavSizes(Buffer.alloc(44), 10), RangeError);
    assert.throws(
      () => wavHeader({ sampleRate: 0, channels: 1, bitsPerSample: 16, dataBytes: 0 }),
      RangeError,
    );
    assert.throws(
      () => wavHeader({ sampleRate: 8000, channels: 0, bitsPerSample: 16, dataBytes: 0 }),
      RangeError,
    );
  });

  test('encodeWav round-trips through parseWav and sox', () => {
    const samples = interleave(sine(440, 16000, 1600), sine(700, 16000, 1600));
    const file = path('wav');
    const bytes = encodeWav(samples, 16000, 2);
    writeFileSync(file, bytes);
    const wav = parseWav(bytes);
    assert.deepEqual([wav.sampleRate, wav.channels, wav.format], [16000, 2, 'pcm16']);
    assert.deepEqual(wav.samples, samples);
    assert.deepEqual(soxSamples(file), samples);
  });
});
