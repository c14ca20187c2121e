import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { DialUsageError, parseDialArgs } from '../../../../bench/dial/options.ts';

describe('parseDialArgs', () => {
  test('defaults: 30 s probes, Kamailio and Patchbay, 1 s calls, a light probe at 100/s', () => {
    const o = parseDialArgs([]);
    assert.equal(o.seconds, 30);
    assert.deepEqual(o.targets, ['kamailio', 'patchbay']);
    assert.equal(o.holdMs, 1000);
    assert.deepEqual(o.plans.kamailio, { start: 1000, step: 500 });
    assert.deepEqual(o.plans.patchbay, { start: 150, step: 50 });
    assert.equal(o.rates, null);
    assert.deepEqual(o.light, { rate: 100, seconds: 10 });
    assert.equal(o.warmupSeconds, 1);
    assert.equal(o.minRatio, 0.95);
    assert.equal(o.workers, availableParallelism());
    assert.equal(o.rtpPorts, '10000-19999');
    assert.equal(o.logLevel, 'warn');
    assert.equal(o.drainSeconds, 30);
    assert.match(o.out, /bench\/results\/dial-cps\.json$/);
  });

  test('reads every flag', () => {
    const o = parseDialArgs([
      ...['--seconds', '5', '--targets', 'patchbay,sipp,patchbay', '--hold-ms', '200'],
      ...['--patchbay-start', '50', '--patchbay-step', '25', '--kamailio-start', '500'],
      ...['--rates', '30,10,20,10', '--light-rate', '0', '--light-seconds', '3', '--gap', '0'],
      ...['--warmup', '0', '--min-ratio', '0.9', '--retries', '1', '--workers', '4'],
      ...['--rtp-ports', '40000-40999', '--log-level', 'silent', '--drain', '0', '--out', '/tmp/x.json'],
    ]);
    assert.equal(o.seconds, 5);
    assert.deepEqual(o.targets, ['patchbay', 'sipp']);
    assert.equal(o.holdMs, 200);
    assert.deepEqual(o.plans.patchbay, { start: 50, step: 25 });
    assert.deepEqual(o.plans.kamailio, { start: 500, step: 500 });
    assert.deepEqual(o.rates, [10, 20, 30]);
    assert.deepEqual(o.light, { rate: 0, seconds: 3 });
    assert.deepEqual([o.gapSeconds, o.warmupSeconds, o.minRatio, o.retries, o.workers], [0, 0, 0.9, 1, 4]);
    assert.deepEqual(
      [o.rtpPorts, o.logLevel, o.drainSeconds, o.out],
      ['40000-40999', 'silent', 0, '/tmp/x.json'],
    );
  });

  test('bad flags are usage errors', () => {
    const bad = [
      ['--targets', 'asterisk'],
      ['--seconds', '0'],
      ['--min-ratio', '2'],
      ['--rates', '1.5'],
      ['--rtp-ports', '20000'],
      ['--rtp-ports', '30000-20000'],
      ['--log-level', 'loud'],
      ['--light-rate', '2.5'],
      ['--nope', '1'],
    ];
    for (const args of bad) assert.throws(() => parseDialArgs(args), DialUsageError, args.join(' '));
  });
});
