import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server.ts';

const TOKEN = 'helper-token';

/** The helper itself (used by end-to-end tests): routing, recording, waiting, verifying. */
describe('test helper: webhook server', () => {
  let hooks: WebhookServer;
  before(async () => {
    hooks = await startWebhookServer({ authToken: TOKEN });
  });
  after(() => hooks.close());

  test('origin is loopback on its own port; unrouted paths answer 404 and are recorded', async () => {
    assert.match(hooks.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(hooks.url('/x'), `${hooks.origin}/x`);
    const res = await fetch(hooks.url('/nowhere?a=1'));
    assert.equal(res.status, 404);
    const [r] = hooks.requestsTo('/nowhere');
    assert.deepEqual(r.query, { a: '1' });
    assert.deepEqual(r.params, { a: '1' });
    assert.equal(r.signatureValid, false, 'no signature headers');
  });

  test('xml() serves application/xml; route() replies as scripted, errors become 500', async () => {
    hooks.xml('/doc', '<Response/>');
    const doc = await fetch(hooks.url('/doc'), { method: 'POST' });
    assert.equal(doc.headers.get('content-type'), 'application/xml');
    assert.equal(await doc.text(), '<Response/>');
    hooks.route('/teapot', () => ({ status: 418, contentType: 'text/plain', body: 'short and stout' }));
    const tea = await fetch(hooks.url('/teapot'));
    assert.equal(tea.status, 418);
    assert.equal(await tea.text(), 'short and stout');
    hooks.route('/broken', () => {
      throw new Error('boom');
    });
    assert.equal((await fetch(hooks.url('/broken'))).status, 500);
  });

  test('form bodies become params; a spec V3 signature over origin + path is valid', async () => {
    const nonce = '01234567890123456789';
    const sig = createHmac('sha256', TOKEN)
      .update(`${hooks.url('/signed')}.${nonce}`)
      .digest('base64');
    await fetch(hooks.url('/signed?q=2'), {
      method: 'POST',
      headers: { 'X-Vobiz-Signature-V3': sig, 'X-Vobiz-Signature-V3-Nonce': nonce },
      body: new URLSearchParams({ CallUUID: 'u1', Digits: '12' }),
    });
    const [r] = hooks.requestsTo('/signed');
    assert.deepEqual(r.params, { CallUUID: 'u1', Digits: '12' });
    assert.deepEqual(r.query, { q: '2' });
    assert.equal(r.signatureValid, true);
    await fetch(hooks.url('/signed'), {
      method: 'POST',
      headers: {
        'X-Vobiz-Signature-V3': sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
        'X-Vobiz-Signature-V3-Nonce': nonce,
      },
    });
    assert.equal(hooks.requestsTo('/signed')[1].signatureValid, false);
  });

  test('waitFor resolves with the count-th matching request, also when it arrives later', async () => {
    hooks.route('/wait', () => ({ status: 200 }));
    const later = hooks.waitFor('/wait', { count: 2, where: (r) => r.params.n !== 'skip' });
    for (const n of ['1', 'skip', '2']) await fetch(hooks.url(`/wait?n=${n}`));
    assert.equal((await later).params.n, '2');
    assert.equal((await hooks.waitFor('/wait')).params.n, '1', 'already received');
  });

  test('waitFor rejects after timeoutMs naming the path', async () => {
    await assert.rejects(hooks.waitFor('/never-called', { timeoutMs: 30 }), /\/never-called/);
  });

  test('delayMs holds the reply back', async () => {
    hooks.route('/delayed', () => ({ status: 200, delayMs: 60 }));
    const t0 = performance.now();
    await fetch(hooks.url('/delayed'));
    assert.ok(performance.now() - t0 >= 55);
  });
});
