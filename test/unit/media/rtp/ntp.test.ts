import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compactToSeconds,
  msToCompactInterval,
  msToNtp,
  msToNtpCompact,
  NTP_UNIX_OFFSET_SECONDS,
  ntpCompact,
  ntpToMs,
} from '../../../../src/media/rtp/ntp.ts';

describe('NTP timestamps (RFC 3550 section 4)', () => {
  test('the Unix epoch is 2208988800 s after the NTP epoch', () => {
    assert.deepEqual(msToNtp(0), { msw: NTP_UNIX_OFFSET_SECONDS, lsw: 0 });
  });

  test('milliseconds become seconds and a 2^-32 fraction', () => {
    assert.deepEqual(msToNtp(1500), { msw: NTP_UNIX_OFFSET_SECONDS + 1, lsw: 0x80000000 });
    assert.deepEqual(msToNtp(250), { msw: NTP_UNIX_OFFSET_SECONDS, lsw: 0x40000000 });
    const t = msToNtp(1_700_000_000_123);
    assert.equal(t.msw, 1_700_000_000 + NTP_UNIX_OFFSET_SECONDS);
    assert.ok(Math.abs(t.lsw / 2 ** 32 - 0.123) < 1e-9);
  });

  test('round-trips through ntpToMs to well under a millisecond', () => {
    for (const ms of [0, 1, 999, 1_700_000_000_123, 2_000_000_000_000.5]) {
      const t = msToNtp(ms);
      assert.ok(Math.abs(ntpToMs(t.msw, t.lsw) - ms) < 0.001, String(ms));
    }
  });

  test('seconds past 2036 wrap into era 1 and still map back', () => {
    const ms = 2_100_000_000_000; // 2036-07-18, after the era 0 rollover
    const t = msToNtp(ms);
    assert.ok(t.msw < NTP_UNIX_OFFSET_SECONDS, 'wrapped modulo 2^32');
    assert.ok(Math.abs(ntpToMs(t.msw, t.lsw) - ms) < 0.001);
  });

  test('compact form is the middle 32 bits', () => {
    assert.equal(ntpCompact(0x12345678, 0x9abcdef0), 0x56789abc);
    assert.equal(ntpCompact(0xffffffff, 0xffffffff), 0xffffffff);
    assert.equal(msToNtpCompact(1500), ntpCompact(NTP_UNIX_OFFSET_SECONDS + 1, 0x80000000));
  });

  test('compact values are 1/65536 s', () => {
    assert.equal(compactToSeconds(0x00018000), 1.5);
    assert.equal(compactToSeconds(65536 * 5), 5);
    assert.equal(msToCompactInterval(1500), 0x00018000);
    assert.equal(msToCompactInterval(-3), 0);
    assert.equal(msToCompactInterval(1e12), 0xffffffff);
  });
});
