import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SipError } from '../../../../src/sip/errors.ts';
import { NonInviteServerTransaction } from '../../../../src/sip/transaction/non-invite-server-transaction.ts';
import type { Protocol } from '../../../../src/sip/transport/types.ts';
import { harness, request, response, settle, source, T1 } from './fixtures.ts';

function trying(protocol: Protocol = 'udp', method = 'BYE') {
  const h = harness();
  const req = request(method);
  const tx = new NonInviteServerTransaction(h.ctx, 'nist', req, source(protocol));
  const ends: (SipError | undefined)[] = [];
  tx.onTerminated((err) => ends.push(err));
  return { ...h, req, tx, ends };
}

describe('non-INVITE server transaction (RFC 3261 17.2.2)', () => {
  test('Trying: nothing is sent, and a retransmitted request is absorbed', () => {
    const { sender, req, tx, clock } = trying();
    assert.equal(tx.state, 'trying');
    tx.receiveRequest(req);
    assert.deepEqual(sender.statuses(), []);
    assert.equal(clock.armed, 0);
    tx.destroy();
  });

  test('Proceeding: provisionals are sent; a retransmitted request gets the last one again', () => {
    const { sender, req, tx } = trying('udp', 'SUBSCRIBE');
    tx.respond(response(req, 100));
    assert.equal(tx.state, 'proceeding');
    tx.respond(response(req, 183));
    tx.receiveRequest(req);
    assert.deepEqual(sender.statuses(), [100, 183, 183]);
    tx.destroy();
  });

  test('Completed over UDP: retransmissions get the final again, later finals are discarded, timer J = 64*T1', () => {
    const { sender, req, tx, clock, ends, released } = trying('udp');
    tx.respond(response(req, 200));
    assert.equal(tx.state, 'completed');
    clock.advance(1000);
    tx.receiveRequest(req);
    tx.respond(response(req, 500));
    assert.deepEqual(sender.statuses(), [200, 200]);
    clock.advance(64 * T1 - 1000 - 1);
    assert.equal(tx.state, 'completed');
    clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(ends, [undefined]);
    assert.deepEqual(released, [tx]);
    assert.equal(clock.armed, 0);
  });

  test('Completed over TCP: timer J is zero', () => {
    const { req, tx, clock, ends } = trying('tcp');
    tx.respond(response(req, 202));
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(ends, [undefined]);
    assert.equal(clock.armed, 0);
  });

  test('17.2.4: a transport error tells the TU and terminates', async () => {
    const { sender, req, tx, clock, ends } = trying('udp');
    sender.fail = () => true;
    tx.respond(response(req, 200));
    await settle();
    assert.equal(tx.state, 'terminated');
    assert.equal(ends[0]?.code, 'TRANSPORT');
    assert.equal(clock.armed, 0, 'timer J cancelled');
  });

  test('destroy() before a final reports TERMINATED to the TU', () => {
    const { tx, ends } = trying('udp');
    tx.destroy();
    assert.equal(ends[0]?.code, 'TERMINATED');
  });
});
