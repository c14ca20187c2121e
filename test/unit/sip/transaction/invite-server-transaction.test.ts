import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SipError } from '../../../../src/sip/errors.ts';
import { SipResponse } from '../../../../src/sip/message/message.ts';
import {
  InviteServerTransaction,
  TRYING_DELAY_MS,
} from '../../../../src/sip/transaction/invite-server-transaction.ts';
import type { Protocol } from '../../../../src/sip/transport/types.ts';
import { harness, request, response, settle, source, T1, T4 } from './fixtures.ts';

function proceeding(protocol: Protocol = 'udp') {
  const h = harness();
  const invite = request('INVITE');
  invite.set('Timestamp', '54.2');
  const tx = new InviteServerTransaction(h.ctx, 'ist', invite, source(protocol));
  const ends: (SipError | undefined)[] = [];
  tx.onTerminated((err) => ends.push(err));
  tx.start();
  return { ...h, invite, tx, ends };
}

describe('INVITE server transaction (RFC 3261 17.2.1, RFC 6026)', () => {
  test('100 Trying when the TU has not responded within 200 ms: no To tag (8.2.6.2), Timestamp echoed (8.2.6.1)', () => {
    const { sender, tx, invite, clock } = proceeding();
    assert.equal(tx.state, 'proceeding');
    clock.advance(TRYING_DELAY_MS - 1);
    assert.deepEqual(sender.statuses(), [], 'the TU may still answer');
    clock.advance(1);
    assert.deepEqual(sender.statuses(), [100]);
    assert.deepEqual(sender.responseTimes(100), [TRYING_DELAY_MS]);
    const trying = sender.responses[0];
    assert.deepEqual(trying.where, source('udp'));
    assert.equal(trying.msg.to.tag, undefined);
    assert.equal(trying.msg.get('Timestamp'), '54.2');
    assert.equal(trying.msg.via[0].branch, invite.via[0].branch);
    assert.equal(clock.armed, 0);
    tx.destroy();
  });

  test('no 100 Trying when the TU responds within 200 ms (17.2.1)', () => {
    for (const status of [180, 486, 200]) {
      const { sender, tx, invite, clock } = proceeding();
      clock.advance(TRYING_DELAY_MS - 1);
      tx.respond(response(invite, status, 'uas'));
      clock.advance(T1);
      assert.equal(sender.statuses()[0], status, `first response ${status}`);
      assert.ok(!sender.statuses().includes(100));
      tx.destroy();
    }
  });

  test('Proceeding: a retransmitted INVITE gets 100 at once if nothing was sent, else the most recent provisional', () => {
    const { sender, invite, tx, clock } = proceeding();
    clock.advance(50);
    tx.receiveRequest(invite);
    assert.deepEqual(sender.statuses(), [100], 'the client is retransmitting: quench it now');
    clock.advance(TRYING_DELAY_MS);
    tx.receiveRequest(invite);
    assert.deepEqual(sender.statuses(), [100, 100], 'the 100 again');
    tx.respond(response(invite, 180, 'uas'));
    tx.respond(response(invite, 183, 'uas'));
    tx.receiveRequest(invite);
    assert.deepEqual(sender.statuses(), [100, 100, 180, 183, 183]);
    assert.equal(tx.state, 'proceeding');
    assert.equal(tx.toTag, 'uas');
    assert.equal(clock.armed, 0, 'no timer runs in Proceeding once a response went out');
    tx.destroy();
  });

  test('300-699 over UDP: timer G retransmits, doubling up to T2, until timer H fires at 64*T1', () => {
    const { sender, invite, tx, clock, ends, released } = proceeding('udp');
    tx.respond(response(invite, 486));
    assert.equal(tx.state, 'completed');
    clock.advance(64 * T1 - 1);
    assert.deepEqual(
      sender.responseTimes(486),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
    assert.equal(ends.length, 0);
    clock.advance(1);
    assert.equal(tx.state, 'terminated');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]?.code, 'TIMEOUT', 'timer H: the TU is told the ACK never came');
    assert.deepEqual(released, [tx]);
    assert.equal(clock.armed, 0);
  });

  test('300-699 over TCP: no timer G; timer H still fires', () => {
    const { sender, invite, tx, clock, ends } = proceeding('tcp');
    tx.respond(response(invite, 503));
    clock.advance(64 * T1);
    assert.deepEqual(sender.responseTimes(503), [0]);
    assert.equal(tx.state, 'terminated');
    assert.equal(ends[0]?.code, 'TIMEOUT');
    assert.equal(clock.armed, 0);
  });

  test('Completed: a retransmitted INVITE gets the final again; the ACK moves to Confirmed', () => {
    const { sender, invite, tx, clock, ends } = proceeding('udp');
    tx.respond(response(invite, 404, 'uas'));
    clock.advance(100);
    tx.receiveRequest(invite);
    assert.deepEqual(sender.responseTimes(404), [0, 100]);
    clock.advance(T1);
    assert.deepEqual(sender.responseTimes(404), [0, 100, 500], 'timer G keeps its own schedule');

    tx.receiveAck();
    assert.equal(tx.state, 'confirmed');
    clock.advance(T4 - 1);
    tx.receiveAck();
    tx.receiveRequest(invite);
    assert.deepEqual(
      sender.responseTimes(404),
      [0, 100, 500],
      'Confirmed absorbs ACKs and INVITEs; G stopped',
    );
    assert.equal(tx.state, 'confirmed');
    clock.advance(1);
    assert.equal(tx.state, 'terminated', 'timer I = T4');
    assert.deepEqual(ends, [undefined], 'a normal end carries no error');
    assert.equal(clock.armed, 0);
  });

  test('Confirmed over TCP: timer I is zero', () => {
    const { invite, tx, clock, ends } = proceeding('tcp');
    tx.respond(response(invite, 480));
    tx.receiveAck();
    assert.equal(tx.state, 'terminated');
    assert.deepEqual(ends, [undefined]);
    assert.equal(clock.armed, 0);
  });

  test('RFC 6026: 2xx moves to Accepted, INVITE retransmissions are absorbed, the TU may send 2xx again', () => {
    const { sender, invite, tx, clock, ends } = proceeding('udp');
    tx.respond(response(invite, 200, 'uas'));
    assert.equal(tx.state, 'accepted');
    tx.receiveRequest(invite);
    assert.deepEqual(sender.statuses(), [200], 'the INVITE retransmission gets nothing from the transaction');
    clock.advance(T1);
    assert.deepEqual(sender.statuses(), [200], 'the transaction does not retransmit 2xx');
    tx.respond(response(invite, 200, 'uas'));
    tx.respond(response(invite, 500, 'uas'));
    assert.deepEqual(sender.statuses(), [200, 200], 'a 2xx from the TU is sent; a non-2xx is discarded');

    clock.advance(64 * T1 - T1 - 1);
    assert.equal(tx.state, 'accepted');
    clock.advance(1);
    assert.equal(tx.state, 'terminated', 'timer L = 64*T1');
    assert.deepEqual(ends, [undefined]);
    assert.equal(clock.armed, 0);
  });

  test('17.2.4: a transport error in Proceeding tells the TU and terminates', async () => {
    const h = harness();
    h.sender.fail = () => true;
    const invite = request('INVITE');
    const tx = new InviteServerTransaction(h.ctx, 'ist', invite, source('tcp'));
    const ends: (SipError | undefined)[] = [];
    tx.onTerminated((err) => ends.push(err));
    tx.start();
    h.clock.advance(TRYING_DELAY_MS);
    await settle();
    assert.equal(tx.state, 'terminated', 'the 100 Trying could not be sent');
    assert.equal(ends[0]?.code, 'TRANSPORT');
    assert.deepEqual(h.released, [tx]);
  });

  test('a transport error in Completed ends the transaction and cancels G and H', async () => {
    const { sender, invite, tx, clock, ends } = proceeding('udp');
    sender.fail = (m) => m instanceof SipResponse && m.status === 486;
    tx.respond(response(invite, 486));
    await settle();
    assert.equal(tx.state, 'terminated');
    assert.equal(ends[0]?.code, 'TRANSPORT');
    assert.equal(clock.armed, 0);
  });

  test('RFC 6026: a transport error in Accepted leaves the transaction Accepted', async () => {
    const { sender, invite, tx, clock, ends } = proceeding('udp');
    sender.fail = (m) => m instanceof SipResponse && m.status === 200;
    tx.respond(response(invite, 200));
    await settle();
    assert.equal(tx.state, 'accepted');
    assert.deepEqual(ends, []);
    clock.advance(64 * T1);
    assert.equal(tx.state, 'terminated');
    assert.equal(clock.armed, 0);
  });

  test('an ACK outside Completed changes nothing; a handler added after the end runs at once', () => {
    const { invite, tx, clock } = proceeding('udp');
    tx.receiveAck();
    assert.equal(tx.state, 'proceeding');
    tx.respond(response(invite, 486));
    tx.receiveAck();
    clock.advance(T4);
    let late: SipError | undefined | null = null;
    tx.onTerminated((err) => {
      late = err;
    });
    assert.equal(tx.state, 'terminated');
    assert.equal(late, undefined, 'ran at once, with no error');
  });
});
