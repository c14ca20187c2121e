import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InviteServerTransaction } from '../../../../src/sip/transaction/invite-server-transaction.ts';
import { NonInviteServerTransaction } from '../../../../src/sip/transaction/non-invite-server-transaction.ts';
import { harness, request, response, source, T1 } from './fixtures.ts';

describe('INVITE server transaction: what Accepted keeps for its 64*T1 (RFC 6026 8.7)', () => {
  test('the 2xx is not kept, its To tag is; retransmissions are still absorbed and timer L ends it', () => {
    const h = harness();
    const invite = request('INVITE');
    const tx = new InviteServerTransaction(h.ctx, 'ist', invite, source('udp'));
    tx.start();
    tx.respond(response(invite, 180, 'uas'));
    assert.ok(tx.lastResponse, 'a provisional is kept: Proceeding resends it');
    tx.respond(response(invite, 200, 'uas'));
    assert.equal(tx.state, 'accepted');
    assert.equal(tx.lastResponse, undefined, 'the 2xx and its SDP are not held for 32 s');
    assert.equal(tx.toTag, 'uas', 'the To tag of the 2xx is still known (CANCEL matching, 9.2)');

    tx.receiveRequest(invite);
    assert.deepEqual(h.sender.statuses(), [180, 200], 'an INVITE retransmission is absorbed');
    tx.respond(response(invite, 200, 'uas'));
    assert.deepEqual(h.sender.statuses(), [180, 200, 200], 'a 2xx from the TU still goes out');
    assert.equal(tx.toTag, 'uas');

    h.clock.advance(64 * T1);
    assert.equal(tx.state, 'terminated');
    assert.equal(h.clock.armed, 0);
  });

  test('a final non-2xx is kept in Completed: the retransmitted INVITE gets it again', () => {
    const h = harness();
    const invite = request('INVITE');
    const tx = new InviteServerTransaction(h.ctx, 'ist', invite, source('udp'));
    tx.start();
    tx.respond(response(invite, 486, 'uas'));
    assert.equal(tx.lastResponse?.status, 486);
    tx.receiveRequest(invite);
    assert.deepEqual(h.sender.statuses(), [486, 486]);
    tx.destroy();
  });

  test('the request is let go with the final response; retransmissions are still answered from the last response', () => {
    const h = harness();
    const invite = request('INVITE');
    const ist = new InviteServerTransaction(h.ctx, 'ist', invite, source('udp'));
    ist.start();
    assert.equal(ist.request, invite, 'kept while the TU works on it');
    ist.respond(response(invite, 200, 'uas'));
    assert.equal(ist.request, undefined, 'Accepted: the INVITE is let go');

    const rejected = new InviteServerTransaction(h.ctx, 'ist2', request('INVITE'), source('udp'));
    rejected.start();
    rejected.respond(response(rejected.request, 486, 'uas'));
    assert.equal(rejected.request, undefined, 'Completed: the INVITE is let go');
    rejected.receiveRequest(request('INVITE'));
    assert.deepEqual(h.sender.statuses().slice(-2), [486, 486], 'the 486 is resent without its request');

    const bye = request('BYE');
    const nist = new NonInviteServerTransaction(h.ctx, 'nist', bye, source('udp'));
    const ok = response(bye, 200, 'uas');
    nist.respond(ok);
    assert.equal(nist.request, undefined, 'Completed: the BYE is let go');
    assert.equal(nist.lastResponse, undefined, 'Completed: its 200 is kept as bytes, not as an object');
    assert.equal(nist.toTag, 'uas');
    nist.receiveRequest(bye);
    assert.deepEqual(h.sender.statuses().slice(-2), [200, 200], 'the 200 is resent');
    assert.equal(h.sender.responses.at(-1)?.msg.toString(), ok.toString(), 'byte for byte');
    for (const tx of [ist, rejected, nist]) tx.destroy();
  });
});
