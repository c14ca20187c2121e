import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameTicker } from '../../../../src/media/stream/frame-ticker.ts';
import { TrackTap } from '../../../../src/media/stream/track-tap.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

function tap() {
  const frames: number[][] = [];
  const t = new TrackTap('inbound', (_track, f) => frames.push([...f]));
  return { t, frames };
}

describe('TrackTap', () => {
  test('packets of any size come out as 20 ms frames, in order, as soon as complete', () => {
    const { t, frames } = tap();
    const audio = Int16Array.from({ length: 1000 }, (_, i) => i);
    t.push(audio.subarray(0, 80));
    assert.equal(frames.length, 0);
    t.push(audio.subarray(80, 320)); // 30 ms
    assert.equal(frames.length, 2);
    t.push(audio.subarray(320, 1000));
    assert.equal(frames.length, 6);
    assert.deepEqual(frames.flat(), [...audio.subarray(0, 960)]);
  });

  test('a gap in the audio is filled with silence at the real-time pace; audio resumes in place', () => {
    const { t, frames } = tap();
    t.push(new Int16Array(320).fill(5));
    t.fill(80); // 4 due, 2 sent: late packets, not a gap
    assert.equal(frames.length, 2);
    t.fill(120); // 6 due: a gap, filled to one behind
    assert.equal(frames.length, 5);
    t.fill(140);
    assert.equal(frames.length, 6);
    t.fill(160);
    assert.equal(frames.length, 7);
    assert.equal(t.filled, 5);
    t.push(new Int16Array(160).fill(9));
    assert.equal(frames.length, 8, 'audio goes out at once');
    t.fill(180);
    assert.equal(frames.length, 8, 'back to audio: no filling while within reach');
    assert.ok(frames.slice(2, 7).every((f) => f.every((s) => s === 0)));
  });

  test('a partial frame is completed with silence when a gap starts', () => {
    const { t, frames } = tap();
    t.push(new Int16Array(100).fill(3));
    t.fill(100);
    assert.equal(frames[0]?.filter((s) => s === 3).length, 100);
    assert.equal(frames[0]?.length, 160);
  });
});

describe('FrameTicker', () => {
  test('one timer for all listeners, every 20 ms from the start, only while listened to', () => {
    const clock = new FakeClock();
    const ticker = new FrameTicker(clock);
    const a: number[] = [];
    const b: number[] = [];
    const offA = ticker.add((now) => a.push(now));
    clock.advance(10);
    const offB = ticker.add((now) => b.push(now));
    clock.advance(50);
    assert.deepEqual(a, [20, 40, 60]);
    assert.deepEqual(b, [20, 40, 60]);
    assert.equal(clock.armed, 1);
    offA();
    offB();
    assert.equal(clock.armed, 0);
    clock.advance(100);
    assert.equal(a.length, 3);
  });

  test('a listener that throws does not stop the others', () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    const ticker = new FrameTicker(clock, 20, (e) => errors.push(e));
    const seen: number[] = [];
    ticker.add(() => {
      throw new Error('bad');
    });
    ticker.add((now) => seen.push(now));
    clock.advance(40);
    assert.deepEqual(seen, [20, 40]);
    assert.equal(errors.length, 2);
  });
});
