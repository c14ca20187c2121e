import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { linearToUlaw } from '../../../../src/media/codec/g711.ts';
import {
  decodeMediaPayload,
  FrameEncoder,
  PlayDecoder,
  parseStreamContentType,
  readL16,
  writeL16,
} from '../../../../src/media/stream/stream-format.ts';
import { dominantFrequency, sine } from '../../../helpers/audio.ts';

describe('stream formats (spec 3.1)', () => {
  test('the four contentType values, the bare REST forms, and nothing else', () => {
    const sizes = Object.fromEntries(
      [
        'audio/x-l16;rate=8000',
        'audio/x-l16;rate=16000',
        'audio/x-l16;rate=24000',
        'audio/x-mulaw;rate=8000',
      ].map((ct) => {
        const f = parseStreamContentType(ct);
        assert.equal(f.contentType, ct);
        return [ct, f.frameBytes];
      }),
    );
    assert.deepEqual(sizes, {
      'audio/x-l16;rate=8000': 320,
      'audio/x-l16;rate=16000': 640,
      'audio/x-l16;rate=24000': 960,
      'audio/x-mulaw;rate=8000': 160,
    });
    assert.equal(parseStreamContentType('audio/x-l16').sampleRate, 8000);
    assert.equal(parseStreamContentType('audio/x-mulaw').encoding, 'audio/x-mulaw');
    for (const bad of ['audio/x-mulaw;rate=16000', 'audio/x-l16;rate=44100', 'audio/opus', ''])
      assert.throws(() => parseStreamContentType(bad), { code: 'BAD_CONTENT_TYPE' });
  });

  test('media L16 is big-endian; playAudio L16 is little-endian', () => {
    const enc = new FrameEncoder(parseStreamContentType('audio/x-l16;rate=8000'));
    const frame = new Int16Array(160);
    frame[0] = 0x1234;
    frame[1] = -2;
    const bytes = enc.encode(frame);
    assert.equal(bytes.length, 320);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x12, 0x34, 0xff, 0xfe]);
    assert.deepEqual(
      [...decodeMediaPayload(bytes, { encoding: 'audio/x-l16' }).subarray(0, 2)],
      [0x1234, -2],
    );
    const dec = new PlayDecoder();
    const pcm = dec.decode(Buffer.from([0x34, 0x12, 0xfe, 0xff]), 'audio/x-l16', 8000);
    assert.deepEqual([...pcm], [0x1234, -2]);
    const round = Buffer.alloc(4);
    writeL16(Int16Array.from([-300, 7]), round, 'le');
    assert.deepEqual([...readL16(round, 'le')], [-300, 7]);
  });

  test('µ-law frames are the G.711 codes of the samples', () => {
    const enc = new FrameEncoder(parseStreamContentType('audio/x-mulaw;rate=8000'));
    const frame = Int16Array.from({ length: 160 }, (_, i) => i * 100 - 8000);
    const bytes = enc.encode(frame);
    assert.equal(bytes.length, 160);
    assert.deepEqual([...bytes], [...frame].map(linearToUlaw));
    assert.equal(
      new FrameEncoder(parseStreamContentType('audio/x-mulaw')).encode(new Int16Array(160))[0],
      0xff,
    );
  });

  for (const rate of [16000, 24000]) {
    test(`${rate} Hz media: ${rate / 50} samples a frame, the same tone, no seams between frames`, () => {
      const enc = new FrameEncoder(parseStreamContentType(`audio/x-l16;rate=${rate}`));
      const tone = sine(700, 8000, 8000);
      const out: number[] = [];
      for (let i = 0; i < tone.length; i += 160) {
        const bytes = enc.encode(tone.subarray(i, i + 160));
        assert.equal(bytes.length, (rate / 50) * 2);
        out.push(...decodeMediaPayload(bytes, { encoding: 'audio/x-l16' }));
      }
      const wide = Int16Array.from(out.slice(rate / 10));
      assert.ok(Math.abs(dominantFrequency(wide, rate) - 700) < 1);
      // A seam would show as a jump: the largest step stays that of a 700 Hz sine.
      let step = 0;
      for (let i = 1; i < wide.length; i++)
        step = Math.max(step, Math.abs((wide[i] as number) - (wide[i - 1] as number)));
      assert.ok(step < (10000 * 2 * Math.PI * 700) / rate + 200, `largest step ${step}`);
    });
  }

  test('playAudio at 16 and 24 kHz becomes 8 kHz; flush() gives back the filter tail', () => {
    for (const rate of [16000, 24000]) {
      const dec = new PlayDecoder();
      const tone = sine(440, rate, rate / 2);
      const b = Buffer.alloc(tone.length * 2);
      writeL16(tone, b, 'le');
      let total = 0;
      const parts: Int16Array[] = [];
      for (let i = 0; i < b.length; i += (rate / 50) * 2) {
        const p = dec.decode(b.subarray(i, i + (rate / 50) * 2), 'audio/x-l16', rate);
        parts.push(p);
        total += p.length;
      }
      assert.equal(total, 4000);
      const tail = dec.flush();
      assert.ok(tail.length > 0 && tail.length < 40, `tail ${tail.length}`);
      const all = Int16Array.from([...parts.flatMap((p) => [...p]), ...tail]);
      assert.ok(Math.abs(dominantFrequency(all.subarray(100, 3900), 8000) - 440) < 1);
      // The last samples of the tone come out of the flush, not lost.
      assert.ok(Math.max(...tail.subarray(0, tail.length - 5).map(Math.abs)) > 1000);
    }
  });

  test('undecodable playAudio audio is refused with BAD_MEDIA', () => {
    const dec = new PlayDecoder();
    assert.throws(() => dec.decode(Buffer.alloc(3), 'audio/x-l16', 8000), { code: 'BAD_MEDIA' });
    assert.throws(() => dec.decode(Buffer.alloc(4), 'audio/x-mulaw', 16000), { code: 'BAD_MEDIA' });
    assert.throws(() => dec.decode(Buffer.alloc(4), 'audio/x-l16', 11025), { code: 'BAD_MEDIA' });
    assert.equal(dec.decode(Buffer.from([0xff, 0x7f]), 'audio/x-mulaw', 8000).length, 2);
  });
});
