import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { ok, sippPeer } from './transfer-peers.ts';

describe('<Refer> (Patchbay extension): outbound REFER to the caller', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  test('the caller accepts (202, NOTIFY 100, NOTIFY 200): action hears completed, Patchbay leaves with BYE', async () => {
    lab.hooks.route('/refer-done', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(
        `<Refer action="${lab.hooks.url('/refer-done')}" timeout="5" sipHeaders="Reason=transfer">sip:agent@192.0.2.10</Refer><Speak>not reached</Speak>`,
      ),
    );
    const a = await sippPeer('uac-refer-accept.xml', { remote: lab.sip, service: '5552000' });
    await ok(a.run, 'transferee');
    const done = await lab.hooks.waitFor('/refer-done');
    assert.equal(done.params.ReferStatus, 'completed');
    assert.equal(done.params.ReferSipStatus, '200');
    assert.equal(done.params.ReferTo, 'sip:agent@192.0.2.10');
    const hangup = await lab.hooks.waitFor('/hangup', {
      where: (r) => r.params.CallUUID === done.params.CallUUID,
    });
    assert.equal(hangup.params.HangupCauseCode, '4000');
    assert.equal(hangup.params.HangupSource, 'Answer XML');
    await lab.assertIdle();
  });

  test('the caller refuses (603): action hears refused/603 and its document takes over', async () => {
    lab.hooks.xml(
      '/answer',
      doc(
        `<Refer action="${lab.hooks.url('/refer-refused')}" timeout="5" sipHeaders="Reason=transfer">tel:+14155550100</Refer>`,
      ),
    );
    lab.hooks.xml('/refer-refused', doc('<Hangup/>'));
    const a = await sippPeer('uac-refer-decline.xml', { remote: lab.sip, service: '5552001' });
    await ok(a.run, 'caller that declines');
    const refused = await lab.hooks.waitFor('/refer-refused');
    assert.equal(refused.params.ReferStatus, 'refused');
    assert.equal(refused.params.ReferSipStatus, '603');
    assert.equal(refused.params.CallStatus, 'in-progress', 'the caller is still there');
    await lab.assertIdle();
  });
});
