import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { ok, sippPeer } from './transfer-peers.ts';

describe('inbound REFER (RFC 3515) on a bridged call', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ env: { PATCHBAY_ACCEPT_REFER: 'true' } });
  });
  after(async () => {
    await lab?.close();
  });

  test('from the A-leg: 202, NOTIFY 100 then 200, the referrer gets BYE, B talks to the target', async () => {
    const b = await sippPeer('uas-answer-bye.xml', { pauseMs: 3000 });
    const target = await sippPeer('uas-refer-target.xml');
    lab.hooks.xml('/answer', doc(`<Dial action="${lab.hooks.url('/after-a')}"><User>${b.uri}</User></Dial>`));
    lab.hooks.xml('/after-a', doc('<Hangup/>'));
    const a = await sippPeer('uac-refer-blind.xml', {
      remote: lab.sip,
      service: '5551000',
      pauseMs: 1000,
      keys: { referto: target.uri },
    });
    await ok(a.run, 'transferor (A)');
    const afterDial = await lab.hooks.waitFor('/after-a', { timeoutMs: 10_000 });
    assert.equal(afterDial.params.DialStatus, 'completed');
    await ok(b.run, 'B (hangs up after 3 s)');
    await ok(target.run, 'target (gets BYE when B hangs up)');
    const hangup = await lab.hooks.waitFor('/hangup', {
      where: (r) => r.params.CallUUID === afterDial.params.CallUUID,
    });
    assert.equal(hangup.params.HangupCauseCode, '4000');
    await lab.assertIdle();
  });

  test('from the B-leg: A now talks to the target (the Dial winner), B is released', async () => {
    const target = await sippPeer('uas-refer-target.xml');
    const b2 = await sippPeer('uas-refer-blind.xml', { pauseMs: 800, keys: { referto: target.uri } });
    lab.hooks.route('/dial-cb', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(
        `<Dial callbackUrl="${lab.hooks.url('/dial-cb')}" action="${lab.hooks.url('/after-b')}"><User>${b2.uri}</User></Dial>`,
      ),
    );
    lab.hooks.route('/after-b', () => ({ status: 200 }));
    const a = await sippPeer('uac-invite-bye.xml', { remote: lab.sip, service: '5551001', pauseMs: 2500 });
    await ok(b2.run, 'transferor (B)');
    await ok(a.run, 'A (hangs up after 2.5 s)');
    await ok(target.run, 'target (gets BYE when A hangs up)');
    const afterDial = await lab.hooks.waitFor('/after-b', { timeoutMs: 10_000 });
    assert.equal(afterDial.params.DialStatus, 'completed');
    const hangupCb = await lab.hooks.waitFor('/dial-cb', {
      where: (r) => r.params.DialAction === 'hangup' && r.params.CallUUID === afterDial.params.CallUUID,
    });
    // The B-leg the action hears about is the target's, which replaced the referrer.
    assert.equal(hangupCb.params.DialBLegUUID, afterDial.params.DialBLegUUID);
    assert.match(hangupCb.params.DialBLegTo, /^sip:peer@127\.0\.0\.1:/);
    assert.equal(hangupCb.params.DialBLegTo, target.uri);
    await lab.assertIdle();
  });
});
