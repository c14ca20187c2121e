/**
 * 6020 Media Timeout: an answered call whose peer stops sending RTP (a phone that lost its
 * network never sends BYE) is ended by Patchbay; a peer that keeps sending is left alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { callWithMedia, testEngine } from '../../helpers/media-lab.ts';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

describe('media timeout', () => {
  let lab: Lab;
  let ua: UserAgent;
  let engine: LocalMediaEngine;

  before(async () => {
    lab = await startLab({ env: { PATCHBAY_MEDIA_TIMEOUT: '3' } });
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    engine = testEngine();
    lab.hooks.xml('/answer', doc('<Speak>Hello.</Speak><Wait length="15"/>'));
  });
  after(async () => {
    await ua?.close();
    await engine?.close();
    await lab?.close();
  });

  test('a peer that sends no RTP is hung up after the timeout with 6020 and BYE', async () => {
    // An offer whose media nobody sends from: the caller is gone but never said BYE.
    const offer = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 9 RTP/AVP 0',
      'a=rtpmap:0 PCMU/8000',
      'a=sendrecv',
      '',
    ].join('\r\n');
    const uac = ua.createUAC({ uri: `sip:5551000@${lab.sip}`, body: offer });
    const dialog = await uac.established;
    const t0 = performance.now();
    const end = await new Promise<{ cause: string }>((r) => dialog.once('destroy', r));
    const ms = performance.now() - t0;
    assert.equal(end.cause, 'bye', 'Patchbay sent BYE');
    assert.ok(ms >= 2800 && ms < 8000, `ended after ${Math.round(ms)} ms`);
    const hangup = await lab.hooks.waitFor('/hangup');
    assert.equal(hangup.params.HangupCauseCode, '6020');
    assert.equal(hangup.params.HangupCause, 'MEDIA_TIMEOUT');
    await lab.assertIdle();
  });

  test('a peer that keeps sending RTP is not timed out', async () => {
    lab.hooks.xml('/answer', doc('<Speak>Hello.</Speak><Wait length="5"/><Hangup/>'));
    const before = lab.hooks.requestsTo('/hangup').length;
    // A configured endpoint sends idle silence every 20 ms until it is closed.
    const { dialog, endpoint } = await callWithMedia(ua, engine, `sip:5551001@${lab.sip}`);
    const end = await new Promise<{ cause: string }>((r) => dialog.once('destroy', r));
    await endpoint.close();
    assert.equal(end.cause, 'bye');
    const hangup = await lab.hooks.waitFor('/hangup', { count: before + 1 });
    assert.notEqual(hangup.params.HangupCauseCode, '6020', 'a peer that sends RTP is not timed out');
    assert.equal(hangup.params.HangupSource, 'Answer XML');
    await lab.assertIdle();
  });
});
