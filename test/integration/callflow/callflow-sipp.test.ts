/**
 * Call flows against SIPp as the caller: 180 Ringing as the first response of a call that
 * rings (no 100 Trying), the 200 alone for one answered at once, early media (183 with SDP
 * strictly before the 200 for PreAnswer), a caller that hangs up in the middle of a prompt,
 * and a burst of calls running documents side by side.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { doc, type Lab, sippCaller, startLab } from '../../helpers/patchbay-lab.ts';

describe('call flows with SIPp calling in', () => {
  let lab: Lab;

  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  const sipp = (scenario: string, opts: { calls?: number; rate?: number; pauseMs?: number } = {}) =>
    sippCaller(lab, scenario, opts);

  test('PreAnswer: 183 Session Progress with SDP comes before the 200, then the call is answered', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml(
      '/answer',
      doc('<PreAnswer><Speak>Early media.</Speak></PreAnswer><Speak>Now answered.</Speak>'),
    );
    const r = await sipp('uac-preanswer.xml');
    assert.equal(r.code, 0, r.errors);
    const hangup = await lab.hooks.waitFor('/hangup', { count: n + 1 });
    assert.equal(hangup.params.HangupCauseCode, '4010');
    assert.notEqual(hangup.params.AnswerTime, '');
    await lab.assertIdle();
  });

  test('a call that keeps ringing (Wait first): 180 Ringing is the first response the caller sees, no 100 Trying', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml(
      '/answer',
      doc('<Wait length="1"/><Speak loop="0">A prompt that never ends by itself.</Speak>'),
    );
    const r = await sipp('uac-ringing-first.xml', { calls: 5, rate: 10, pauseMs: 200 });
    assert.equal(r.code, 0, r.errors);
    await lab.hooks.waitFor('/hangup', { count: n + 5 });
    await lab.assertIdle();
  });

  test('a document that answers at once: the 200 is the only response, no 100, 180 or 183 before it', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml('/answer', doc('<Speak loop="0">A prompt that never ends by itself.</Speak>'));
    const r = await sipp('uac-answer-first.xml', { calls: 5, rate: 10, pauseMs: 200 });
    assert.equal(r.code, 0, r.errors);
    await lab.hooks.waitFor('/hangup', { count: n + 5 });
    await lab.assertIdle();
  });

  test('the caller hangs up mid-Speak: hangup URL told once with HangupSource=Caller', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml('/answer', doc('<Speak loop="0">A prompt that never ends by itself.</Speak>'));
    const r = await sipp('uac-invite-bye.xml', { pauseMs: 800 });
    assert.equal(r.code, 0, r.errors);
    const hangup = await lab.hooks.waitFor('/hangup', { count: n + 1 });
    assert.equal(hangup.params.HangupSource, 'Caller');
    assert.equal(hangup.params.From, 'sip:caller@127.0.0.1');
    await lab.assertIdle();
    assert.equal(lab.hooks.requestsTo('/hangup').length, n + 1);
  });

  test('Redirect hands the call to the next document, whose Hangup declines it with 603', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    const r2 = lab.hooks.requestsTo('/next').length;
    lab.hooks.xml('/answer', doc(`<Redirect>${lab.hooks.url('/next')}</Redirect><Speak>not reached</Speak>`));
    lab.hooks.xml('/next', doc('<Hangup/>'));
    const r = await sipp('uac-expect-603.xml');
    assert.equal(r.code, 0, r.errors);
    const next = await lab.hooks.waitFor('/next', { count: r2 + 1 });
    assert.equal(next.params.Event, 'Redirect');
    assert.equal(next.params.CallStatus, 'ringing');
    const hangup = await lab.hooks.waitFor('/hangup', { count: n + 1 });
    assert.equal(hangup.params.HangupCauseCode, '3020');
    assert.equal(hangup.params.HangupSource, 'Answer XML');
    await lab.assertIdle();
  });

  test('a re-INVITE from the caller mid-prompt is answered from the same media endpoint', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml('/answer', doc('<Speak loop="0">Hold on, please.</Speak>'));
    const r = await sipp('uac-reinvite.xml', { pauseMs: 300 });
    assert.equal(r.code, 0, r.errors);
    const hangup = await lab.hooks.waitFor('/hangup', { count: n + 1 });
    assert.equal(hangup.params.HangupSource, 'Caller');
    await lab.assertIdle();
  });

  test('20 calls at 10 per second each run their document and end cleanly', async () => {
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml('/answer', doc('<Speak>One moment.</Speak><Wait length="1"/>'));
    const r = await sipp('uac-invite-await-bye.xml', { calls: 20, rate: 10 });
    assert.equal(r.code, 0, r.errors);
    await lab.hooks.waitFor('/hangup', { count: n + 20, timeoutMs: 10000 });
    const uuids = new Set(
      lab.hooks
        .requestsTo('/hangup')
        .slice(n)
        .map((h) => h.params.CallUUID),
    );
    assert.equal(uuids.size, 20, 'one hangup request per call');
    await lab.assertIdle();
  });
});
