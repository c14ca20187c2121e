import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { Via } from '../../../../src/sip/message/via.ts';
import { InviteClientTransaction } from '../../../../src/sip/transaction/invite-client-transaction.ts';
import type { ClientTransactionUser } from '../../../../src/sip/transaction/types.ts';
import type { Protocol } from '../../../../src/sip/transport/types.ts';
import { harness, RecordingUser, request, response, settle, T1, target } from './fixtures.ts';

function calling<U extends ClientTransactionUser = RecordingUser>(protocol: Protocol = 'udp', tu?: U) {
  const h = harness();
  const invite = request('INVITE');
  const user = tu ?? new RecordingUser();
  const tx = new InviteClientTransaction(h.ctx, 'ict', invite, target(protocol), user);
  tx.start();
  return { ...h, invite, user, tx };
}

describe('INVITE client transaction (RFC 3261 17.1.1, RFC 6026)', () => {
  test('Calling over UDP: timer A retransmits at T1, 2*T1, 4*T1 ... until timer B fires at 64*T1', () => {
    const { clock, sender, user, tx, released } = calling('udp');
    assert.equal(tx.state, 'calling');
    clock.advance(64 * T1 - 1);
    assert.deepEqual(sender.requestTimes('INVITE'), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(user.errors.length, 0);

    clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors.length, 1);
    assert.equal(user.errors[0].code, 'TIMEOUT');
    assert.equal(user.errors[0].status, 408, 'the TU treats timer B as a 408 (8.1.3.1)');
    assert.equal(user.terminated, 1);
    assert.deepEqual(released, [tx]);
    assert.equal(clock.armed, 0);
  });

  test('Calling over TCP: no timer A, but timer B still bounds the transaction', () => {
    const { clock, sender, user, tx } = calling('tcp');
    clock.advance(64 * T1 - 1);
    assert.deepEqual(sender.requestTimes('INVITE'), [0], 'a reliable transport is not retransmitted over');
    clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors[0].code, 'TIMEOUT');
    assert.equal(clock.armed, 0);
  });

  test('a provisional moves Calling to Proceeding, stops timers A and B, and reaches the TU', () => {
    const { clock, sender, invite, user, tx } = calling('udp');
    clock.advance(600);
    tx.receiveResponse(response(invite, 100));
    tx.receiveResponse(response(invite, 180));
    assert.equal(tx.state, 'proceeding');
    assert.deepEqual(user.statuses(), [100, 180]);
    clock.advance(10 * 64 * T1);
    assert.deepEqual(sender.requestTimes('INVITE'), [0, 500], 'no retransmission in Proceeding');
    assert.equal(tx.state, 'proceeding', 'timer B does not apply in Proceeding');
    assert.equal(user.errors.length, 0);
    assert.equal(clock.armed, 0);
    tx.destroy();
  });

  test('300-699: the transaction builds the ACK itself, with the header fields of 17.1.1.3', () => {
    const h = harness();
    const invite = request('INVITE', { branch: 'z9hG4bKown1', viaHost: '198.51.100.1', viaPort: 5062 });
    invite.via.push(
      new Via({ transport: 'UDP', host: '203.0.113.9', params: new Map([['branch', 'z9hG4bKx']]) }),
    );
    invite.route = [
      new NameAddr(new Uri({ scheme: 'sip', host: 'proxy1.test', params: new Map([['lr', null]]) })),
      new NameAddr(new Uri({ scheme: 'sip', host: 'proxy2.test', params: new Map([['lr', null]]) })),
    ];
    invite.set('Subject', 'not in the ACK');
    const user = new RecordingUser();
    const tx = new InviteClientTransaction(h.ctx, 'ict', invite, target('udp'), user);
    tx.start();

    tx.receiveResponse(response(invite, 486, 'callee-tag'));
    assert.equal(tx.state, 'completed');
    assert.deepEqual(user.statuses(), [486]);

    const acks = h.sender.requests.filter((s) => s.msg.method === 'ACK');
    assert.equal(acks.length, 1);
    const { msg: ack, where } = acks[0];
    assert.deepEqual(where, target('udp'), 'sent where the INVITE went');
    assert.equal(ack.uri.toString(), invite.uri.toString(), 'same Request-URI');
    assert.equal(ack.callId, invite.callId);
    assert.equal(ack.from.toString(), invite.from.toString());
    assert.deepEqual(
      ack.cseq,
      { seq: invite.cseq.seq, method: 'ACK' },
      'CSeq number of the INVITE, method ACK',
    );
    assert.equal(ack.to.tag, 'callee-tag', 'To of the response, with its tag');
    assert.equal(ack.via.length, 1, 'a single Via');
    assert.equal(ack.via[0].toString(), invite.via[0].toString(), 'the top Via of the INVITE, same branch');
    assert.deepEqual(ack.route.map(String), invite.route.map(String), 'the Route set of the INVITE');
    assert.equal(ack.get('Subject'), undefined);
    h.clock.advance(32_000);
    assert.equal(h.clock.armed, 0);
  });

  test('Completed absorbs retransmitted finals by re-sending the ACK, then timer D (32 s) ends it', () => {
    const { clock, sender, invite, user, tx, released } = calling('udp');
    const final = response(invite, 603);
    tx.receiveResponse(final);
    clock.advance(1000);
    tx.receiveResponse(response(invite, 603));
    clock.advance(1000);
    tx.receiveResponse(response(invite, 603));
    assert.deepEqual(user.statuses(), [603], 'the TU sees the final once');
    assert.deepEqual(sender.requestTimes('ACK'), [0, 1000, 2000]);
    assert.deepEqual(sender.requestTimes('INVITE'), [0], 'timer A stopped');

    clock.advance(32_000 - 2000 - 1);
    assert.equal(tx.state, 'completed');
    clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors.length, 0);
    assert.equal(user.terminated, 1);
    assert.deepEqual(released, [tx]);
    assert.equal(clock.armed, 0);
  });

  test('Completed over TCP: timer D is zero, the TU gets the response before the end', () => {
    const order: string[] = [];
    const user: ClientTransactionUser = {
      onResponse: (r) => order.push(`response ${r.status}: ${tx.state}`),
      onError: () => order.push('error'),
      onTerminated: () => order.push(`terminated: ${tx.state}`),
    };
    const { clock, sender, invite, tx } = calling('tcp', user);
    tx.receiveResponse(response(invite, 404));
    assert.deepEqual(order, ['response 404: completed', 'terminated: terminated']);
    assert.deepEqual(sender.requestTimes('ACK'), [0], 'the ACK is still sent');
    assert.equal(clock.armed, 0);
  });

  test('RFC 6026: a 2xx moves to Accepted; every 2xx retransmission reaches the TU; timer M ends it', () => {
    const { clock, sender, invite, user, tx, released } = calling('udp');
    tx.receiveResponse(response(invite, 180));
    tx.receiveResponse(response(invite, 200));
    assert.equal(tx.state, 'accepted');
    clock.advance(T1);
    tx.receiveResponse(response(invite, 200));
    tx.receiveResponse(response(invite, 200, 'forked-branch-tag'));
    tx.receiveResponse(response(invite, 486));
    tx.receiveResponse(response(invite, 183));
    assert.deepEqual(user.statuses(), [180, 200, 200, 200], 'only 2xx pass up in Accepted');
    assert.equal(user.responses[3].to.tag, 'forked-branch-tag');
    assert.deepEqual(sender.requestTimes('ACK'), [], 'the TU acknowledges a 2xx, not the transaction');

    clock.advance(64 * T1 - T1 - 1);
    assert.equal(tx.state, 'accepted');
    clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors.length, 0);
    assert.deepEqual(released, [tx]);
    assert.equal(clock.armed, 0);
  });

  test('a 2xx straight from Calling stops the retransmissions (RFC 6026 Accepted)', () => {
    const { clock, sender, invite, tx } = calling('udp');
    clock.advance(700);
    tx.receiveResponse(response(invite, 200));
    clock.advance(64 * T1);
    assert.deepEqual(sender.requestTimes('INVITE'), [0, 500]);
    assert.equal(tx.state, 'terminated');
    assert.equal(clock.armed, 0);
  });

  test('17.1.4: a transport error in Calling informs the TU and terminates', async () => {
    const h = harness();
    h.sender.fail = () => true;
    const user = new RecordingUser();
    const tx = new InviteClientTransaction(h.ctx, 'ict', request('INVITE'), target('udp'), user);
    tx.start();
    await settle();
    assert.equal(tx.state, 'terminated');
    assert.equal(user.errors.length, 1);
    assert.equal(user.errors[0].code, 'TRANSPORT');
    assert.equal(user.terminated, 1);
    assert.equal(h.clock.armed, 0, 'timers A and B cancelled');
  });

  test('a transport error sending the ACK in Completed terminates too', async () => {
    const { clock, sender, invite, user, tx } = calling('udp');
    sender.fail = (m) => m.isRequest() && m.method === 'ACK';
    tx.receiveResponse(response(invite, 500));
    assert.equal(tx.state, 'completed');
    await settle();
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(user.statuses(), [500]);
    assert.equal(user.errors[0].code, 'TRANSPORT');
    assert.equal(clock.armed, 0, 'timer D cancelled');
  });

  test('a TU that throws does not leave the machine half-way', () => {
    const user: ClientTransactionUser = {
      onResponse: () => {
        throw new Error('TU bug');
      },
      onError: () => {},
    };
    const { clock, invite, tx } = calling('tcp', user);
    tx.receiveResponse(response(invite, 480));
    assert.equal(tx.state, 'terminated');
    assert.equal(clock.armed, 0);
  });
});
