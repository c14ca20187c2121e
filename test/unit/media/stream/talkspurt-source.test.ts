import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TalkspurtSource } from '../../../../src/media/stream/talkspurt-source.ts';

function ramp(from: number, n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => from + i);
}

describe('TalkspurtSource', () => {
  test('frames are read straight across clip boundaries; counters follow the reads', () => {
    const reads: number[] = [];
    const s = new TalkspurtSource(() => reads.push(s.consumed));
    s.append(ramp(1, 100));
    s.append(ramp(500, 30));
    s.append(ramp(900, 200));
    assert.equal(s.written, 330);
    assert.equal(s.clipsLeft, 3);
    const out = new Int16Array(160);
    assert.equal(s.read(out), 160);
    assert.deepEqual([...out], [...ramp(1, 100), ...ramp(500, 30), ...ramp(900, 30)]);
    assert.equal(s.clipsLeft, 1);
    assert.equal(s.pending, 170);
    assert.equal(s.drained, false);
    assert.equal(s.read(out), 160);
    assert.deepEqual([...out], [...ramp(930, 160)]);
    assert.equal(s.drained, false, 'a full read: the playback goes on');
    s.append(ramp(2000, 5)); // in time for the next frame
    assert.equal(s.read(out), 15);
    assert.deepEqual([...out.subarray(0, 15)], [...ramp(1090, 10), ...ramp(2000, 5)]);
    assert.equal(s.drained, true, 'a short read ends the talkspurt');
    assert.deepEqual(reads, [160, 320, 335]);
  });

  test('once drained it takes nothing more and never rewinds', () => {
    const s = new TalkspurtSource();
    assert.equal(s.read(new Int16Array(160)), 0);
    assert.equal(s.drained, true);
    assert.equal(s.append(ramp(1, 10)), false);
    assert.equal(s.written, 0);
    assert.equal(s.rewind(), false);
  });

  test('the ring grows and wraps without losing or reordering a sample; clips may be reused by the caller', () => {
    const s = new TalkspurtSource();
    const out = new Int16Array(160);
    const clip = new Int16Array(300);
    let next = 0;
    let expect = 0;
    // Keep 1000-3000 samples queued while reading: the ring wraps many times and grows twice.
    for (let round = 0; round < 200; round++) {
      const add = round < 20 ? 2 : round % 3 === 0 ? 1 : 0;
      for (let k = 0; k < add; k++) {
        for (let i = 0; i < clip.length; i++) clip[i] = (next++ % 30000) - 15000;
        assert.equal(s.append(clip), true);
      }
      if (s.pending < 160) break;
      assert.equal(s.read(out), 160);
      for (let i = 0; i < 160; i++) assert.equal(out[i], (expect++ % 30000) - 15000, `sample ${expect - 1}`);
    }
    assert.ok(expect > 10000, `read ${expect} samples`);
    assert.equal(s.pending, next - expect);
  });

  test('clip boundaries stay right over a long talkspurt that never runs dry', () => {
    const s = new TalkspurtSource();
    const out = new Int16Array(160);
    // Ten 20 ms clips ahead, then one in and one out per frame, for an hour's worth of frames.
    for (let i = 0; i < 10; i++) s.append(new Int16Array(160));
    for (let frame = 0; frame < 180_000; frame++) {
      s.append(new Int16Array(160));
      assert.equal(s.read(out), 160);
      if (frame % 997 === 0) assert.equal(s.clipsLeft, 10, `frame ${frame}`);
    }
    assert.equal(s.clipsLeft, 10);
    assert.equal(s.pending, 1600);
  });
});
