import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTelephoneEvent } from '../../../../src/media/dtmf/rfc4733.ts';
import { Rfc4733Receiver } from '../../../../src/media/dtmf/rfc4733-receiver.ts';
import {
  type DtmfSendPacket,
  DtmfSendQueue,
  type DtmfSendQueueOptions,
  telephoneEventPackets,
} from '../../../../src/media/dtmf/rfc4733-sender.ts';
import { DtmfError, type DtmfEvent } from '../../../../src/media/dtmf/types.ts';

function dtmfError(fn: () => unknown, code: DtmfError['code']): void {
  assert.throws(fn, (err: unknown) => err instanceof DtmfError && err.code === code);
}

/** Packets as [duration, marker, end] triples. */
function shape(packets: Iterable<{ payload: Uint8Array; marker: boolean; end: boolean }>) {
  return [...packets].map((p) => {
    const ev = parseTelephoneEvent(p.payload);
    assert.ok(ev);
    assert.equal(ev.end, p.end, 'the E bit matches `end`');
    return [ev.duration, p.marker, p.end];
  });
}

describe('telephoneEventPackets (RFC 4733 2.5.1)', () => {
  test('100 ms at 20 ms: marker first, growing duration, the final duration three times with E', () => {
    const packets = [...telephoneEventPackets('#')];
    assert.deepEqual(shape(packets), [
      [160, true, false],
      [320, false, false],
      [480, false, false],
      [640, false, false],
      [800, false, true],
      [800, false, true],
      [800, false, true],
    ]);
    for (const p of packets) {
      assert.equal(p.tsOffset, 0);
      assert.equal(p.payload.length, 4);
      assert.deepEqual(
        { ...parseTelephoneEvent(p.payload), duration: 0, end: false },
        { event: 11, end: false, volume: 10, duration: 0 },
      );
    }
  });

  test('a duration that is no whole number of packets ends on the exact duration', () => {
    assert.deepEqual(shape(telephoneEventPackets('1', { durationMs: 50 })), [
      [160, true, false],
      [320, false, false],
      [400, false, true],
      [400, false, true],
      [400, false, true],
    ]);
  });

  test('a tone no longer than one packet: three packets, all with E, the first with the marker', () => {
    assert.deepEqual(shape(telephoneEventPackets('D', { durationMs: 20 })), [
      [160, true, true],
      [160, false, true],
      [160, false, true],
    ]);
  });

  test('volume, packet interval and clock rate', () => {
    const packets = [
      ...telephoneEventPackets('0', { durationMs: 90, volume: 30, packetMs: 30, clockRate: 16000 }),
    ];
    assert.deepEqual(shape(packets), [
      [480, true, false],
      [960, false, false],
      [1440, false, true],
      [1440, false, true],
      [1440, false, true],
    ]);
    assert.equal(parseTelephoneEvent(packets[0].payload)?.volume, 30);
  });

  test('bad options and keys are refused with a code', () => {
    const first = (o: object) => telephoneEventPackets('1', o).next();
    dtmfError(() => first({ volume: 64 }), 'BAD_OPTION');
    dtmfError(() => first({ volume: 1.5 }), 'BAD_OPTION');
    dtmfError(() => first({ durationMs: 0 }), 'BAD_OPTION');
    dtmfError(() => first({ durationMs: 9000 }), 'BAD_OPTION'); // over 65535 samples at 8 kHz
    dtmfError(() => first({ packetMs: 0 }), 'BAD_OPTION');
    dtmfError(() => first({ packetMs: 0.01 }), 'BAD_OPTION'); // not a whole number of samples
    dtmfError(() => telephoneEventPackets('x' as '1').next(), 'BAD_DIGIT');
  });
});

/** Drives a queue for `ticks` ticks of the media clock; returns one entry per tick. */
function drive(queue: DtmfSendQueue, ticks: number, ts0 = 1000, step = 160) {
  const out: (null | {
    tick: number;
    ts: number;
    digit: string;
    dur: number;
    m: boolean;
    e: boolean;
    s: boolean;
  })[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const p = queue.next(ts0 + tick * step);
    out.push(p && describePacket(p, tick));
  }
  return out;
}

function describePacket(p: DtmfSendPacket, tick: number) {
  const ev = parseTelephoneEvent(p.payload);
  assert.ok(ev);
  assert.equal(ev.end, p.end);
  return { tick, ts: p.timestamp, digit: p.digit, dur: ev.duration, m: p.marker, e: p.end, s: p.startsEvent };
}

describe('DtmfSendQueue', () => {
  test('two digits: 7 packets each, 60 ms of gap after the tone, a new timestamp for the second', () => {
    const q = new DtmfSendQueue();
    assert.equal(q.busy, false);
    assert.equal(q.next(0), null, 'nothing queued: null');
    q.enqueue('12');
    assert.equal(q.busy, true);
    const ticks = drive(q, 20);
    const summary = ticks.map((t) => (t ? `${t.digit}:${t.dur}${t.m ? 'M' : ''}${t.e ? 'E' : ''}` : '-'));
    assert.deepEqual(summary, [
      '1:160M',
      '1:320',
      '1:480',
      '1:640',
      '1:800E', // the tone ends: the 60 ms gap starts
      '1:800E',
      '1:800E',
      '-',
      '2:160M', // 3 ticks (60 ms) after the end of the tone
      '2:320',
      '2:480',
      '2:640',
      '2:800E',
      '2:800E',
      '2:800E',
      '-',
      '-',
      '-',
      '-',
      '-',
    ]);
    assert.equal(q.busy, false);
    const sent = ticks.filter((t) => t !== null);
    assert.deepEqual([...new Set(sent.filter((t) => t.digit === '1').map((t) => t.ts))], [1000]);
    assert.deepEqual([...new Set(sent.filter((t) => t.digit === '2').map((t) => t.ts))], [1000 + 8 * 160]);
    assert.deepEqual(
      sent.filter((t) => t.s).map((t) => t.tick),
      [0, 8],
      'startsEvent on the first packet of each event only',
    );
  });

  test('the redundant end packets are sent even with a gap shorter than two ticks', () => {
    const q = new DtmfSendQueue({ gapMs: 0, durationMs: 40 });
    q.enqueue('55');
    const summary = drive(q, 10).map((t) => (t ? `${t.dur}${t.e ? 'E' : ''}` : '-'));
    assert.deepEqual(summary, ['160', '320E', '320E', '320E', '160', '320E', '320E', '320E', '-', '-']);
  });

  test('per-enqueue duration, lower-case a-d, and pauses', () => {
    const q = new DtmfSendQueue({ gapMs: 40 });
    q.enqueue('a', 40);
    q.enqueuePause(100);
    q.enqueue('b');
    const sent = drive(q, 20).filter((t) => t !== null);
    assert.deepEqual(
      sent.filter((t) => t.s).map((t) => [t.digit, t.tick]),
      [
        ['A', 0],
        ['B', 9], // tone ends at tick 1, gap 2 ticks (40 ms), pause 5 ticks (100 ms)
      ],
    );
    assert.equal(sent.find((t) => t.digit === 'A' && t.e)?.dur, 320);
  });

  test('a bad key refuses the whole string; bad options are refused at construction', () => {
    const q = new DtmfSendQueue();
    dtmfError(() => q.enqueue('12x3'), 'BAD_DIGIT');
    assert.equal(q.busy, false, 'nothing was queued');
    dtmfError(() => q.enqueue('1', 0), 'BAD_OPTION');
    dtmfError(() => q.enqueuePause(-1), 'BAD_OPTION');
    dtmfError(() => new DtmfSendQueue({ gapMs: -5 }), 'BAD_OPTION');
    dtmfError(() => new DtmfSendQueue({ volume: 99 }), 'BAD_OPTION');
  });

  test('clear() drops queued digits; the digit on the wire still ends with three E packets', () => {
    const q = new DtmfSendQueue();
    q.enqueue('789');
    const first = drive(q, 2);
    assert.deepEqual(
      first.map((t) => t?.dur),
      [160, 320],
    );
    q.clear();
    const rest = drive(q, 10, 1000 + 2 * 160).map((t) => (t ? `${t.digit}:${t.dur}${t.e ? 'E' : ''}` : '-'));
    assert.deepEqual(rest, ['7:320E', '7:320E', '7:320E', '-', '-', '-', '-', '-', '-', '-']);
    assert.equal(q.busy, false);
  });

  test('clear() during a pause ends it at once', () => {
    const q = new DtmfSendQueue();
    q.enqueuePause(1000);
    assert.equal(q.next(0), null);
    assert.equal(q.busy, true);
    q.clear();
    assert.equal(q.busy, false);
    q.enqueue('1');
    assert.equal(q.next(0)?.startsEvent, true);
  });
});

/**
 * Sends `digits` through a queue and a simulated RTP link (20 ms ticks, timestamps +160,
 * sequence +1 per packet) into a receiver. `keep(n)` decides whether packet n arrives.
 */
function loop(digits: string, opts: DtmfSendQueueOptions = {}, keep: (n: number) => boolean = () => true) {
  const q = new DtmfSendQueue(opts);
  q.enqueue(digits);
  let now = 50_000;
  const events: DtmfEvent[] = [];
  const rx = new Rfc4733Receiver({ onDigit: (e) => events.push(e), now: () => now });
  let seq = 65_500; // wraps on the way
  let n = 0;
  for (let tick = 0; q.busy || tick < 50; tick++) {
    now += 20;
    const p = q.next((0xffff_0000 + tick * 160) >>> 0); // the timestamp wraps too
    rx.poll(now);
    if (!p) continue;
    if (keep(n++)) rx.push(p.timestamp, p.marker, p.payload, seq);
    seq = (seq + 1) & 0xffff;
  }
  return events;
}

describe('sender -> receiver', () => {
  test('all sixteen keys arrive once each, in order, with their duration', () => {
    const events = loop('1234567890*#ABCD');
    assert.equal(events.map((e) => e.digit).join(''), '1234567890*#ABCD');
    for (const e of events) assert.equal(e.durationMs, 100);
    // Each digit takes 8 ticks (5 of tone, 3 of gap).
    for (let i = 1; i < events.length; i++) assert.equal(events[i].atMs - events[i - 1].atMs, 160);
  });

  test('repeated keys stay separate; custom durations and gaps', () => {
    const events = loop('0000##', { durationMs: 60, gapMs: 40 });
    assert.equal(events.map((e) => e.digit).join(''), '0000##');
    for (const e of events) assert.equal(e.durationMs, 60);
  });

  test('with a third of the packets lost, every digit still arrives exactly once', () => {
    const events = loop('1234567890*#', {}, (n) => n % 3 !== 1);
    assert.equal(events.map((e) => e.digit).join(''), '1234567890*#');
  });

  test('with all the end packets lost, every digit still arrives exactly once', () => {
    const q = new DtmfSendQueue();
    q.enqueue('159');
    let now = 0;
    const events: DtmfEvent[] = [];
    const rx = new Rfc4733Receiver({ onDigit: (e) => events.push(e), now: () => now });
    for (let tick = 0; tick < 100; tick++) {
      now += 20;
      const p = q.next(tick * 160);
      rx.poll(now);
      if (p && !p.end) rx.push(p.timestamp, p.marker, p.payload, tick);
    }
    assert.equal(events.map((e) => e.digit).join(''), '159');
  });
});
