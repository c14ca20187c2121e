/** The REST 2.9 transfer request as LiveControl checks it: which legs move, with which document. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallControlError, type TransferRequest } from '../../../src/callflow/call-control.ts';
import { transferPlan } from '../../../src/callflow/transfer-plan.ts';

const A = 'http://127.0.0.1:9/a';
const B = 'http://127.0.0.1:9/b';

function req(over: Partial<TransferRequest>): TransferRequest {
  return { legs: 'aleg', alegMethod: 'POST', blegMethod: 'POST', ...over };
}

const badRequest = (field: string) => (err: unknown) =>
  err instanceof CallControlError && err.code === 'BAD_REQUEST' && err.message.includes(field);

describe('transferPlan (REST 2.9)', () => {
  test('aleg moves the A-leg only; bleg the B-leg only; both each with its own document and method', () => {
    assert.deepEqual(transferPlan(req({ legs: 'aleg', alegUrl: A, blegUrl: B })), {
      a: { url: A, method: 'POST' },
    });
    assert.deepEqual(transferPlan(req({ legs: 'bleg', alegUrl: A, blegUrl: B, blegMethod: 'GET' })), {
      b: { url: B, method: 'GET' },
    });
    assert.deepEqual(transferPlan(req({ legs: 'both', alegUrl: A, alegMethod: 'GET', blegUrl: B })), {
      a: { url: A, method: 'GET' },
      b: { url: B, method: 'POST' },
    });
  });

  test('the URL of every selected leg is required (400), whatever the other leg has', () => {
    assert.throws(() => transferPlan(req({ legs: 'aleg', blegUrl: B })), badRequest('aleg_url'));
    assert.throws(() => transferPlan(req({ legs: 'bleg', alegUrl: A })), badRequest('bleg_url'));
    assert.throws(() => transferPlan(req({ legs: 'both', alegUrl: A })), badRequest('bleg_url'));
    assert.throws(() => transferPlan(req({ legs: 'both', blegUrl: B })), badRequest('aleg_url'));
    assert.throws(() => transferPlan(req({ legs: 'both', alegUrl: '', blegUrl: B })), badRequest('aleg_url'));
  });

  test('legs outside aleg|bleg|both is refused', () => {
    const odd = req({ alegUrl: A, blegUrl: B });
    Object.assign(odd, { legs: 'cleg' });
    assert.throws(() => transferPlan(odd), badRequest('legs'));
  });
});
