import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlayoutQueue } from '../../../../src/media/stream/playout-queue.ts';
import { PlayerEndpoint, settle } from './player-endpoint.ts';

function ramp(from: number, n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => from + i);
}

function setup(max = 1_000_000) {
  const ep = new PlayerEndpoint();
  const played: Array<{ name: string; sentSamples: number }> = [];
  const q = new PlayoutQueue(ep, max, (name) => played.push({ name, sentSamples: ep.sent.length }));
  return { ep, q, played };
}

async function ticks(ep: PlayerEndpoint, n: number): Promise<void> {
  // Clips load in a microtask, as in the engine where a clock period is far away.
  for (let i = 0; i < n; i++) {
    await settle();
    ep.tick();
    await settle();
  }
}

describe('PlayoutQueue', () => {
  test('clips play in order, back to back, never overlapping', async () => {
    const { ep, q } = setup();
    const a = ramp(1, 250);
    const b = ramp(1000, 170);
    const c = ramp(5000, 100);
    q.enqueue(a);
    q.enqueue(b);
    await settle();
    q.enqueue(c); // queued while the first plays
    await ticks(ep, 5);
    const out = ep.sent.slice(0, 520);
    assert.deepEqual(out, [...a, ...b, ...c]);
    assert.ok(ep.sent.slice(520).every((s) => s === 0));
    assert.equal(q.clips, 0);
    assert.equal(q.queuedSamples, 0);
  });

  test('a checkpoint is reported only after the last sample queued before it was sent', async () => {
    const { ep, q, played } = setup();
    await settle();
    q.enqueue(ramp(1, 1000)); // 6.25 frames
    q.checkpoint('one');
    q.enqueue(ramp(1, 320));
    q.checkpoint('two');
    await settle();
    await ticks(ep, 6);
    assert.equal(played.length, 0, 'nothing acknowledged while the clip plays');
    await ticks(ep, 1);
    assert.deepEqual(played, [{ name: 'one', sentSamples: 1120 }]);
    assert.ok(played[0].sentSamples >= 1000);
    await ticks(ep, 2);
    assert.deepEqual(
      played.map((p) => p.name),
      ['one', 'two'],
    );
    assert.ok((played[1]?.sentSamples ?? 0) >= 1320);
  });

  test('a checkpoint with nothing queued is reported at once', () => {
    const { q, played } = setup();
    q.checkpoint('now');
    assert.deepEqual(
      played.map((p) => p.name),
      ['now'],
    );
  });

  test('clear cuts the clip playing at once, drops the queue and its checkpoints', async () => {
    const { ep, q, played } = setup();
    q.enqueue(Int16Array.from({ length: 8000 }, () => 1000));
    q.checkpoint('never');
    q.enqueue(Int16Array.from({ length: 8000 }, () => 2000));
    await ticks(ep, 10);
    assert.equal(q.clear(), 2);
    const cutAt = ep.sent.length;
    await ticks(ep, 5);
    assert.ok(
      ep.sent.slice(cutAt).every((s) => s === 0),
      'the very next frame is silence',
    );
    assert.equal(played.length, 0);
    q.enqueue(Int16Array.from({ length: 160 }, () => 3000));
    q.checkpoint('after');
    await ticks(ep, 2);
    assert.ok(ep.sent.slice(-320).includes(3000), 'audio queued after the clear plays');
    assert.deepEqual(
      played.map((p) => p.name),
      ['after'],
    );
  });

  test('a clip stopped by something else (REST stop play) suppresses its checkpoint', async () => {
    const { ep, q, played } = setup();
    q.enqueue(ramp(1, 800));
    q.checkpoint('cut');
    await ticks(ep, 2);
    ep.stopPlayback();
    await ticks(ep, 6);
    assert.deepEqual(played, []);
    assert.equal(q.clips, 0);
  });

  test('the queue is bounded: audio over the bound is refused, not buffered', async () => {
    const { ep, q } = setup(1000);
    assert.equal(q.enqueue(new Int16Array(600)), true);
    assert.equal(q.enqueue(new Int16Array(600)), false);
    assert.equal(q.queuedSamples, 600);
    await ticks(ep, 5);
    assert.equal(q.queuedSamples, 0);
    assert.equal(q.enqueue(new Int16Array(600)), true);
  });

  test('after close nothing is accepted and nothing is reported', async () => {
    const { ep, q, played } = setup();
    q.enqueue(new Int16Array(320));
    q.checkpoint('x');
    q.close();
    assert.equal(q.enqueue(new Int16Array(10)), false);
    q.checkpoint('y');
    await ticks(ep, 3);
    assert.deepEqual(played, []);
  });

  test('back-to-back clips are one talkspurt: one playback, one marker bit, no seam in the samples', async () => {
    const { ep, q } = setup();
    const a = ramp(1, 250);
    const b = ramp(1000, 170);
    const c = ramp(5000, 330);
    q.enqueue(a);
    await ticks(ep, 1);
    q.enqueue(b); // arrives while a plays: b starts inside the second frame, after a's last 90 samples
    await ticks(ep, 1);
    q.enqueue(c);
    await ticks(ep, 3);
    assert.equal(ep.plays, 1, 'one playback for the three clips');
    assert.equal(q.talkspurts, 1);
    assert.deepEqual(
      ep.markers.slice(0, 5),
      [true, false, false, false, false],
      'marker on the first frame only',
    );
    assert.deepEqual(ep.sent.slice(0, 750), [...a, ...b, ...c], 'sample-contiguous across clip boundaries');
    assert.ok(ep.sent.slice(750).every((v) => v === 0));
  });

  test('a clip after the queue ran dry, or after clear, starts a new talkspurt with a marker', async () => {
    const { ep, q } = setup();
    q.enqueue(ramp(1, 320)); // exactly two frames
    await ticks(ep, 2);
    q.enqueue(ramp(400, 160)); // still in time: the source was not found empty yet
    await ticks(ep, 1);
    assert.equal(q.talkspurts, 1, 'audio appended at a frame boundary continues the talkspurt');
    await ticks(ep, 2); // a frame of silence: the talkspurt is over
    q.enqueue(ramp(2000, 800));
    await ticks(ep, 2);
    assert.equal(q.talkspurts, 2);
    q.clear();
    q.enqueue(ramp(3000, 160));
    await ticks(ep, 2);
    assert.equal(q.talkspurts, 3);
    assert.deepEqual(
      ep.markers.flatMap((m, i) => (m ? [i] : [])),
      [0, 5, 7],
      'markers: the first frame, the first after silence, the first after clear',
    );
    assert.deepEqual(ep.sent.slice(0, 480), [...ramp(1, 320), ...ramp(400, 160)]);
    assert.deepEqual(ep.sent.slice(800, 1120), [...ramp(2000, 320)]);
    assert.deepEqual(ep.sent.slice(1120, 1280), [...ramp(3000, 160)], 'the cleared clip is cut at once');
  });

  test('a checkpoint between clips is answered in the tick that sent the last sample before it', async () => {
    const { ep, q, played } = setup();
    q.enqueue(ramp(1, 400));
    q.checkpoint('a');
    q.enqueue(ramp(1, 400));
    q.checkpoint('b');
    await ticks(ep, 2);
    assert.equal(played.length, 0, '320 of 400 samples sent');
    await ticks(ep, 1);
    assert.deepEqual(played, [{ name: 'a', sentSamples: 480 }], 'after the frame with sample 400 went out');
    await ticks(ep, 2);
    // 800 samples end exactly on a frame: answered with that frame, not one frame later.
    assert.deepEqual(played[1], { name: 'b', sentSamples: 800 });
    q.checkpoint('now');
    assert.equal(played[2]?.name, 'now', 'nothing left to play: answered at once');
    assert.equal(ep.plays, 1);
  });
});
