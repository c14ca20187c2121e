import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PcmFifo } from '../../../../src/media/audio/pcm-fifo.ts';

const ramp = (from: number, n: number) => Int16Array.from({ length: n }, (_, i) => from + i);

describe('PcmFifo', () => {
  it('returns samples in order across the wrap of its ring', () => {
    const f = new PcmFifo(8);
    const out = new Int16Array(5);
    f.write(ramp(1, 5));
    assert.equal(f.read(out), 5);
    assert.deepEqual([...out], [1, 2, 3, 4, 5]);
    f.write(ramp(6, 6)); // wraps
    assert.equal(f.read(out), 5);
    assert.deepEqual([...out], [6, 7, 8, 9, 10]);
    assert.equal(f.length, 1);
  });

  it('pads with zeros when empty and counts the underflow', () => {
    const f = new PcmFifo(8);
    f.write(ramp(1, 2));
    const out = new Int16Array(4).fill(9);
    assert.equal(f.read(out), 2);
    assert.deepEqual([...out], [1, 2, 0, 0]);
    assert.equal(f.underflowed, 2);
  });

  it('drops the oldest samples when full and counts them', () => {
    const f = new PcmFifo(4);
    f.write(ramp(1, 3));
    f.write(ramp(4, 3));
    const out = new Int16Array(4);
    f.read(out);
    assert.deepEqual([...out], [3, 4, 5, 6]);
    assert.equal(f.overflowed, 2);
    f.write(ramp(10, 9));
    f.read(out);
    assert.deepEqual([...out], [15, 16, 17, 18]);
  });
});
