/**
 * The call-flow engine's decisions over real SIP and HTTP on loopback, with Patchbay's own
 * UA as the caller (the signalling outcome is what is checked here; audio and digits are
 * proven with baresip and SIPp in the neighbouring files): redirects, rejections, the end
 * of the document, fallback URLs, and hostile or broken documents, each of which must end
 * its call cleanly while the server goes on serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LocalMediaEngine } from '../../../src/media/local/local-engine.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { testEngine } from '../../helpers/media-lab.ts';
import { callIn, doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { freePort } from '../../helpers/sipp.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

describe('call-flow engine over loopback', () => {
  let lab: Lab;
  let ua: UserAgent;
  let engine: LocalMediaEngine;

  before(async () => {
    lab = await startLab();
    ua = await UserAgent.start({ listen: ['udp:127.0.0.1:0'], egress: loopbackOnly });
    engine = testEngine();
  });
  after(async () => {
    await ua?.close();
    await engine?.close();
    await lab?.close();
  });

  /** Calls `user`: the final status (a 200 call is hung up by us, after `holdMs`, or awaits Patchbay's BYE). */
  function dial(user: string, opts: { awaitBye?: boolean; holdMs?: number } = {}): Promise<number> {
    return callIn(
      ua,
      engine,
      `sip:${user}@${lab.sip}`,
      opts.awaitBye ? {} : { hangupAfterMs: opts.holdMs ?? 0 },
    );
  }

  async function lastHangup(count: number) {
    return lab.hooks.waitFor('/hangup', { count });
  }

  test('Redirect fetches the new document with Event=Redirect; Hangup before answer rejects 603', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml(
      '/answer',
      doc(`<Redirect method="GET">${lab.hooks.url('/second?step=2')}</Redirect><Speak>never</Speak>`),
    );
    lab.hooks.xml('/second', doc('<Hangup/>'));
    assert.equal(await dial('5551000'), 603);
    const second = await lab.hooks.waitFor('/second');
    assert.equal(second.method, 'GET');
    assert.equal(second.params.Event, 'Redirect');
    assert.equal(second.query.step, '2');
    assert.ok(second.signatureValid);
    const hangup = await lastHangup(n + 1);
    assert.equal(hangup.params.HangupCauseCode, '3020');
    assert.equal(hangup.params.HangupSource, 'Answer XML');
    assert.equal(hangup.params.Duration, '0');
    assert.equal(hangup.params.AnswerTime, '');
    await lab.assertIdle();
  });

  test('Hangup reason="busy" answers 486 Busy Here', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml('/answer', doc('<Hangup reason="busy"/>'));
    assert.equal(await dial('5551001'), 486);
    assert.equal((await lastHangup(n + 1)).params.HangupCauseCode, '3010');
    await lab.assertIdle();
  });

  test('an empty document ends the call with 4010 End Of XML Instructions', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml('/answer', doc(''));
    assert.equal(await dial('5551002'), 480);
    const hangup = await lastHangup(n + 1);
    assert.equal(hangup.params.HangupCauseCode, '4010');
    assert.equal(hangup.params.HangupSource, 'Vobiz');
    await lab.assertIdle();
  });

  test('an answered call ends with BYE after the last verb; Hangup schedule cuts a long Speak', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml('/answer', doc('<Hangup schedule="1"/><Speak loop="0">Scheduled hangup test.</Speak>'));
    const started = performance.now();
    assert.equal(await dial('5551003', { awaitBye: true }), 200);
    const ms = performance.now() - started;
    assert.ok(ms > 900 && ms < 2500, `the BYE came after ${ms} ms`);
    const hangup = await lastHangup(n + 1);
    assert.equal(hangup.params.HangupSource, 'Answer XML');
    assert.equal(hangup.params.HangupCauseCode, '4000');
    assert.notEqual(hangup.params.AnswerTime, '');
    await lab.assertIdle();
  });

  test('a caller hanging up during Record: the action hears HungUp before the hangup URL is told', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    const r = lab.hooks.requestsTo('/rec-hung').length;
    lab.hooks.route('/rec-hung', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(`<Record action="${lab.hooks.url('/rec-hung')}" playBeep="false" redirect="true"/>`),
    );
    assert.equal(await dial('5551004', { holdMs: 600 }), 200);
    const rec = await lab.hooks.waitFor('/rec-hung', { count: r + 1 });
    const hangup = await lastHangup(n + 1);
    assert.equal(rec.params.RecordingEndReason, 'HungUp');
    assert.ok(Number(rec.params.RecordingDurationMs) >= 400, `recorded ${rec.params.RecordingDurationMs} ms`);
    assert.ok(rec.at <= hangup.at, 'the action came first');
    assert.equal(hangup.params.HangupSource, 'Caller');
    await lab.assertIdle();
  });

  test('the fallback URL answers when the answer URL fails; a route table picks applications', async () => {
    const routed = await startLab({
      file: (hooks) => ({
        fallbackUrl: hooks.url('/fallback'),
        routes: [
          { match: '+15550001', answerUrl: hooks.url('/sales'), hangupUrl: hooks.url('/sales-hangup') },
        ],
      }),
    });
    try {
      routed.hooks.route('/answer', () => ({ status: 500, body: 'oops' }));
      routed.hooks.xml('/fallback', doc('<Hangup reason="busy"/>'));
      routed.hooks.xml('/sales', doc('<Hangup/>'));
      routed.hooks.route('/sales-hangup', () => ({ status: 200 }));
      const call = (user: string) => callIn(ua, engine, `sip:${user}@${routed.sip}`, { hangupAfterMs: 0 });
      assert.equal(await call('5550999'), 486);
      const fb = await routed.hooks.waitFor('/fallback');
      assert.equal(fb.params.Event, 'StartApp');
      assert.ok(routed.hooks.requestsTo('/answer').length >= 1, 'the answer URL was tried first');
      assert.equal((await routed.hooks.waitFor('/hangup')).params.HangupCauseCode, '3010');
      // 15550001 routes to the sales application, with its own hangup URL.
      assert.equal(await call('15550001'), 603);
      assert.equal((await routed.hooks.waitFor('/sales')).params.To, '15550001');
      assert.equal((await routed.hooks.waitFor('/sales-hangup')).params.HangupCauseCode, '3020');
      await routed.assertIdle();
    } finally {
      await routed.close();
    }
  });

  test('an unreachable answer URL ends the call with 7011 and 480', async () => {
    const port = await freePort();
    const dead = await startLab({ env: { PATCHBAY_ANSWER_URL: `http://127.0.0.1:${port}/answer#rc=0` } });
    try {
      const status = await callIn(ua, engine, `sip:x@${dead.sip}`, { hangupAfterMs: 0 });
      assert.equal(status, 480);
      const hangup = await dead.hooks.waitFor('/hangup');
      assert.equal(hangup.params.HangupCauseCode, '7011');
      assert.equal(hangup.params.HangupSource, 'Error');
      await dead.assertIdle();
    } finally {
      await dead.close();
    }
  });

  const hostile: Array<[string, { body: string | Buffer; contentType?: string; status?: number }, string]> = [
    ['an unescaped ampersand', { body: doc('<Speak>Tom & Jerry</Speak>') }, '8011'],
    ['an unescaped less-than', { body: doc('<Speak>1 < 2</Speak>') }, '8011'],
    [
      'a billion-laughs entity bomb',
      {
        body: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Response><Speak>&lol3;</Speak></Response>`,
      },
      '8011',
    ],
    ['a 10 MB document', { body: doc(`<Speak>${'a'.repeat(10 * 1024 * 1024)}</Speak>`) }, '8011'],
    [
      'depth 10,000',
      { body: `<Response>${'<Speak>'.repeat(10000)}${'</Speak>'.repeat(10000)}</Response>` },
      '8011',
    ],
    ['a wrong content type', { body: doc('<Hangup/>'), contentType: 'text/plain' }, '8011'],
    [
      'an HTML error page',
      { body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' },
      '8011',
    ],
    ['an empty body', { body: '' }, '8011'],
    ['an unknown element', { body: doc('<Say>hello</Say>') }, '8011'],
    ['a 404', { body: 'not found', status: 404, contentType: 'text/plain' }, '7011'],
  ];
  for (const [what, reply, code] of hostile) {
    test(`${what}: the call ends cleanly (480, hangup cause ${code}) and the server goes on`, async () => {
      const n = lab.hooks.requestsTo('/hangup').length;
      lab.hooks.route('/answer', () => ({
        status: reply.status ?? 200,
        contentType: reply.contentType ?? 'application/xml',
        body: reply.body,
      }));
      const started = performance.now();
      assert.equal(await dial('5552000'), 480);
      assert.ok(performance.now() - started < 3000, 'rejected promptly');
      const hangup = await lastHangup(n + 1);
      assert.equal(hangup.params.HangupCauseCode, code);
      assert.equal(hangup.params.HangupSource, 'Error');
      await lab.assertIdle();
      // The next call is served normally.
      lab.hooks.xml('/answer', doc('<Hangup reason="busy"/>'));
      assert.equal(await dial('5552001'), 486);
      assert.equal((await lastHangup(n + 2)).params.HangupCauseCode, '3010');
    });
  }
});
