import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import type { MediaEndpoint } from '../../../src/media/media-engine.ts';
import type { Dialog } from '../../../src/sip/dialog/dialog.ts';
import { sendRefer } from '../../../src/sip/dialog/refer-client.ts';
import { formatReplaces } from '../../../src/sip/dialog/refer-to.ts';
import { LocalSdpSession } from '../../../src/sip/sdp/local-sdp-session.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { testEngine } from '../../helpers/media-lab.ts';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';
import { ok, sippPeer } from './transfer-peers.ts';

describe('attended transfer (RFC 3891 Replaces) between calls on Patchbay', () => {
  let lab: Lab;
  let ua: UserAgent;
  let engine: LocalMediaEngine;
  const endpoints: MediaEndpoint[] = [];

  before(async () => {
    lab = await startLab({ env: { PATCHBAY_ACCEPT_REFER: 'true' } });
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    engine = testEngine();
  });
  after(async () => {
    for (const e of endpoints) await e.close();
    await ua?.close();
    await engine?.close();
    await lab?.close();
  });

  /** Our UA calls Patchbay as `user`; resolves with the dialog once answered. */
  async function callIn(user: string, headers?: Record<string, string>): Promise<Dialog> {
    const endpoint = await engine.createEndpoint();
    endpoints.push(endpoint);
    const body = new LocalSdpSession().createOffer(endpoint.capabilities()).sdp;
    return ua.createUAC({ uri: `sip:${user}@${lab.sip}`, body, ...(headers ? { headers } : {}) }).established;
  }

  const ended = (d: Dialog) => new Promise<string>((r) => d.once('destroy', (e) => r(e.cause)));

  /** The Replaces value naming `d` as Patchbay (the other end of `d`) sees it. */
  const replacesOf = (d: Dialog) =>
    formatReplaces({ callId: d.callId, toTag: d.remoteTag, fromTag: d.localTag, earlyOnly: false });

  test('REFER with Replaces naming our other call: the two far parties are joined, the referrer gets two BYEs', async () => {
    const b1 = await sippPeer('uas-answer-bye.xml', { pauseMs: 2500 });
    const b2 = await sippPeer('uas-answer.xml');
    lab.hooks.route('/after', () => ({
      status: 200,
      contentType: 'application/xml',
      body: doc('<Hangup/>'),
    }));
    lab.hooks.xml('/answer', doc(`<Dial action="${lab.hooks.url('/after')}"><User>${b1.uri}</User></Dial>`));
    const d1 = await callIn('5554001');
    lab.hooks.xml('/answer', doc(`<Dial action="${lab.hooks.url('/after')}"><User>${b2.uri}</User></Dial>`));
    const d2 = await callIn('5554002');
    const gone1 = ended(d1);
    const gone2 = ended(d2);
    const outcome = await sendRefer(d1, {
      referTo: `<sip:5554002@${lab.sip}?Replaces=${encodeURIComponent(replacesOf(d2))}>`,
      timeoutMs: 5000,
    });
    assert.equal(outcome.result, 'completed');
    assert.equal(outcome.referStatus, 202);
    assert.equal(outcome.sipStatus, 200);
    assert.equal(await gone1, 'bye', 'the referrer leg of call 1 was released');
    assert.equal(await gone2, 'bye', 'the referrer leg of call 2 was released');
    // B1 hangs up after 2.5 s: call 1 ends and its new leg, B2, gets the BYE.
    await ok(b1.run, 'B1');
    await ok(b2.run, 'B2 (joined with B1, BYE when B1 left)');
    await lab.assertIdle();
  });

  test('an INVITE with Replaces takes the place of the leg it names; 481 when it names nothing', async () => {
    const b = await sippPeer('uas-answer-bye.xml', { pauseMs: 2500 });
    lab.hooks.route('/after', () => ({
      status: 200,
      contentType: 'application/xml',
      body: doc('<Hangup/>'),
    }));
    lab.hooks.xml('/answer', doc(`<Dial action="${lab.hooks.url('/after')}"><User>${b.uri}</User></Dial>`));
    const x = await callIn('5554003');
    const gone = ended(x);
    await assert.rejects(callIn('5554003', { Replaces: 'nosuchcall;to-tag=a;from-tag=b' }), { status: 481 });
    const y = await callIn('5554003', { Replaces: replacesOf(x) });
    assert.equal(await gone, 'bye', 'the replaced leg got BYE (RFC 3891 3)');
    assert.equal(y.state, 'confirmed');
    const yGone = ended(y);
    await ok(b.run, 'B (talks to the new leg, then hangs up)');
    assert.equal(await yGone, 'bye');
    await lab.assertIdle();
  });
});
