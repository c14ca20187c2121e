import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { writeTelephoneEvent } from '../../../../src/media/dtmf/rfc4733.ts';
import { Rfc4733Receiver } from '../../../../src/media/dtmf/rfc4733-receiver.ts';
import type { DtmfEvent } from '../../../../src/media/dtmf/types.ts';
import { parseRtp, readPcapFile } from '../../../helpers/pcap.ts';

/** SIPp's own pcaps (Debian package sip-tester). */
const SIPP_PCAPS = '/usr/share/sip-tester';
/** The lab's "1234#" pcap, read in place (never copied into the project). */
const LAB_DTMF_1234 = '/work/shared/lab/sipp/pcap/dtmf_1234.pcap';
const TELEPHONE_EVENT_PT = 101;

function payload(event: number, duration: number, end = false, volume = 10): Uint8Array {
  const out = new Uint8Array(4);
  writeTelephoneEvent(out, 0, { event, end, volume, duration });
  return out;
}

/** A receiver on a clock the test moves; `events` collects what it reports. */
function setup(opts: { clockRate?: number } = {}) {
  const clock = { t: 10_000 };
  const events: DtmfEvent[] = [];
  const rx = new Rfc4733Receiver({ ...opts, onDigit: (e) => events.push(e), now: () => clock.t });
  let seq = 100;
  /** One packet, `advance` ms after the previous one; sequence numbers count up unless given. */
  const send = (ts: number, p: Uint8Array, o: { advance?: number; seq?: number; marker?: boolean } = {}) => {
    clock.t += o.advance ?? 20;
    rx.push(ts, o.marker ?? false, p, o.seq ?? seq++);
  };
  /** A whole event as a sender makes it: start (marker), updates, three end packets. */
  const press = (ts: number, code: number, updates = 4, step = 160) => {
    send(ts, payload(code, step), { marker: true });
    for (let k = 2; k <= updates; k++) send(ts, payload(code, k * step));
    for (let i = 0; i < 3; i++)
      send(ts, payload(code, (updates + 1) * step, true), { advance: i === 0 ? 20 : 0 });
  };
  return { clock, events, rx, send, press };
}

const digits = (events: DtmfEvent[]) => events.map((e) => e.digit).join('');

describe('Rfc4733Receiver: hand-made sequences', () => {
  test('normal event: reported once, at the first end packet, with its start time and duration', () => {
    const { clock, events, send } = setup();
    const ts = 48_000;
    send(ts, payload(5, 160), { marker: true });
    const startedAt = clock.t;
    for (const d of [320, 480, 640]) send(ts, payload(5, d));
    assert.equal(events.length, 0, 'nothing before the end');
    send(ts, payload(5, 800, true));
    assert.deepEqual(events, [
      { digit: '5', source: 'rfc4733', atMs: startedAt, durationMs: 100, volume: 10 },
    ]);
    send(ts, payload(5, 800, true), { advance: 0 });
    send(ts, payload(5, 800, true), { advance: 0 });
    assert.equal(events.length, 1, 'the redundant end packets add nothing');
  });

  test('late redundant end packets, even a second later, are ignored and counted', () => {
    const { events, rx, send, press } = setup();
    press(1000, 7);
    send(1000, payload(7, 800, true), { advance: 1000 });
    send(1000, payload(7, 640), { advance: 5 });
    rx.poll(1e12);
    assert.equal(digits(events), '7');
    assert.equal(rx.counters.late, 2 + 2, 'the two redundant ends of press(), then these two');
  });

  test('lost start packet: the first packet seen starts the event', () => {
    const { clock, events, send } = setup();
    send(3200, payload(9, 320));
    const firstSeen = clock.t;
    send(3200, payload(9, 480));
    send(3200, payload(9, 640, true));
    assert.equal(events.length, 1);
    assert.equal(events[0].digit, '9');
    assert.equal(events[0].atMs, firstSeen);
    assert.equal(events[0].durationMs, 80);
  });

  test('all end packets lost: poll() reports after 600 ms of quiet, once', () => {
    const { clock, events, rx, send } = setup();
    send(0, payload(1, 160), { marker: true });
    send(0, payload(1, 320));
    send(0, payload(1, 480));
    const last = clock.t;
    for (let t = last + 20; t < last + 600; t += 20) {
      clock.t = t;
      rx.poll(t);
    }
    assert.equal(events.length, 0, 'not before 600 ms');
    clock.t = last + 600;
    rx.poll(clock.t);
    assert.equal(digits(events), '1');
    assert.equal(events[0].durationMs, 60, 'the longest duration seen');
    rx.poll(clock.t + 1000);
    send(0, payload(1, 800, true), { advance: 2000 }); // the ends, very late
    assert.equal(events.length, 1);
  });

  test('a reordered update with a smaller duration does not shorten the event', () => {
    const { clock, events, rx, send } = setup();
    send(0, payload(3, 160), { marker: true, seq: 1 });
    send(0, payload(3, 480), { seq: 3 });
    send(0, payload(3, 320), { seq: 2 }); // arrives last; the end packets are all lost
    rx.poll(clock.t + 600);
    assert.equal(digits(events), '3');
    assert.equal(events[0].durationMs, 60);
  });

  test('poll() also counts quiet time on the receiver clock, so a monotonic media clock works', () => {
    const { clock, events, rx, send } = setup();
    clock.t = 1.7e12; // wall clock
    send(0, payload(4, 160), { marker: true });
    clock.t += 599;
    rx.poll(5_000); // a performance.now()-like media clock: far behind the wall clock
    assert.equal(events.length, 0);
    clock.t += 1;
    rx.poll(5_020);
    assert.equal(digits(events), '4');
  });

  test('poll(Infinity) ends the current event at once (call teardown)', () => {
    const { events, rx, send } = setup();
    send(0, payload(11, 160), { marker: true });
    rx.poll(Number.POSITIVE_INFINITY);
    assert.equal(digits(events), '#');
  });

  test('end packets lost, then a new event: the old one is reported first', () => {
    const { events, send } = setup();
    send(0, payload(2, 160), { marker: true });
    send(0, payload(2, 320));
    send(1600, payload(3, 160), { marker: true });
    assert.equal(digits(events), '2');
    assert.equal(events[0].durationMs, 40);
    send(1600, payload(3, 320, true));
    assert.equal(digits(events), '23');
  });

  test('back-to-back presses of one key: two timestamps, two digits', () => {
    const { events, press } = setup();
    press(8000, 8);
    press(8000 + 1280, 8);
    press(8000 + 2560, 8);
    assert.equal(digits(events), '888');
  });

  test('reordering: a smaller duration after a larger one, an update after the end, a new event before the old ends', () => {
    const { events, rx, send } = setup();
    send(0, payload(6, 160), { marker: true, seq: 1 });
    send(0, payload(6, 480), { seq: 3 });
    send(0, payload(6, 320), { seq: 2 }); // late update
    send(0, payload(6, 800, true), { seq: 5 });
    send(0, payload(6, 640), { seq: 4 }); // update after the end
    assert.equal(digits(events), '6');
    assert.equal(events[0].durationMs, 100);
    // The next event's first packet overtakes the previous event's end packets.
    send(1600, payload(6, 160), { marker: true, seq: 6 });
    send(3200, payload(0, 160), { marker: true, seq: 10 });
    send(1600, payload(6, 320, true), { seq: 8 });
    send(1600, payload(6, 320, true), { seq: 9 });
    send(3200, payload(0, 320, true), { seq: 11 });
    assert.equal(digits(events), '660');
    assert.ok(rx.counters.late >= 3);
  });

  test('a packet of an older, never seen event that arrives after a newer one is stale', () => {
    const { events, rx, send } = setup();
    send(5000, payload(3, 160), { marker: true, seq: 50 });
    send(3000, payload(2, 320, true), { seq: 40 }); // older timestamp and sequence number
    send(5000, payload(3, 320, true), { seq: 51 });
    assert.equal(digits(events), '3');
    assert.equal(rx.counters.stale, 1);
  });

  test('a sender whose timestamps jump back (newer sequence number) still starts new events', () => {
    const { events, press, send } = setup();
    press(900_000, 1);
    send(1000, payload(2, 160), { marker: true });
    send(1000, payload(2, 320, true));
    assert.equal(digits(events), '12');
  });

  test('timestamp and sequence number wrap', () => {
    const { events, rx, send } = setup();
    const near = 0xffff_fe00;
    send(near, payload(1, 160), { marker: true, seq: 65534 });
    send(near, payload(1, 320), { seq: 65535 });
    send(near, payload(1, 480, true), { seq: 0 });
    send(near, payload(1, 480, true), { seq: 1 });
    const wrapped = (near + 1600) >>> 0; // 0x440
    assert.equal(wrapped, 0x440);
    send(wrapped, payload(2, 160), { marker: true, seq: 2 });
    send(wrapped, payload(2, 320, true), { seq: 3 });
    // A late packet of the event before the wrap is recognised, not taken for a new event.
    const late = rx.counters.late;
    send(near, payload(1, 480, true), { seq: 1 });
    assert.equal(digits(events), '12');
    assert.equal(rx.counters.late, late + 1);
    // Timestamps given as negative int32 values name the same event.
    send(near | 0, payload(1, 480, true), { seq: 1 });
    assert.equal(digits(events), '12');
  });

  test('events that are not DTMF (16 = flash) are followed but not reported', () => {
    const { events, press } = setup();
    press(0, 16);
    press(2000, 12);
    press(4000, 200);
    assert.equal(digits(events), 'A');
  });

  test('payloads shorter than 4 bytes are counted and dropped', () => {
    const { events, rx, send } = setup();
    send(0, Uint8Array.of(1, 10, 0));
    rx.poll(1e15);
    assert.equal(events.length, 0);
    assert.equal(rx.counters.short, 1);
  });

  test('duration uses the clock rate (telephone-event/16000)', () => {
    const { events, press } = setup({ clockRate: 16000 });
    press(0, 0, 4, 320);
    assert.equal(events[0].durationMs, 100);
  });

  test('a long event continued in a second segment (2.5.2.3) is one digit', () => {
    const { events, send } = setup();
    for (let d = 0; d <= 65_000; d += 5000) send(0, payload(5, Math.max(d, 160)), { marker: d === 0 });
    send(0, payload(5, 65535));
    send(65535, payload(5, 1600));
    send(65535, payload(5, 3200, true));
    assert.equal(digits(events), '5');
    assert.equal(events[0].durationMs, (65535 + 3200) / 8);
  });

  test('reset() forgets the event in progress and the reported ones', () => {
    const { events, rx, send, press } = setup();
    press(0, 1);
    send(1600, payload(2, 160), { marker: true });
    rx.reset();
    rx.poll(1e15);
    assert.equal(digits(events), '1');
    press(0, 1); // a new stream may reuse a timestamp
    assert.equal(digits(events), '11');
  });
});

/**
 * Feeds the RTP telephone-event packets of `files` to one receiver, file after file, each
 * at its capture time; the receiver's clock is the capture clock.
 */
function replay(files: string[]): DtmfEvent[] {
  let now = 0;
  const events: DtmfEvent[] = [];
  const rx = new Rfc4733Receiver({ onDigit: (e) => events.push(e), now: () => now });
  for (const file of files) {
    for (const { tsMs, payload } of readPcapFile(file)) {
      const rtp = parseRtp(payload);
      assert.ok(rtp, 'every datagram is RTP');
      assert.equal(rtp.payloadType, TELEPHONE_EVENT_PT);
      now = tsMs;
      rx.push(rtp.timestamp, rtp.marker, rtp.payload, rtp.seq);
    }
  }
  rx.poll(now + 10_000);
  return events;
}

describe('Rfc4733Receiver: real pcaps', () => {
  const names = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'star', 'pound'];
  const sippMissing = !existsSync(`${SIPP_PCAPS}/dtmf_2833_0.pcap`);
  const sippSkip = sippMissing && `SIPp's pcaps are missing in ${SIPP_PCAPS} (apt-get install sip-tester)`;

  for (const name of names) {
    const digit = name === 'star' ? '*' : name === 'pound' ? '#' : name;
    test(`SIPp dtmf_2833_${name}.pcap gives '${digit}' once`, { skip: sippSkip }, () => {
      const file = `${SIPP_PCAPS}/dtmf_2833_${name}.pcap`;
      const events = replay([file]);
      // The pcap: marker packet with duration 0, six updates, then the end packet three times
      // with one sequence number, duration 2240 (280 ms).
      assert.equal(events.length, 1);
      assert.equal(events[0].digit, digit);
      assert.equal(events[0].durationMs, 280);
      assert.equal(events[0].volume, 10);
      assert.equal(events[0].atMs, readPcapFile(file)[0].tsMs);
    });
  }

  test('the twelve SIPp pcaps back to back on one receiver: twelve digits', { skip: sippSkip }, () => {
    // The files share one SSRC; put them in their senders' order (sequence numbers). Their
    // capture times are not in that order ('0' and '1' have the same ones) and '0' has a
    // timestamp older than the others but a newer sequence number: a sender whose timestamp
    // went back, which must not hide the digit.
    const files = names.map((n, i) => ({
      file: `${SIPP_PCAPS}/dtmf_2833_${n}.pcap`,
      digit: '0123456789*#'[i],
      seq: parseRtp(readPcapFile(`${SIPP_PCAPS}/dtmf_2833_${n}.pcap`)[0].payload)?.seq ?? 0,
    }));
    files.sort((a, b) => a.seq - b.seq);
    const events = replay(files.map((f) => f.file));
    assert.equal(digits(events), files.map((f) => f.digit).join(''));
    assert.equal(digits(events), '123456789*#0');
  });

  test('lab dtmf_1234.pcap gives 1234# in order', {
    skip: !existsSync(LAB_DTMF_1234) && `${LAB_DTMF_1234} is missing`,
  }, () => {
    const events = replay([LAB_DTMF_1234]);
    assert.equal(digits(events), '1234#');
    for (const e of events) assert.equal(e.durationMs, 100);
    const t0 = events[0].atMs;
    assert.deepEqual(
      events.map((e) => e.atMs - t0),
      [0, 200, 400, 600, 800],
    );
  });
});
