import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import type { MediaEndpoint } from '../../../src/media/media-engine.ts';
import type { Dialog } from '../../../src/sip/dialog/dialog.ts';
import { sendRefer } from '../../../src/sip/dialog/refer-client.ts';
import { LocalSdpSession } from '../../../src/sip/sdp/local-sdp-session.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { testEngine } from '../../helpers/media-lab.ts';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';
import { ok, sippPeer } from './transfer-peers.ts';

describe('who may transfer: PATCHBAY_ACCEPT_REFER off, the transfer URL decides', () => {
  let lab: Lab;
  let ua: UserAgent;
  let engine: LocalMediaEngine;
  const endpoints: MediaEndpoint[] = [];

  before(async () => {
    lab = await startLab({
      // The routed number's application has a transfer URL (the spec's sip_transfer_url).
      file: (hooks) => ({
        routes: [{ match: '5556000', answerUrl: hooks.url('/ivr'), transferUrl: hooks.url('/transfer') }],
      }),
    });
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    engine = testEngine();
  });
  after(async () => {
    for (const e of endpoints) await e.close();
    await ua?.close();
    await engine?.close();
    await lab?.close();
  });

  async function callIn(user: string): Promise<Dialog> {
    const endpoint = await engine.createEndpoint();
    endpoints.push(endpoint);
    const body = new LocalSdpSession().createOffer(endpoint.capabilities()).sdp;
    return ua.createUAC({ uri: `sip:${user}@${lab.sip}`, body }).established;
  }

  const refer = (d: Dialog, to: string) =>
    sendRefer(d, { referTo: `<${to}>`, referredBy: '<sip:transferor@127.0.0.1>', timeoutMs: 5000 });

  test('no transfer URL and REFER not accepted by default: 603; a bad Refer-To: 400', async () => {
    lab.hooks.xml('/answer', doc('<DTMF>1</DTMF><Wait length="20"/>'));
    const d = await callIn('5556999');
    const refused = await refer(d, 'sip:someone@127.0.0.1:5999');
    assert.equal(refused.result, 'refused');
    assert.equal(refused.referStatus, 603);
    const bad = await sendRefer(d, { referTo: '<mailto:x@example.com>', timeoutMs: 1000 });
    assert.equal(bad.referStatus, 400);
    await d.destroy();
    await lab.assertIdle();
  });

  test('the transfer URL refuses with <Hangup>: 603, asked with Event=Transfer and TransferStatus=requested', async () => {
    lab.hooks.xml('/ivr', doc('<DTMF>1</DTMF><Wait length="20"/>'));
    lab.hooks.xml('/transfer', doc('<Hangup reason="rejected"/>'));
    const d = await callIn('5556000');
    const refused = await refer(d, 'sip:someone@127.0.0.1:5999');
    assert.equal(refused.referStatus, 603);
    const asked = await lab.hooks.waitFor('/transfer');
    assert.equal(asked.params.Event, 'Transfer');
    assert.equal(asked.params.TransferStatus, 'requested');
    assert.equal(asked.params.TransferType, 'blind');
    assert.equal(asked.params.ReferTo, '<sip:someone@127.0.0.1:5999>');
    assert.equal(asked.params.ReferredBy, '<sip:transferor@127.0.0.1>');
    await d.destroy();
    await lab.assertIdle();
  });

  test('in an IVR the transfer URL accepts: the target replaces the caller, the running verb is cut and the document goes on', async () => {
    const target = await sippPeer('uas-refer-target.xml');
    const n = lab.hooks.requestsTo('/transfer').length;
    lab.hooks.xml('/ivr', doc('<DTMF>1</DTMF><Wait length="20"/><Hangup/>'));
    lab.hooks.xml('/transfer', doc('<Speak>ok</Speak>'));
    const d = await callIn('5556000');
    const gone = new Promise((r) => d.once('destroy', r));
    const started = performance.now();
    const outcome = await refer(d, target.uri);
    assert.equal(outcome.result, 'completed');
    assert.equal(outcome.sipStatus, 200);
    await gone;
    // The Wait of 20 s was cut: the next verb (Hangup) ended the call, with the target's BYE.
    await ok(target.run, 'target');
    assert.ok(performance.now() - started < 8000, 'the running verb was cut short');
    const completed = await lab.hooks.waitFor('/transfer', { count: n + 2 });
    assert.equal(completed.params.TransferStatus, 'completed');
    assert.match(completed.params.TransferCallUUID, /^[0-9a-f-]{36}$/);
    await lab.assertIdle();
  });
});
