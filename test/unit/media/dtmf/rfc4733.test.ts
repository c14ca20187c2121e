import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  digitToEvent,
  eventToDigit,
  parseTelephoneEvent,
  TELEPHONE_EVENT_SIZE,
  writeTelephoneEvent,
} from '../../../../src/media/dtmf/rfc4733.ts';
import { DTMF_DIGITS, type DtmfDigit, DtmfError, isDtmfDigit } from '../../../../src/media/dtmf/types.ts';

function dtmfError(fn: () => unknown, code: DtmfError['code']): void {
  assert.throws(fn, (err: unknown) => err instanceof DtmfError && err.code === code);
}

describe('parseTelephoneEvent (RFC 4733 2.3)', () => {
  test('reads event, E bit, volume and duration', () => {
    // The last packet of SIPp's dtmf_2833_1.pcap: event 1, E, volume 10, duration 2240.
    assert.deepEqual(parseTelephoneEvent(Uint8Array.of(0x01, 0x8a, 0x08, 0xc0)), {
      event: 1,
      end: true,
      volume: 10,
      duration: 2240,
    });
    assert.deepEqual(parseTelephoneEvent(Uint8Array.of(0x0b, 0x3f, 0xff, 0xff)), {
      event: 11,
      end: false,
      volume: 63,
      duration: 65535,
    });
  });

  test('the R bit is ignored and does not leak into the volume', () => {
    assert.deepEqual(parseTelephoneEvent(Uint8Array.of(5, 0x40 | 7, 0, 160)), {
      event: 5,
      end: false,
      volume: 7,
      duration: 160,
    });
  });

  test('null below 4 bytes; bytes after the first event are ignored', () => {
    assert.equal(parseTelephoneEvent(new Uint8Array(0)), null);
    assert.equal(parseTelephoneEvent(Uint8Array.of(1, 10, 0)), null);
    assert.equal(parseTelephoneEvent(Uint8Array.of(2, 10, 0, 160, 9, 9, 9, 9))?.event, 2);
  });
});

describe('writeTelephoneEvent', () => {
  test('writes at an offset, returns the next offset, and reads back', () => {
    const out = new Uint8Array(10).fill(0xee);
    const next = writeTelephoneEvent(out, 3, { event: 11, end: true, volume: 10, duration: 800 });
    assert.equal(next, 3 + TELEPHONE_EVENT_SIZE);
    assert.deepEqual([...out], [0xee, 0xee, 0xee, 11, 0x8a, 0x03, 0x20, 0xee, 0xee, 0xee]);
    assert.deepEqual(parseTelephoneEvent(out.subarray(3)), {
      event: 11,
      end: true,
      volume: 10,
      duration: 800,
    });
  });

  test('round trip over the field ranges', () => {
    const buf = new Uint8Array(4);
    for (const event of [0, 9, 15, 16, 255]) {
      for (const volume of [0, 10, 63]) {
        for (const duration of [0, 1, 160, 0x1234, 65535]) {
          for (const end of [false, true]) {
            writeTelephoneEvent(buf, 0, { event, end, volume, duration });
            assert.deepEqual(parseTelephoneEvent(buf), { event, end, volume, duration });
          }
        }
      }
    }
  });

  test('fields out of range and a buffer too small are BAD_FIELD', () => {
    const buf = new Uint8Array(4);
    const ok = { event: 1, end: false, volume: 10, duration: 160 };
    dtmfError(() => writeTelephoneEvent(buf, 0, { ...ok, event: 256 }), 'BAD_FIELD');
    dtmfError(() => writeTelephoneEvent(buf, 0, { ...ok, volume: 64 }), 'BAD_FIELD');
    dtmfError(() => writeTelephoneEvent(buf, 0, { ...ok, duration: 65536 }), 'BAD_FIELD');
    dtmfError(() => writeTelephoneEvent(buf, 0, { ...ok, duration: 1.5 }), 'BAD_FIELD');
    dtmfError(() => writeTelephoneEvent(buf, 0, { ...ok, event: -1 }), 'BAD_FIELD');
    dtmfError(() => writeTelephoneEvent(buf, 1, ok), 'BAD_FIELD');
    dtmfError(() => writeTelephoneEvent(new Uint8Array(3), 0, ok), 'BAD_FIELD');
  });
});

describe('digit <-> event code (RFC 4733 3.2)', () => {
  test('0-9 -> 0-9, * -> 10, # -> 11, A-D -> 12-15, and back', () => {
    const expected: Record<string, number> = { '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15 };
    for (let d = 0; d <= 9; d++) expected[String(d)] = d;
    assert.equal(DTMF_DIGITS.length, 16);
    for (const digit of DTMF_DIGITS) {
      assert.equal(digitToEvent(digit), expected[digit], digit);
      assert.equal(eventToDigit(expected[digit]), digit);
    }
  });

  test('codes that are not DTMF map to null; a non-key is BAD_DIGIT', () => {
    for (const code of [16, 17, 32, 255, -1, 1.5, Number.NaN])
      assert.equal(eventToDigit(code), null, String(code));
    dtmfError(() => digitToEvent('x' as DtmfDigit), 'BAD_DIGIT');
  });

  test('isDtmfDigit', () => {
    for (const d of '0123456789*#ABCD') assert.ok(isDtmfDigit(d), d);
    for (const d of ['a', 'E', '', '12', ' ', 'w']) assert.ok(!isDtmfDigit(d), JSON.stringify(d));
  });
});
