import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectGarbage } from '../../../helpers/collect-garbage.ts';
import { SDP_A, SDP_B, uaPair } from './ua-pair.ts';

/** Stands for what an application hangs on a call's SIP objects: its call, legs and media. */
function appObject(): { payload: number[] } {
  return { payload: new Array<number>(1000).fill(7) };
}

describe('an ended call is not kept alive by the transactions that linger after it', () => {
  test('UAS: the Uas, its dialog, cancel and dialog listeners let go; UAC: the Uac, its dialog, callbacks, listeners, INVITE and ACK', async () => {
    const p = await uaPair();
    const refs: Record<string, WeakRef<object>> = {};
    let bobDialogListeners = -1;
    let cancelListeners = -1;

    p.bob.onInvite(async (_req, uas) => {
      const call = appObject();
      refs.uasSide = new WeakRef(call);
      refs.uas = new WeakRef(uas);
      uas.on('cancel', () => call.payload.length);
      uas.progress(180);
      const dialog = await uas.accept({ body: SDP_B, contentType: 'application/sdp' });
      refs.uasDialog = new WeakRef(dialog);
      cancelListeners = uas.listenerCount('cancel');
      dialog.on('destroy', () => call.payload.length);
      dialog.on('bye', () => call.payload.length);
      dialog.once('destroy', () => {
        queueMicrotask(() => {
          bobDialogListeners = dialog.listenerCount('destroy') + dialog.listenerCount('bye');
        });
      });
    });

    await (async () => {
      const caller = appObject();
      refs.uacSide = new WeakRef(caller);
      const uac = p.alice.createUAC(
        { uri: p.bobUri, body: SDP_A, contentType: 'application/sdp' },
        { onProvisional: () => caller.payload.length },
      );
      await p.net.settle();
      const dialog = await uac.established;
      refs.uac = new WeakRef(uac);
      refs.uacDialog = new WeakRef(dialog);
      // The INVITE and the ACK of its 2xx: what lingers answers a late 2xx from bytes (timer M).
      refs.invite = new WeakRef(uac.request);
      const ack = dialog.ackSent?.req;
      assert.ok(ack, 'the ACK was sent');
      refs.ack = new WeakRef(ack);
      dialog.on('destroy', () => caller.payload.length);
      await p.net.settle();
      await dialog.destroy();
      await p.net.settle();
      assert.equal(dialog.listenerCount('destroy'), 0, "the UAC dialog's listeners are let go");
    })();

    assert.equal(cancelListeners, 0, "no 'cancel' listener is left once the INVITE is confirmed");
    assert.equal(bobDialogListeners, 0, "the UAS dialog's listeners are let go after 'destroy'");
    // The INVITE transactions linger (RFC 6026: Accepted, 64*T1) and the BYE's too.
    assert.ok(p.alice.transactionCount > 0 && p.bob.transactionCount > 0, 'transactions still linger');

    await collectGarbage();
    const reachable = Object.entries(refs).filter(([, ref]) => ref.deref() !== undefined);
    assert.deepEqual(
      reachable.map(([name]) => name),
      [],
      'still reachable while the transactions linger',
    );
    await p.alice.close();
    await p.bob.close();
  });

  test('a cancelled INVITE lets go of its Uas and listeners too', async () => {
    const p = await uaPair();
    const refs: WeakRef<object>[] = [];
    let cancelled = 0;
    p.bob.onInvite((_req, uas) => {
      const call = appObject();
      refs.push(new WeakRef(call), new WeakRef(uas));
      uas.on('cancel', () => {
        cancelled++;
        return call.payload.length;
      });
      uas.progress(180);
    });
    await (async () => {
      const uac = p.alice.createUAC({ uri: p.bobUri, body: SDP_A, contentType: 'application/sdp' });
      await p.net.settle();
      uac.cancel();
      await p.net.settle();
      await assert.rejects(uac.established, { code: 'CANCELLED' });
    })();
    assert.equal(cancelled, 1);
    assert.ok(p.bob.transactionCount > 0, 'the INVITE transaction lingers (Completed)');
    await collectGarbage();
    for (const ref of refs) assert.equal(ref.deref(), undefined, 'the cancelled call is still reachable');
    await p.alice.close();
    await p.bob.close();
  });
});
