import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { freePort } from '../../helpers/sipp.ts';
import { ok, sippPeer } from './transfer-peers.ts';

describe('Dial: 3xx redirects and digest authentication (per target)', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  test('a 302 is followed to its Contact, which answers; unsupported Contacts are skipped', async () => {
    const callee = await sippPeer('uas-answer-bye.xml', { pauseMs: 800 });
    const redirector = await sippPeer('uas-3xx-redirect.xml', { keys: { target: callee.uri } });
    lab.hooks.route('/dial-cb', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(
        `<Dial callbackUrl="${lab.hooks.url('/dial-cb')}" action="${lab.hooks.url('/after-302')}"><User>${redirector.uri}</User></Dial>`,
      ),
    );
    lab.hooks.xml('/after-302', doc('<Hangup/>'));
    const a = await sippPeer('uac-invite-await-bye.xml', { remote: lab.sip, service: '5553001' });
    await ok(redirector.run, 'redirect server');
    await ok(callee.run, 'callee behind the redirect');
    await ok(a.run, 'caller');
    const afterDial = await lab.hooks.waitFor('/after-302');
    assert.equal(afterDial.params.DialStatus, 'completed');
    const answered = await lab.hooks.waitFor('/dial-cb', {
      where: (r) => r.params.CallUUID === afterDial.params.CallUUID && r.params.DialAction === 'answer',
    });
    assert.equal(answered.params.DialBLegTo, callee.uri);
    await lab.assertIdle();
  });

  test('a redirect loop stops: 302 to itself is not followed again (DialStatus=failed)', async () => {
    const self = await freePort();
    const loop = await sippPeer('uas-3xx-redirect.xml', {
      port: self,
      keys: { target: `sip:peer@127.0.0.1:${self};transport=udp` },
    });
    lab.hooks.xml(
      '/answer',
      doc(`<Dial action="${lab.hooks.url('/after-loop')}"><User>sip:peer@127.0.0.1:${self}</User></Dial>`),
    );
    lab.hooks.xml('/after-loop', doc('<Hangup/>'));
    const a = await sippPeer('uac-expect-603.xml', { remote: lab.sip, service: '5553002' });
    await ok(loop.run, 'redirect server (one INVITE only)');
    await ok(a.run, 'caller (rejected at the end)');
    const afterDial = await lab.hooks.waitFor('/after-loop');
    assert.equal(afterDial.params.DialStatus, 'failed');
    await lab.assertIdle();
  });

  test('a 401 is answered with sipAuthUsername/sipAuthPassword; the far end verifies the Authorization', async () => {
    const callee = await sippPeer('uas-auth.xml', { keys: { authuser: 'alice', authpass: 's3cret' } });
    lab.hooks.xml(
      '/answer',
      doc(
        `<Dial action="${lab.hooks.url('/after-auth')}"><User sipAuthUsername="alice" sipAuthPassword="s3cret">${callee.uri}</User></Dial>`,
      ),
    );
    lab.hooks.route('/after-auth', () => ({ status: 200 }));
    const a = await sippPeer('uac-invite-bye.xml', { remote: lab.sip, service: '5553003', pauseMs: 600 });
    await ok(a.run, 'caller');
    await ok(callee.run, 'callee that challenges (verifyauth)');
    const afterDial = await lab.hooks.waitFor('/after-auth');
    assert.equal(afterDial.params.DialStatus, 'completed');
    await lab.assertIdle();
  });
});
