import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NonInviteClientTransaction } from '../../../../src/sip/transaction/non-invite-client-transaction.ts';
import type { Protocol } from '../../../../src/sip/transport/types.ts';
import { harness, RecordingUser, request, response, settle, T1, T4, target } from './fixtures.ts';

function trying(protocol: Protocol = 'udp', method = 'OPTIONS') {
  const h = harness();
  const req = request(method);
  const user = new RecordingUser();
  const tx = new NonInviteClientTransaction(h.ctx, 'nict', req, target(protocol), user);
  tx.start();
  return { ...h, req, user, tx };
}

describe('non-INVITE client transaction (RFC 3261 17.1.2)', () => {
  test('Trying over UDP: timer E doubles up to T2; timer F fires at 64*T1', () => {
    const { clock, sender, user, tx, released } = trying('udp');
    assert.equal(tx.state, 'trying');
    clock.advance(64 * T1 - 1);
    assert.deepEqual(
      sender.requestTimes('OPTIONS'),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
      'intervals 500, 1000, 2000, then T2 = 4000',
    );
    assert.equal(user.errors.length, 0);
    clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors[0].code, 'TIMEOUT');
    assert.equal(user.errors[0].status, 408);
    assert.equal(user.terminated, 1);
    assert.deepEqual(released, [tx]);
    assert.equal(clock.armed, 0);
  });

  test('Trying over TCP: no timer E; timer F still fires', () => {
    const { clock, sender, user, tx } = trying('tcp');
    clock.advance(64 * T1);
    assert.deepEqual(sender.requestTimes('OPTIONS'), [0]);
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors[0].code, 'TIMEOUT');
    assert.equal(clock.armed, 0);
  });

  test('a provisional moves to Proceeding, where timer E is reset to T2 each time it fires', () => {
    const { clock, sender, req, user, tx } = trying('udp', 'REGISTER');
    clock.advance(600);
    tx.receiveResponse(response(req, 100));
    assert.equal(tx.state, 'proceeding');
    assert.deepEqual(user.statuses(), [100]);
    clock.advance(64 * T1 - 600 - 1);
    // The timer armed in Trying fires at 1500; from then on every T2, not 2000 then 4000.
    assert.deepEqual(
      sender.requestTimes('REGISTER'),
      [0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500],
    );
    clock.advance(1);
    assert.equal(tx.state, 'terminated', 'timer F still runs in Proceeding');
    assert.equal(user.errors[0].code, 'TIMEOUT');
    assert.equal(clock.armed, 0);
  });

  test('a final response moves to Completed: retransmissions stop, later responses are absorbed, timer K = T4', () => {
    const { clock, sender, req, user, tx, released } = trying('udp', 'BYE');
    clock.advance(700);
    tx.receiveResponse(response(req, 180));
    tx.receiveResponse(response(req, 200));
    assert.equal(tx.state, 'completed');
    tx.receiveResponse(response(req, 200));
    tx.receiveResponse(response(req, 181));
    assert.deepEqual(user.statuses(), [180, 200], 'the TU sees the final once');
    clock.advance(T4 - 1);
    assert.equal(tx.state, 'completed');
    assert.deepEqual(sender.requestTimes('BYE'), [0, 500]);
    clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors.length, 0);
    assert.equal(user.terminated, 1);
    assert.deepEqual(released, [tx]);
    assert.equal(clock.armed, 0);
  });

  test('a final straight from Trying also completes; over TCP timer K is zero', () => {
    const { clock, req, user, tx } = trying('tcp', 'INFO');
    tx.receiveResponse(response(req, 481));
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(user.statuses(), [481]);
    assert.equal(user.terminated, 1);
    assert.equal(clock.armed, 0);
  });

  test('timer E is capped by a configured T2', () => {
    const h = harness();
    const ctx = { ...h.ctx, timers: { T1: 500, T2: 800, T4: 5000, D: 32_000 } };
    const tx = new NonInviteClientTransaction(
      ctx,
      'nict',
      request('MESSAGE'),
      target('udp'),
      new RecordingUser(),
    );
    tx.start();
    h.clock.advance(4000);
    assert.deepEqual(h.sender.requestTimes('MESSAGE'), [0, 500, 1300, 2100, 2900, 3700]);
    tx.destroy();
    assert.equal(h.clock.armed, 0);
  });

  test('17.1.4: a transport error informs the TU and terminates', async () => {
    const { clock, sender, user, tx } = trying('udp');
    sender.fail = () => true;
    clock.advance(T1); // the first retransmission fails
    await settle();
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors.length, 1);
    assert.equal(user.errors[0].code, 'TRANSPORT');
    assert.equal(clock.armed, 0);
  });

  test('destroy() before a final tells the TU the transaction ended', () => {
    const { clock, user, tx } = trying('udp');
    tx.destroy();
    tx.destroy();
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(
      user.errors.map((e) => e.code),
      ['TERMINATED'],
    );
    assert.equal(user.terminated, 1);
    assert.equal(clock.armed, 0);
  });
});
