/**
 * What a client transaction holds while it lingers after its final response (timer M for
 * INVITE, 32 s; timer K for the rest): not its request, and (non-INVITE) not the TU's
 * callbacks with the final response they settled, so that the call can be collected at once.
 * (The fake sender keeps what was sent: the request is checked on the transaction.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InviteClientTransaction } from '../../../../src/sip/transaction/invite-client-transaction.ts';
import { NonInviteClientTransaction } from '../../../../src/sip/transaction/non-invite-client-transaction.ts';
import type { ClientTransactionUser } from '../../../../src/sip/transaction/types.ts';
import { collectGarbage } from '../../../helpers/collect-garbage.ts';
import { harness, request, response, T1, target } from './fixtures.ts';

describe('client transactions after their final response', () => {
  test('non-INVITE in Completed (timer K): the request and the TU are let go; an onTerminated still runs', async () => {
    const h = harness();
    const refs: Record<string, WeakRef<object>> = {};
    const tx = (() => {
      const bye = request('BYE');
      const finals: number[] = [];
      // As sendAndWait's: callbacks that settle a promise with the final response.
      const user: ClientTransactionUser = { onResponse: (r) => finals.push(r.status), onError: () => {} };
      refs.user = new WeakRef(user);
      const t = new NonInviteClientTransaction(h.ctx, 'nict', bye, target('udp'), user);
      t.start();
      t.receiveResponse(response(bye, 200, 'uas'));
      t.receiveResponse(response(bye, 200, 'uas'));
      assert.deepEqual(finals, [200], 'the retransmitted final is absorbed');
      return t;
    })();
    assert.equal(tx.state, 'completed');
    assert.equal(tx.request, undefined, 'the BYE is let go');
    await collectGarbage();
    assert.equal(refs.user?.deref(), undefined, "the TU's callbacks are let go");
    h.clock.advance(h.ctx.timers.T4);
    assert.equal(tx.state, 'terminated');

    let ended = 0;
    const options = request('OPTIONS');
    const told = new NonInviteClientTransaction(h.ctx, 'nict2', options, target('udp'), {
      onResponse() {},
      onError() {},
      onTerminated: () => ended++,
    });
    told.start();
    told.receiveResponse(response(options, 200, 'uas'));
    h.clock.advance(h.ctx.timers.T4);
    assert.equal(ended, 1, 'the end is told after timer K');
  });

  test('INVITE in Accepted (timer M): the INVITE is let go; late 2xx still reach the TU', async () => {
    const h = harness();
    const got: number[] = [];
    const user: ClientTransactionUser = { onResponse: (r) => got.push(r.status), onError: () => {} };
    const { tx, ok } = (() => {
      const invite = request('INVITE');
      const t = new InviteClientTransaction(h.ctx, 'ict', invite, target('udp'), user);
      t.start();
      const r = response(invite, 200, 'uas');
      t.receiveResponse(r);
      return { tx: t, ok: r };
    })();
    assert.equal(tx.state, 'accepted');
    assert.equal(tx.request, undefined, 'the INVITE is not held for 32 s');
    tx.receiveResponse(ok);
    assert.deepEqual(got, [200, 200], 'a retransmitted 2xx still goes up (RFC 6026)');
    h.clock.advance(64 * T1);
    assert.equal(tx.state, 'terminated');
  });
});
