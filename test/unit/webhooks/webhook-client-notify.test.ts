import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { verifyWebhookSignature } from '../../../src/webhooks/signature.ts';
import { WebhookClient, type WebhookClientOptions } from '../../../src/webhooks/webhook-client.ts';
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server.ts';
import { captureLog, WARN } from './capture-log.ts';

const TOKEN = 'notify-token-456';

describe('WebhookClient.notify', () => {
  let hooks: WebhookServer;
  const clients: WebhookClient[] = [];
  const make = (extra: Partial<WebhookClientOptions> = {}) => {
    const c = new WebhookClient({
      authId: 'MA0000000000000000002',
      authToken: TOKEN,
      logger: captureLog().logger,
      notifyRetry: { backoffMs: 10, readTimeoutMs: 2000, connectTimeoutMs: 500 },
      ...extra,
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    hooks = await startWebhookServer({ authToken: TOKEN });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) {
      assert.equal(c.pending, 0, 'no request left in flight');
      await c.close(100);
    }
  });
  after(() => hooks.close());

  test('POST form fields arrive as sent, signed (V3 and V2); any 2xx is success', async () => {
    hooks.route('/hangup', () => ({ status: 204 }));
    const params = { CallUUID: 'c-1', Event: 'Hangup', HangupCause: 'NORMAL_CLEARING', Duration: '45' };
    const r = await make().notify({ url: hooks.url('/hangup'), method: 'POST', params, purpose: 'hangup' });
    assert.equal(r.ok, true);
    assert.equal(r.status, 204);
    assert.equal(r.attempts, 1);
    assert.equal(r.error, undefined);
    const [got] = hooks.requestsTo('/hangup');
    assert.deepEqual(got.params, params);
    assert.equal(got.signatureValid, true);
    const v2 = verifyWebhookSignature({
      url: hooks.url('/hangup'),
      nonce: String(got.headers['x-vobiz-signature-v2-nonce']),
      signature: String(got.headers['x-vobiz-signature-v2']),
      authToken: TOKEN,
      version: 'v2',
    });
    assert.equal(v2, true);
  });

  test('GET carries the fields in the query string', async () => {
    hooks.route('/cb', () => ({ status: 200, body: 'thanks' }));
    const r = await make().notify({
      url: hooks.url('/cb?tag=1'),
      method: 'GET',
      params: { DialStatus: 'completed' },
      purpose: 'callback',
    });
    assert.equal(r.ok, true);
    assert.deepEqual(hooks.requestsTo('/cb')[0].query, { tag: '1', DialStatus: 'completed' });
  });

  test('5xx and 429 are retried with back-off until success', async () => {
    const replies = [503, 429, 500, 200];
    hooks.route('/retry', () => ({ status: replies.shift() ?? 200 }));
    const r = await make().notify({
      url: hooks.url('/retry'),
      method: 'POST',
      params: {},
      purpose: 'hangup',
    });
    assert.equal(r.ok, true);
    assert.equal(r.attempts, 4);
    assert.equal(hooks.requestsTo('/retry').length, 4);
  });

  test('gives up after 3 retries and resolves (never rejects) with the error', async () => {
    hooks.route('/always-503', () => ({ status: 503 }));
    const log = captureLog();
    const r = await make({ logger: log.logger }).notify({
      url: hooks.url('/always-503'),
      method: 'POST',
      params: {},
      purpose: 'hangup',
    });
    assert.equal(r.ok, false);
    assert.equal(r.status, 503);
    assert.equal(r.attempts, 4);
    assert.equal(r.error?.code, 'HTTP_STATUS');
    assert.equal(hooks.requestsTo('/always-503').length, 4);
    const warns = log.lines.filter((l) => l.level === WARN);
    assert.equal(warns.length, 1, 'one warning for the request, not one per try');
    assert.equal(warns[0].attempts, 4);
  });

  test('a 404 is not retried by default', async () => {
    const r = await make().notify({
      url: hooks.url('/gone'),
      method: 'POST',
      params: {},
      purpose: 'callback',
    });
    assert.deepEqual([r.ok, r.status, r.attempts], [false, 404, 1]);
  });

  test('a large reply is read and discarded without failing', async () => {
    hooks.route('/chatty', () => ({ status: 200, body: Buffer.alloc(300 * 1024, 0x61) }));
    const r = await make().notify({
      url: hooks.url('/chatty'),
      method: 'POST',
      params: {},
      purpose: 'callback',
    });
    assert.equal(r.ok, true);
    assert.equal(r.status, 200);
  });

  test('invalid URLs and schemes resolve as INVALID_URL', async () => {
    const c = make();
    for (const url of ['not a url', 'ftp://127.0.0.1/x', 'file:///etc/passwd', '/relative/path']) {
      const r = await c.notify({ url, method: 'POST', params: {}, purpose: 'callback' });
      assert.equal(r.ok, false, url);
      assert.equal(r.error?.code, 'INVALID_URL', url);
      assert.equal(r.attempts, 0);
    }
  });

  test('the signal aborts a notification and it resolves ABORTED', async () => {
    hooks.route('/slow-hangup', () => ({ status: 200, delayMs: 3000 }));
    const c = make();
    const ac = new AbortController();
    const p = c.notify(
      { url: hooks.url('/slow-hangup'), method: 'POST', params: {}, purpose: 'hangup' },
      { signal: ac.signal },
    );
    await hooks.waitFor('/slow-hangup');
    assert.equal(c.pending, 1);
    ac.abort();
    const r = await p;
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'ABORTED');
    assert.equal(c.pending, 0);
  });

  test('close() waits for pending notifications, then refuses new ones', async () => {
    hooks.route('/late', () => ({ status: 200, delayMs: 100 }));
    const c = make();
    const p = c.notify({ url: hooks.url('/late'), method: 'POST', params: {}, purpose: 'hangup' });
    await hooks.waitFor('/late');
    await c.close(2000);
    assert.equal(c.pending, 0);
    assert.equal((await p).ok, true, 'the pending notification was delivered');
    const before = hooks.requestsTo('/late').length;
    const refused = await c.notify({
      url: hooks.url('/late'),
      method: 'POST',
      params: {},
      purpose: 'hangup',
    });
    assert.equal(refused.error?.code, 'ABORTED');
    assert.equal(hooks.requestsTo('/late').length, before, 'nothing sent after close');
  });

  test('close(timeoutMs) aborts what is still pending after the timeout', async () => {
    hooks.route('/stuck', () => ({ status: 200, delayMs: 3000 }));
    const c = make();
    const p = c.notify({ url: hooks.url('/stuck'), method: 'POST', params: {}, purpose: 'hangup' });
    await hooks.waitFor('/stuck');
    const t0 = performance.now();
    await c.close(80);
    const r = await p;
    const took = performance.now() - t0;
    assert.ok(took >= 75 && took < 1000, `close took ${took} ms`);
    assert.equal(r.error?.code, 'ABORTED');
    assert.equal(c.pending, 0);
  });
});
