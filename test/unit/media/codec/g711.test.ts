import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  ALAW_SILENCE,
  alawToLinear,
  codecByName,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  PCMA,
  PCMU,
  ULAW_SILENCE,
  ulawToLinear,
} from '../../../../src/media/codec/g711.ts';
import { db, rms, sine } from '../../../helpers/audio.ts';

const CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
/** Every 16-bit sample value, in order. */
const ALL = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

const work = mkdtempSync(join(tmpdir(), 'patchbay-g711-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs sox on raw files (no dither: sox dithers by default when it reduces bit depth). */
function sox(...args: string[]): void {
  execFileSync('sox', ['-D', ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
}

const LAWS = [
  { name: 'mu-law', codec: PCMU, toLinear: ulawToLinear, fromLinear: linearToUlaw, soxType: 'ul' },
  { name: 'A-law', codec: PCMA, toLinear: alawToLinear, fromLinear: linearToAlaw, soxType: 'al' },
] as const;

describe('G.711 known values', () => {
  test('mu-law: 0xFF and 0x7F are zero, 0x00 and 0x80 the extremes', () => {
    assert.equal(ulawToLinear(0xff), 0);
    assert.equal(ulawToLinear(0x7f), 0);
    assert.equal(ulawToLinear(0x00), -32124);
    assert.equal(ulawToLinear(0x80), 32124);
    // One step above zero in segment 0 (G.711 table 2a: step 2 in 14 bits = 8 in 16).
    assert.equal(ulawToLinear(0xfe), 8);
    assert.equal(ulawToLinear(0x7e), -8);
  });

  test('A-law: 0xD5 / 0x55 are +-8, 0xAA / 0x2A the extremes', () => {
    assert.equal(alawToLinear(0xd5), 8);
    assert.equal(alawToLinear(0x55), -8);
    assert.equal(alawToLinear(0xaa), 32256);
    assert.equal(alawToLinear(0x2a), -32256);
  });

  test('encoder: silence, full scale and the sign convention', () => {
    assert.equal(linearToUlaw(0), 0xff);
    assert.equal(linearToUlaw(-1), 0x7f);
    assert.equal(linearToUlaw(32767), 0x80);
    assert.equal(linearToUlaw(-32768), 0x00);
    assert.equal(linearToAlaw(0), 0xd5);
    assert.equal(linearToAlaw(-1), 0x55);
    assert.equal(linearToAlaw(32767), 0xaa);
    assert.equal(linearToAlaw(-32768), 0x2a);
  });

  test('silence codes decode to (nearly) nothing and frames of zeros encode to them', () => {
    assert.equal(ulawToLinear(ULAW_SILENCE), 0);
    assert.equal(Math.abs(alawToLinear(ALAW_SILENCE)), 8);
    const zeros = new Int16Array(160);
    const out = new Uint8Array(160);
    PCMU.encode(zeros, out);
    assert.ok(out.every((b) => b === PCMU.silence));
    PCMA.encode(zeros, out);
    assert.ok(out.every((b) => b === PCMA.silence));
  });
});

for (const law of LAWS) {
  describe(`G.711 ${law.name}`, () => {
    const levels = [...new Set(Array.from(CODES, (c) => law.toLinear(c)))].sort((a, b) => a - b);

    test('decode table equals sox (an independent implementation) for all 256 codes', () => {
      const raw = join(work, `codes.${law.soxType}`);
      const pcm = join(work, `codes-${law.soxType}.s16`);
      writeFileSync(raw, CODES);
      sox('-t', law.soxType, '-r', '8000', '-c', '1', raw, '-t', 's16', '-L', pcm);
      const expected = readFileSync(pcm);
      for (let c = 0; c < 256; c++)
        assert.equal(law.toLinear(c), expected.readInt16LE(2 * c), `code 0x${c.toString(16)}`);
    });

    test('decode(encode(decode(code))) == decode(code) for all 256 codes', () => {
      const decoded = new Int16Array(256);
      law.codec.decode(CODES, decoded);
      const reencoded = new Uint8Array(256);
      law.codec.encode(decoded, reencoded);
      const again = new Int16Array(256);
      law.codec.decode(reencoded, again);
      assert.deepEqual(again, decoded);
      // Every code other than mu-law's negative zero re-encodes to itself.
      for (let c = 0; c < 256; c++) {
        if (law.name === 'mu-law' && c === 0x7f) assert.equal(reencoded[c], 0xff);
        else assert.equal(reencoded[c], c, `code 0x${c.toString(16)}`);
      }
    });

    test('quantisation error of every int16 value is within half its step', () => {
      const codes = new Uint8Array(65536);
      law.codec.encode(ALL, codes);
      const back = new Int16Array(65536);
      law.codec.decode(codes, back);
      const top = levels[levels.length - 1];
      let previous = -Infinity;
      for (let i = 0; i < 65536; i++) {
        const x = ALL[i];
        const q = back[i];
        assert.ok(q >= previous, `monotonic at ${x}`);
        previous = q;
        if (Math.abs(x) > top) {
          // Beyond the largest level: clipped to it.
          assert.equal(Math.abs(q), top, `clip at ${x}`);
          continue;
        }
        const k = levels.indexOf(q);
        const below = k > 0 ? q - levels[k - 1] : 0;
        const above = k < levels.length - 1 ? levels[k + 1] - q : 0;
        assert.ok(Math.abs(x - q) <= Math.max(below, above) / 2, `${x} -> ${q}`);
      }
    });

    test('encoder agrees with sox except on decision boundaries, where it picks a neighbour level', () => {
      const raw = join(work, `ramp-${law.soxType}.s16`);
      const coded = join(work, `ramp.${law.soxType}`);
      const ramp = Buffer.alloc(65536 * 2);
      for (let i = 0; i < 65536; i++) ramp.writeInt16LE(ALL[i], 2 * i);
      writeFileSync(raw, ramp);
      sox('-t', 's16', '-L', '-r', '8000', '-c', '1', raw, '-t', law.soxType, coded);
      const theirs = readFileSync(coded);
      let differ = 0;
      for (let i = 0; i < 65536; i++) {
        const ours = law.fromLinear(ALL[i]);
        if (ours === theirs[i]) continue;
        differ++;
        // sox rounds to 14/13 bits where G.711 (and we) truncate: the two choices are the same
        // level (mu-law's +0 / -0) or adjacent ones.
        const gap = Math.abs(levels.indexOf(law.toLinear(ours)) - levels.indexOf(law.toLinear(theirs[i])));
        assert.ok(gap <= 1, `sample ${ALL[i]}: levels ${gap} apart`);
      }
      assert.ok(differ < 65536 * 0.02, `${differ} samples differ`);
    });

    test('a -10 dBov 1 kHz sine keeps a signal-to-quantisation-noise ratio above 35 dB', () => {
      const x = sine(1000, 8000, 8000, 10362, 0.3);
      const codes = new Uint8Array(x.length);
      const y = new Int16Array(x.length);
      law.codec.encode(x, codes);
      law.codec.decode(codes, y);
      const noise = Int16Array.from(x, (v, i) => v - y[i]);
      assert.ok(db(rms(x), rms(noise)) > 35, `SQNR ${db(rms(x), rms(noise)).toFixed(1)} dB`);
    });
  });
}

describe('G.711 frame API', () => {
  test('encode/decode honour the offset and return the count', () => {
    const pcm = Int16Array.from([0, 1000, -1000, 32767]);
    const out = new Uint8Array(12).fill(0x11);
    assert.equal(encodeUlaw(pcm, out, 8), 4);
    assert.deepEqual([...out.subarray(0, 8)], Array(8).fill(0x11));
    assert.deepEqual([...out.subarray(8)], [...pcm].map(linearToUlaw));
    const back = new Int16Array(6);
    assert.equal(decodeUlaw(out.subarray(8), back, 2), 4);
    assert.deepEqual([...back], [0, 0, ...[...pcm].map((s) => ulawToLinear(linearToUlaw(s)))]);
    assert.equal(encodeAlaw(pcm, out), 4);
    assert.equal(decodeAlaw(out.subarray(0, 4), back), 4);
    assert.deepEqual(
      [...back.subarray(0, 4)],
      [...pcm].map((s) => alawToLinear(linearToAlaw(s))),
    );
  });

  test('an output that is too small throws instead of silently dropping samples', () => {
    assert.throws(() => encodeUlaw(new Int16Array(160), new Uint8Array(159)), RangeError);
    assert.throws(() => decodeAlaw(new Uint8Array(160), new Int16Array(160), 1), RangeError);
  });

  test('codec objects and codecByName', () => {
    assert.equal(PCMU.name, 'PCMU');
    assert.equal(PCMU.payloadType, 0);
    assert.equal(PCMA.name, 'PCMA');
    assert.equal(PCMA.payloadType, 8);
    assert.equal(codecByName('pcmu'), PCMU);
    assert.equal(codecByName('PCMA'), PCMA);
    assert.equal(codecByName('PcMa'), PCMA);
    assert.equal(codecByName('G722'), undefined);
    assert.equal(codecByName(''), undefined);
  });

  test('per-frame cost: a 160-sample frame encodes and decodes in a few microseconds', () => {
    const frame = sine(440, 8000, 160);
    const bytes = new Uint8Array(160);
    const pcm = new Int16Array(160);
    const rounds = 20000;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) {
      PCMU.encode(frame, bytes);
      PCMU.decode(bytes, pcm);
    }
    const perFrameUs = ((performance.now() - start) * 1000) / rounds;
    // Generous bound (slow CI machines): a table lookup per sample is well under this.
    assert.ok(perFrameUs < 50, `${perFrameUs.toFixed(2)} us per frame`);
  });
});
