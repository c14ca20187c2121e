/**
 * Capacity limits (rest-api 1.8) end to end: over PATCHBAY_MAX_CALLS a SIPp caller is turned
 * away with 503 and Retry-After and a REST call with 429 and the limit's details, while the
 * call already up goes on; once it ends, calls are taken again. PATCHBAY_MAX_CPS counts the
 * starts of the last second.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AUTH_ID, AUTH_TOKEN, doc, type Lab, sippCaller, startLab } from '../../helpers/patchbay-lab.ts';
import { restClient } from '../../helpers/rest-client.ts';

/** POST Call with fetch, for the status, the body and the headers. */
async function makeCall(lab: Lab, to: string) {
  const res = await fetch(`${lab.pb.http.origin}/api/v1/Account/${AUTH_ID}/Call/`, {
    method: 'POST',
    headers: { 'X-Auth-ID': AUTH_ID, 'X-Auth-Token': AUTH_TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ from: '1000', to, answer_url: lab.hooks.url('/answer'), answer_method: 'POST' }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json() };
}

describe('capacity limits: PATCHBAY_MAX_CALLS', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ env: { PATCHBAY_MAX_CALLS: '1' } });
  });
  after(async () => {
    await lab?.close();
  });

  test('the call over the limit gets 503 + Retry-After (SIPp), a REST call 429; the call up goes on', async () => {
    const api = restClient(() => lab.pb.http.origin, AUTH_ID, AUTH_TOKEN);
    const n = lab.hooks.requestsTo('/hangup').length;
    lab.hooks.xml('/answer', doc('<Speak loop="0">A prompt that never ends by itself.</Speak>'));
    const first = sippCaller(lab, 'uac-invite-bye.xml', { pauseMs: 2500 });
    const until = Date.now() + 5000;
    while (lab.pb.live.size < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lab.pb.live.size, 1, 'the first call is up');

    const refused = await sippCaller(lab, 'uac-expect-503.xml');
    assert.equal(refused.code, 0, refused.errors);

    const rest = await makeCall(lab, 'sip:nobody@127.0.0.1:9');
    assert.equal(rest.status, 429);
    assert.equal(rest.retryAfter, '1');
    assert.deepEqual(rest.json.details, { limitType: 'concurrency', limit: 1, current: 1, retryAfter: 1 });
    assert.match(rest.json.message, /concurrent calls limit/);
    const usage = await api('GET', '/concurrency');
    assert.equal(usage.json.max_concurrent, 1);
    assert.equal(usage.json.concurrent_calls, 1);

    // The first call was never disturbed: its caller hangs up after its pause, as planned.
    const r = await first;
    assert.equal(r.code, 0, r.errors);
    const hangup = await lab.hooks.waitFor('/hangup', { count: n + 1 });
    assert.equal(hangup.params.HangupSource, 'Caller');
    await lab.assertIdle();
    // Refused calls never became calls: one hangup request in all.
    assert.equal(lab.hooks.requestsTo('/hangup').length, n + 1);

    // Room again: the next caller gets its document (which declines it).
    lab.hooks.xml('/answer', doc('<Hangup reason="rejected"/>'));
    const again = await sippCaller(lab, 'uac-expect-603.xml');
    assert.equal(again.code, 0, again.errors);
    await lab.assertIdle();
  });
});

describe('capacity limits: PATCHBAY_MAX_CPS', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ env: { PATCHBAY_MAX_CPS: '2' } });
  });
  after(async () => {
    await lab?.close();
  });

  test('starts past the limit within a second are refused, all of a request or none', async () => {
    lab.hooks.xml('/answer', doc('<Hangup reason="rejected"/>'));
    const a = await sippCaller(lab, 'uac-expect-603.xml');
    assert.equal(a.code, 0, a.errors);
    // Two more destinations in one request would pass 2 a second: none of them starts.
    const both = await makeCall(lab, 'sip:x@127.0.0.1:9<sip:y@127.0.0.1:9');
    assert.equal(both.status, 429);
    assert.equal(both.json.details.limitType, 'cps');
    assert.equal(both.json.details.limit, 2);
    assert.equal(both.json.details.current, 1);
    assert.equal(lab.pb.live.size, 0, 'no call of the refused request started');
    const b = await sippCaller(lab, 'uac-expect-603.xml');
    assert.equal(b.code, 0, b.errors);
    const c = await sippCaller(lab, 'uac-expect-503.xml');
    assert.equal(c.code, 0, `the third start within the second: ${c.errors}`);
    await new Promise((r) => setTimeout(r, 1100));
    const d = await sippCaller(lab, 'uac-expect-603.xml');
    assert.equal(d.code, 0, `a second later: ${d.errors}`);
    await lab.assertIdle();
  });
});

/**
 * Keeps the loop busy `busyMs` out of every `everyMs` (after `settleMs`): a SIPp caller must
 * get 503, then a REST call is made meanwhile; resolves with its answer. Afterwards, once
 * `recoverMs` have passed, a caller is taken again.
 */
async function overloaded(
  lab: Lab,
  o: { busyMs: number; everyMs: number; settleMs: number; recoverMs: number },
  check: (rest: Awaited<ReturnType<typeof makeCall>>) => void,
): Promise<void> {
  lab.hooks.xml('/answer', doc('<Hangup reason="rejected"/>'));
  const busy = () => {
    const until = performance.now() + o.busyMs;
    while (performance.now() < until);
  };
  const hog = setInterval(busy, o.everyMs);
  let rest: Awaited<ReturnType<typeof makeCall>>;
  try {
    busy();
    await new Promise((r) => setTimeout(r, o.settleMs));
    const refused = await sippCaller(lab, 'uac-expect-503.xml');
    assert.equal(refused.code, 0, refused.errors);
    rest = await makeCall(lab, 'sip:nobody@127.0.0.1:9');
  } finally {
    clearInterval(hog);
  }
  assert.equal(rest.status, 503);
  assert.equal(rest.json.details.limitType, 'overload');
  assert.equal(rest.retryAfter, '1');
  check(rest);
  await new Promise((r) => setTimeout(r, o.recoverMs));
  const taken = await sippCaller(lab, 'uac-expect-603.xml');
  assert.equal(taken.code, 0, taken.errors);
  await lab.assertIdle(35_000);
}

describe('overload: PATCHBAY_MAX_LOOP_LAG', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ env: { PATCHBAY_MAX_LOOP_LAG: '200' } });
  });
  after(async () => {
    await lab?.close();
  });

  test('while the loop keeps running late callers get 503; a second after it recovers calls are taken', async () => {
    // Sustained overload: the loop busy 250 ms out of every 300.
    await overloaded(lab, { busyMs: 250, everyMs: 300, settleMs: 0, recoverMs: 1200 }, (rest) => {
      assert.equal(rest.json.details.limit, 200);
      assert.ok(rest.json.details.current > 200);
    });
  });
});

describe('overload: PATCHBAY_MAX_LOAD', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({ env: { PATCHBAY_MAX_LOAD: '80' } });
  });
  after(async () => {
    await lab?.close();
  });

  test('while the loop stays saturated callers get 503; once it has had two quiet seconds calls are taken', async () => {
    // Saturation with no long stall: the loop busy 45 ms out of every 50.
    await overloaded(lab, { busyMs: 45, everyMs: 50, settleMs: 2200, recoverMs: 2500 }, (rest) => {
      assert.equal(rest.json.details.limit, 80);
      assert.ok(rest.json.details.current >= 80, `busy ${rest.json.details.current} %`);
      assert.match(rest.json.message, /the event loop was busy \d+ % of the last seconds \(limit 80 %\)/);
    });
  });
});
