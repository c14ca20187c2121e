import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IDLE_EVERY, MediaClock } from '../../../src/media/media-clock.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** A clock whose time the test sets and whose timers fire only when the test says. */
function manualClock(): { now: number; clock: MediaClock; fireLast: () => void } {
  const timers: Array<() => void> = [];
  const m: { now: number; clock: MediaClock; fireLast: () => void } = {
    now: 0,
    clock: new MediaClock({
      clock: {
        now: (): number => m.now,
        setTimer: (_ms, fn) => {
          timers.push(fn);
          return { cancel: () => {} };
        },
      },
    }),
    fireLast: () => (timers.pop() as () => void)(),
  };
  return m;
}

describe('MediaClock', () => {
  it('ticks every 20 ms on a schedule computed from the start, with one timer for all tickers', () => {
    const fake = new FakeClock();
    const clock = new MediaClock({ clock: fake });
    const seen: Array<[string, number, number]> = [];
    clock.add({ onTick: (n, t) => seen.push(['a', n, t]) });
    clock.add({ onTick: (n, t) => seen.push(['b', n, t]) });
    assert.equal(fake.armed, 1);
    fake.advance(100);
    const ticksA = seen.filter((s) => s[0] === 'a').map((s) => [s[1], s[2]]);
    assert.deepEqual(ticksA, [
      [0, 0],
      [1, 20],
      [2, 40],
      [3, 60],
      [4, 80],
      [5, 100],
    ]);
    assert.equal(seen.filter((s) => s[0] === 'b').length, 6);
    assert.equal(fake.armed, 1);
  });

  it('runs the phases in order: mix, send, record', () => {
    const fake = new FakeClock();
    const clock = new MediaClock({ clock: fake });
    const order: string[] = [];
    clock.add({ onTick: () => order.push('record') }, 'record');
    clock.add({ onTick: () => order.push('send') }, 'send');
    clock.add({ onTick: () => order.push('mix') }, 'mix');
    fake.advance(0);
    assert.deepEqual(order, ['mix', 'send', 'record']);
  });

  it('an idle ticker runs once every IDLE_EVERY periods, in lane 0, the idle ones spread over the periods', () => {
    const fake = new FakeClock();
    const clock = new MediaClock({ clock: fake });
    const runs: number[][] = [[], [], []];
    const order: string[] = [];
    clock.add({ onTick: () => order.push('send') }, 'send');
    const removers = runs.map((seen, i) =>
      clock.add(
        {
          onTick: (n) => {
            seen.push(n);
            if (n < IDLE_EVERY) order.push(`idle${i}`);
          },
        },
        'idle',
      ),
    );
    clock.add({ onTick: () => order.push('record') }, 'record');
    assert.deepEqual(clock.stats().idle, 3);
    fake.advance(20 * (3 * IDLE_EVERY - 1));
    // Each in its own period, the same one every IDLE_EVERY periods.
    for (const [i, seen] of runs.entries()) {
      assert.deepEqual(seen, [i, i + IDLE_EVERY, i + 2 * IDLE_EVERY], `idle ticker ${i}`);
    }
    assert.deepEqual(order.slice(0, 4), ['send', 'idle0', 'record', 'send']);
    for (const remove of removers) remove();
    assert.equal(clock.stats().idle, 0);
    assert.equal(clock.running, true, 'the others keep it running');
  });

  it('stops its timer when the last ticker leaves and restarts on the next', () => {
    const fake = new FakeClock();
    const clock = new MediaClock({ clock: fake });
    let n = 0;
    const remove = clock.add({ onTick: () => n++ });
    fake.advance(40);
    remove();
    assert.equal(clock.running, false);
    assert.equal(fake.armed, 0);
    fake.advance(100);
    assert.equal(n, 3);
    clock.add({ onTick: () => n++ });
    assert.equal(fake.armed, 1);
  });

  it('a ticker that removes itself and another that joins in the same tick leave one timer', () => {
    const fake = new FakeClock();
    const clock = new MediaClock({ clock: fake });
    let joined = 0;
    const self = {
      onTick: () => {
        clock.remove(self);
        clock.add({ onTick: () => joined++ });
      },
    };
    clock.add(self);
    fake.advance(0);
    fake.advance(60);
    assert.equal(fake.armed, 1);
    assert.ok(joined >= 3);
  });

  it('skips periods instead of bursting when it falls far behind, and counts them', () => {
    const m = manualClock();
    const clock = m.clock;
    const ticks: number[] = [];
    clock.add({ onTick: (n) => ticks.push(n) });
    m.fireLast();
    m.now = 200; // a 200 ms stall: 10 periods late
    m.fireLast();
    assert.deepEqual(ticks, [0, 10]);
    assert.equal(clock.stats().skipped, 9);
    assert.ok(clock.stats().maxLateMs < 20);
  });

  it('catches up a short delay period by period, so timestamps stay continuous', () => {
    const m = manualClock();
    const clock = m.clock;
    const ticks: number[] = [];
    clock.add({ onTick: (n) => ticks.push(n) });
    m.fireLast();
    m.now = 45;
    m.fireLast();
    assert.deepEqual(ticks, [0, 1, 2]);
    assert.equal(clock.stats().skipped, 0);
  });

  it('a throwing ticker is reported and does not stop the others', () => {
    const fake = new FakeClock();
    const clock = new MediaClock({ clock: fake });
    const errors: unknown[] = [];
    clock.onError((e) => errors.push(e));
    let ok = 0;
    clock.add({
      onTick: () => {
        throw new Error('boom');
      },
    });
    clock.add({ onTick: () => ok++ });
    fake.advance(20);
    assert.equal(ok, 2);
    assert.equal(errors.length, 2);
  });

  it('spreads senders over lanes once lane 0 is full: each keeps its slot of the period', () => {
    const fake = new FakeClock();
    const clock = new MediaClock({ clock: fake, lanes: 4, laneFill: 2 });
    const seen: string[] = [];
    const sender = (name: string) => ({ onTick: (n: number, t: number) => seen.push(`${name}@${n}:${t}`) });
    clock.add({ onTick: (n, t) => seen.push(`mix@${n}:${t}`) }, 'mix');
    clock.add({ onTick: (n, t) => seen.push(`rec@${n}:${t}`) }, 'record');
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) clock.add(sender(name));
    // a, b fill lane 0; c, d, e go to the empty lanes 1-3; f to the emptiest (lane 1).
    assert.deepEqual(clock.stats().lanes, [2, 2, 1, 1]);
    fake.advance(24);
    assert.deepEqual(seen, [
      'mix@0:0',
      'a@0:0',
      'b@0:0',
      'rec@0:0',
      'c@0:5',
      'f@0:5',
      'd@0:10',
      'e@0:15',
      'mix@1:20',
      'a@1:20',
      'b@1:20',
      'rec@1:20',
    ]);
    assert.equal(fake.armed, 1, 'one timer for every lane');
    assert.equal(clock.stats().ticks, 2, 'a tick is a period, not a slot');
  });

  it('skips the slots of empty lanes and keeps the period count exact', () => {
    const fake = new FakeClock();
    const clock = new MediaClock({ clock: fake, lanes: 4, laneFill: 1 });
    const times: number[] = [];
    clock.add({ onTick: () => {} });
    const removeLate = clock.add({ onTick: (n, t) => times.push(n, t) });
    assert.deepEqual(clock.stats().lanes, [1, 1, 0, 0]);
    fake.advance(44);
    assert.deepEqual(times, [0, 5, 1, 25]);
    removeLate();
    assert.deepEqual(clock.stats().lanes, [1, 0, 0, 0]);
    let fired = 0;
    const original = fake.setTimer.bind(fake);
    fake.setTimer = (ms, fn) => {
      fired++;
      return original(ms, fn);
    };
    fake.advance(101);
    assert.ok(fired <= 6, `${fired} timers for 5 periods with only lane 0 in use`);
    assert.equal(clock.currentTick, 7);
  });
});
