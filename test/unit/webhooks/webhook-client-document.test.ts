import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, afterEach, before, describe, test } from 'node:test';
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server.ts';
import { captureLog, INFO, WARN } from './capture-log.ts';
import { clientFixture, listen, rejection } from './client-fixture.ts';

const TOKEN = 'doc-token-123';
const XML = '<Response><Speak>Hello</Speak></Response>';

describe('WebhookClient.fetchDocument', () => {
  let hooks: WebhookServer;
  const clients = clientFixture({
    authId: 'MA0000000000000000001',
    authToken: TOKEN,
    documentRetry: { backoffMs: 10, readTimeoutMs: 2000, connectTimeoutMs: 500, totalTimeoutMs: 5000 },
  });
  const make = clients.make;

  before(async () => {
    hooks = await startWebhookServer({ authToken: TOKEN });
  });
  afterEach(() => clients.closeAll());
  after(() => hooks.close());

  test('POST: form body arrives as sent, signed per spec, with User-Agent', async () => {
    hooks.xml('/post', XML);
    const c = make();
    const params = { CallUUID: 'abc-1', From: '+14155551234', Note: 'a b&c=d é' };
    const doc = await c.fetchDocument({ url: hooks.url('/post'), method: 'POST', params, purpose: 'answer' });
    assert.equal(doc.text, XML);
    assert.equal(doc.status, 200);
    assert.equal(doc.attempts, 1);
    assert.equal(doc.url, hooks.url('/post'));
    const [r] = hooks.requestsTo('/post');
    assert.equal(r.method, 'POST');
    assert.deepEqual(r.params, params);
    assert.deepEqual(r.query, {});
    assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.match(String(r.headers['user-agent']), /^Patchbay-Webhook\/\d+\.\d+\.\d+/);
    assert.equal(r.signatureValid, true);
    assert.match(String(r.headers['x-vobiz-signature-v2-nonce']), /^\d{20}$/);
    assert.equal(c.pending, 0);
  });

  test('GET: fields appended to the existing query string, which is kept', async () => {
    hooks.xml('/get', XML);
    const c = make();
    await c.fetchDocument({
      url: hooks.url('/get?app=ivr&x=a%20b'),
      method: 'GET',
      params: { CallUUID: 'abc-2', Digits: '1#' },
      purpose: 'action',
    });
    const [r] = hooks.requestsTo('/get');
    assert.equal(r.method, 'GET');
    assert.deepEqual(r.query, { app: 'ivr', x: 'a b', CallUUID: 'abc-2', Digits: '1#' });
    assert.deepEqual(r.params, r.query);
    assert.equal(r.signatureValid, true, 'the query is not part of the signed URL');
  });

  test('a wrong token gives a signature the spec verifier rejects', async () => {
    hooks.xml('/wrong-token', XML);
    await make({ authToken: 'not-the-token' }).fetchDocument({
      url: hooks.url('/wrong-token'),
      method: 'POST',
      params: {},
      purpose: 'answer',
    });
    assert.equal(hooks.requestsTo('/wrong-token')[0].signatureValid, false);
  });

  test('the fragment is stripped, never sent, and its policy honoured (#rc=0: one try)', async () => {
    hooks.route('/rc0', () => ({ status: 503 }));
    const err = await rejection(
      make().fetchDocument({ url: hooks.url('/rc0#rc=0'), method: 'POST', params: {}, purpose: 'answer' }),
    );
    assert.equal(err.code, 'HTTP_STATUS');
    assert.equal(err.status, 503);
    assert.equal(err.attempts, 1);
    const seen = hooks.requestsTo('/rc0');
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].query, {});
    assert.equal(seen[0].signatureValid, true, 'signed without the fragment');
    assert.equal(err.url, hooks.url('/rc0'));
  });

  test('#rt=200 sets the read timeout: a slow server times out fast', async () => {
    hooks.route('/slow', () => ({ status: 200, contentType: 'application/xml', body: XML, delayMs: 1500 }));
    const t0 = performance.now();
    const err = await rejection(
      make().fetchDocument({
        url: hooks.url('/slow#rt=200&rc=0'),
        method: 'POST',
        params: {},
        purpose: 'answer',
      }),
    );
    assert.equal(err.code, 'TIMEOUT');
    assert.ok(performance.now() - t0 < 1000, 'timed out by the fragment, not the 2000 ms option');
  });

  test('#tt bounds all tries together', async () => {
    hooks.route('/slow-tt', () => ({
      status: 200,
      contentType: 'application/xml',
      body: XML,
      delayMs: 1500,
    }));
    const t0 = performance.now();
    const err = await rejection(
      make().fetchDocument({
        url: hooks.url('/slow-tt#tt=300'),
        method: 'POST',
        params: {},
        purpose: 'answer',
      }),
    );
    assert.equal(err.code, 'TIMEOUT');
    const took = performance.now() - t0;
    assert.ok(took >= 290 && took < 1000, `took ${took} ms`);
  });

  test('an invalid fragment value is ignored with a warning', async () => {
    hooks.route('/bad-fragment', () => ({ status: 503 }));
    const log = captureLog();
    const err = await rejection(
      make({ logger: log.logger }).fetchDocument({
        url: hooks.url('/bad-fragment#rc=9&bogus=1'),
        method: 'POST',
        params: {},
        purpose: 'answer',
      }),
    );
    assert.equal(err.attempts, 3, 'the default 2 retries still apply');
    const warned = log.lines.filter((l) => l.level === WARN && (l.key === 'rc' || l.key === 'bogus'));
    assert.deepEqual(warned.map((l) => l.key).sort(), ['bogus', 'rc']);
  });

  test('retries 5xx with a growing back-off and succeeds, fresh nonce per try', async () => {
    let n = 0;
    hooks.route('/flaky', () =>
      ++n < 3 ? { status: 503 } : { status: 200, contentType: 'text/xml; charset=utf-8', body: XML },
    );
    const doc = await make({ documentRetry: { backoffMs: 40, backoffFactor: 2 } }).fetchDocument({
      url: hooks.url('/flaky'),
      method: 'POST',
      params: { CallUUID: 'x' },
      purpose: 'answer',
    });
    assert.equal(doc.text, XML);
    assert.equal(doc.attempts, 3);
    const seen = hooks.requestsTo('/flaky');
    assert.equal(seen.length, 3);
    assert.ok(seen.every((r) => r.signatureValid && r.params.CallUUID === 'x'));
    assert.equal(new Set(seen.map((r) => r.headers['x-vobiz-signature-v3-nonce'])).size, 3);
    const gaps = [seen[1].at - seen[0].at, seen[2].at - seen[1].at];
    assert.ok(gaps[0] >= 38, `first back-off ${gaps[0]}`);
    assert.ok(gaps[1] >= 78, `second back-off doubled ${gaps[1]}`);
  });

  test('a 404 document is not retried', async () => {
    const err = await rejection(
      make().fetchDocument({ url: hooks.url('/missing'), method: 'POST', params: {}, purpose: 'answer' }),
    );
    assert.equal(err.code, 'HTTP_STATUS');
    assert.equal(err.status, 404);
    assert.equal(err.attempts, 1);
    assert.equal(hooks.requestsTo('/missing').length, 1);
  });

  test('#rp=4xx makes a 404 retryable', async () => {
    const err = await rejection(
      make().fetchDocument({
        url: hooks.url('/missing-rp#rp=4xx&rc=1'),
        method: 'POST',
        params: {},
        purpose: 'answer',
      }),
    );
    assert.equal(err.attempts, 2);
    assert.equal(hooks.requestsTo('/missing-rp').length, 2);
  });

  test('connection refused (closed port) is retried, then CONNECT', async () => {
    const probe = createServer();
    const origin = await listen(probe);
    await new Promise((r) => probe.close(r));
    const err = await rejection(
      make().fetchDocument({ url: `${origin}/answer`, method: 'POST', params: {}, purpose: 'answer' }),
    );
    assert.equal(err.code, 'CONNECT');
    assert.equal(err.attempts, 3);
  });

  test('text/html is CONTENT_TYPE, not retried', async () => {
    hooks.route('/html', () => ({ status: 200, contentType: 'text/html', body: '<html></html>' }));
    const err = await rejection(
      make().fetchDocument({ url: hooks.url('/html'), method: 'POST', params: {}, purpose: 'answer' }),
    );
    assert.equal(err.code, 'CONTENT_TYPE');
    assert.equal(err.attempts, 1);
    assert.equal(hooks.requestsTo('/html').length, 1);
  });

  test('a charset is honoured when decoding', async () => {
    hooks.route('/latin1', () => ({
      contentType: 'application/xml; charset=ISO-8859-1',
      body: Buffer.from('<Response><Speak>café</Speak></Response>', 'latin1'),
    }));
    const doc = await make().fetchDocument({
      url: hooks.url('/latin1'),
      method: 'GET',
      params: {},
      purpose: 'answer',
    });
    assert.equal(doc.text, '<Response><Speak>café</Speak></Response>');
  });

  test('200 KB with Content-Length: TOO_LARGE without reading it, not retried', async () => {
    hooks.route('/big', () => ({ contentType: 'application/xml', body: Buffer.alloc(200 * 1024, 0x20) }));
    const err = await rejection(
      make().fetchDocument({ url: hooks.url('/big'), method: 'POST', params: {}, purpose: 'answer' }),
    );
    assert.equal(err.code, 'TOO_LARGE');
    assert.equal(err.attempts, 1);
  });

  test('logs once at info with purpose, method, url without query, status, attempts, durationMs', async () => {
    hooks.xml('/logged', XML);
    const log = captureLog();
    await make({ logger: log.logger }).fetchDocument({
      url: hooks.url('/logged?secret=1'),
      method: 'GET',
      params: { CallUUID: 'u' },
      purpose: 'answer',
      callUuid: 'u',
    });
    const infos = log.lines.filter((l) => l.level === INFO);
    assert.equal(infos.length, 1);
    const [line] = infos;
    assert.equal(line.purpose, 'answer');
    assert.equal(line.method, 'GET');
    assert.equal(line.url, hooks.url('/logged'));
    assert.equal(line.status, 200);
    assert.equal(line.attempts, 1);
    assert.equal(line.callUuid, 'u');
    assert.equal(typeof line.durationMs, 'number');
  });

  test('failures log at warn with the code', async () => {
    const log = captureLog();
    await rejection(
      make({ logger: log.logger }).fetchDocument({
        url: hooks.url('/missing-log'),
        method: 'POST',
        params: {},
        purpose: 'redirect',
      }),
    );
    const warns = log.lines.filter((l) => l.level === WARN);
    assert.equal(warns.length, 1);
    assert.equal(warns[0].code, 'HTTP_STATUS');
    assert.equal(warns[0].purpose, 'redirect');
    assert.equal(warns[0].status, 404);
  });
});
