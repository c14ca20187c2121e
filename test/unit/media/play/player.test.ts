import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AudioSource, ClipSource, SilenceSource } from '../../../../src/media/play/audio-source.ts';
import { Player } from '../../../../src/media/play/player.ts';

const clip = (value: number, n: number) =>
  Promise.resolve<AudioSource>(new ClipSource(new Int16Array(n).fill(value)));
const tick = () => new Promise((r) => setImmediate(r));

function pull(p: Player, frames: number): { values: number[]; started: boolean[]; counts: number[] } {
  const out = new Int16Array(160);
  const flags = { started: false };
  const values: number[] = [];
  const started: boolean[] = [];
  const counts: number[] = [];
  for (let i = 0; i < frames; i++) {
    counts.push(p.read(out, flags));
    values.push(...out);
    started.push(flags.started);
  }
  return { values, started, counts };
}

describe('Player', () => {
  it('plays items back to back without a gap, even mid-frame, and reports the exact position', async () => {
    const p = new Player();
    const pb = p.play([clip(1, 100), clip(2, 300)]);
    await tick();
    const { values, counts, started } = pull(p, 3);
    assert.deepEqual(counts, [160, 160, 80]);
    assert.deepEqual(values.slice(95, 105), [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    assert.deepEqual(values.slice(395, 405), [2, 2, 2, 2, 2, 0, 0, 0, 0, 0]);
    assert.deepEqual(started, [true, false, false]);
    const r = await pb.done;
    assert.equal(r.reason, 'finished');
    assert.equal(r.playedMs, 400 / 8);
  });

  it('loops N times, and 0 loops until stopped', async () => {
    const p = new Player();
    const three = p.play([clip(5, 160)], { loop: 3 });
    await tick();
    const { counts } = pull(p, 4);
    assert.deepEqual(counts, [160, 160, 160, 0]);
    assert.equal((await three.done).playedMs, 60);

    const forever = p.play([clip(7, 160)], { loop: 0 });
    await tick();
    assert.deepEqual(pull(p, 50).counts.filter((c) => c === 160).length, 50);
    forever.stop();
    const r = await forever.done;
    assert.equal(r.reason, 'stopped');
    assert.equal(r.playedMs, 1000);
    assert.equal(p.busy, false);
  });

  it('reports nothing playing while a source loads, then starts from its first sample', async () => {
    const p = new Player();
    let resolve!: (s: AudioSource) => void;
    const pb = p.play([new Promise<AudioSource>((r) => (resolve = r))]);
    assert.deepEqual(pull(p, 2).counts, [0, 0]);
    resolve(new ClipSource(Int16Array.from({ length: 160 }, (_, i) => i)));
    await tick();
    const { values, started } = pull(p, 1);
    assert.equal(values[0], 0);
    assert.equal(values[159], 159);
    assert.deepEqual(started, [true]);
    assert.equal(pb.positionMs, 20);
  });

  it('queues playbacks in order; stopAll ends the current and the queued ones', async () => {
    const p = new Player();
    const a = p.play([clip(1, 1600)]);
    const b = p.play([clip(2, 1600)]);
    await tick();
    assert.equal(pull(p, 1).values[0], 1);
    assert.equal(p.current?.id, a.id);
    p.stopAll();
    assert.equal((await a.done).reason, 'stopped');
    assert.equal((await b.done).reason, 'stopped');
    assert.equal((await b.done).playedMs, 0);
  });

  it('ends with an error when a source fails to load, and goes on with the next playback', async () => {
    const p = new Player();
    const bad = p.play([Promise.reject(new Error('404 from the web server'))]);
    const good = p.play([clip(3, 160)]);
    await tick();
    const { counts, values } = pull(p, 2);
    assert.deepEqual(counts, [160, 0]);
    assert.equal(values[0], 3);
    const r = await bad.done;
    assert.equal(r.reason, 'error');
    assert.match(String(r.error?.message), /404/);
    assert.equal((await good.done).reason, 'finished');
  });

  it('an abort signal stops the playback', async () => {
    const p = new Player();
    const ac = new AbortController();
    const pb = p.play([Promise.resolve(new SilenceSource(8000))], { signal: ac.signal });
    await tick();
    pull(p, 2);
    ac.abort();
    const r = await pb.done;
    assert.equal(r.reason, 'stopped');
    assert.equal(r.playedMs, 40);
  });
});
