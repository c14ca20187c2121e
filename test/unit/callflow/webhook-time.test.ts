import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { webhookTime } from '../../../src/callflow/params.ts';

test('webhookTime is the ISO date and time in UTC with a space, whatever the date', () => {
  fc.assert(
    fc.property(fc.date({ noInvalidDate: true }), (d) => {
      assert.equal(webhookTime(d), d.toISOString().slice(0, 19).replace('T', ' '));
    }),
    { numRuns: 5000 },
  );
  assert.equal(webhookTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '2026-01-02 03:04:05');
  assert.equal(webhookTime(new Date('0042-12-31T23:59:59Z')), '0042-12-31 23:59:59');
  assert.equal(webhookTime(undefined), '');
});
