import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { CpsUsageError, parseCpsArgs } from '../../../../bench/cps/options.ts';

describe('parseCpsArgs', () => {
  test('defaults: 20 s probes, all three targets, coarse/fine search from 1000', () => {
    const o = parseCpsArgs([]);
    assert.equal(o.seconds, 20);
    assert.deepEqual(o.targets, ['sipp', 'kamailio', 'patchbay']);
    assert.equal(o.rates, null);
    assert.equal(o.start, 1000);
    assert.equal(o.step, 1000);
    assert.equal(o.bufSize, 4194304);
    assert.equal(o.minRatio, 0.95);
    assert.equal(o.retries, 0);
    assert.equal(o.drainSeconds, 90);
    assert.equal(o.sendThread, false);
    assert.equal(o.workers, availableParallelism());
    assert.match(o.out, /bench\/results\/sip-cps\.json$/);
  });

  test('--send-thread: the Patchbay UAS sends from its UDP send thread', () => {
    assert.equal(parseCpsArgs(['--send-thread']).sendThread, true);
  });

  test('reads every flag; rates are sorted and de-duplicated', () => {
    const o = parseCpsArgs([
      '--seconds',
      '5',
      '--targets',
      'patchbay,sipp,patchbay',
      '--rates',
      '3000,1000,2000,1000',
      '--gap',
      '0',
      '--min-ratio',
      '0.95',
      '--workers',
      '4',
      '--retries',
      '2',
      '--out',
      '/tmp/x.json',
    ]);
    assert.equal(o.seconds, 5);
    assert.deepEqual(o.targets, ['patchbay', 'sipp']);
    assert.deepEqual(o.rates, [1000, 2000, 3000]);
    assert.equal(o.gapSeconds, 0);
    assert.equal(o.minRatio, 0.95);
    assert.equal(o.workers, 4);
    assert.equal(o.retries, 2);
    assert.equal(o.out, '/tmp/x.json');
  });

  test('rejects unknown targets, flags and bad numbers with a usage error', () => {
    for (const argv of [
      ['--targets', 'asterisk'],
      ['--seconds', 'ten'],
      ['--seconds', '0'],
      ['--rates', '1000,,2000'],
      ['--rates', '1000.5'],
      ['--min-ratio', '2'],
      ['--workers', '1.5'],
      ['--bogus'],
      ['positional'],
    ]) {
      assert.throws(() => parseCpsArgs(argv), CpsUsageError, argv.join(' '));
    }
  });
});
