import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSippStats } from '../../../../bench/cps/sipp-stats.ts';

// The leading columns of SIPp 3.6's -trace_stat header, as it writes them (';' after each).
const COLUMNS = [
  'StartTime',
  'LastResetTime',
  'CurrentTime',
  'ElapsedTime(P)',
  'ElapsedTime(C)',
  'TargetRate',
  'CallRate(P)',
  'CallRate(C)',
  'IncomingCall(P)',
  'IncomingCall(C)',
  'OutgoingCall(P)',
  'OutgoingCall(C)',
  'TotalCallCreated',
  'CurrentCall',
  'SuccessfulCall(P)',
  'SuccessfulCall(C)',
  'FailedCall(P)',
  'FailedCall(C)',
  'FailedMaxUDPRetrans(P)',
  'FailedMaxUDPRetrans(C)',
  'FailedUnexpectedMessage(P)',
  'FailedUnexpectedMessage(C)',
  'OutOfCallMsgs(P)',
  'OutOfCallMsgs(C)',
  'DeadCallMsgs(P)',
  'DeadCallMsgs(C)',
  'Retransmissions(P)',
  'Retransmissions(C)',
  'ResponseTime1(C)',
];
const HEADER = `${COLUMNS.join(';')};`;

function time(epoch: number): string {
  return `2026-11-24\t01:29:46.141646\t${epoch.toFixed(6)}`;
}

function row(values: Record<string, string | number>): string {
  const cells = COLUMNS.map((name) => String(values[name] ?? '0'));
  return `${cells.join(';')};`;
}

describe('parseSippStats', () => {
  test('reads the counters of the last complete row, ignoring a half-written one', () => {
    const csv = [
      HEADER,
      row({ StartTime: time(100), CurrentTime: time(101), TotalCallCreated: 1000, 'SuccessfulCall(C)': 990 }),
      row({
        StartTime: time(100),
        CurrentTime: time(120.25),
        'CallRate(C)': '999.6',
        TotalCallCreated: 20000,
        CurrentCall: 3,
        'SuccessfulCall(C)': 19990,
        'FailedCall(C)': 7,
        'FailedMaxUDPRetrans(C)': 5,
        'FailedMaxUDPRetrans(P)': 1,
        'FailedUnexpectedMessage(C)': 2,
        'OutOfCallMsgs(C)': 4,
        'DeadCallMsgs(C)': 6,
        'Retransmissions(C)': 42,
        'ResponseTime1(C)': '00:00:00:000000',
      }),
      '2026-11-24\t01:29:46;2026',
    ].join('\n');
    const s = parseSippStats(csv);
    assert.deepEqual(s, {
      created: 20000,
      successful: 19990,
      failed: 7,
      current: 3,
      callRate: 999.6,
      retransmissions: 42,
      strayMessages: 10,
      elapsed: 20.25,
      failures: { FailedMaxUDPRetrans: 5, FailedUnexpectedMessage: 2 },
    });
  });

  test('gives null before SIPp has written a data row', () => {
    assert.equal(parseSippStats(''), null);
    assert.equal(parseSippStats(`${HEADER}\n`), null);
    assert.equal(parseSippStats(`${HEADER}\n2026-11-24\t01:29`), null);
  });
});
