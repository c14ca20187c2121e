/**
 * WebhookThread: the webhook client on a worker thread keeps WebhookClient's contract. The
 * requests really leave from the worker (signed, form-encoded), outcomes and errors come
 * back as they are (WebhookError and its code, status, attempts), aborts cross over, the
 * worker's log records reach the main logger, close() lets what is in flight finish, and a
 * worker that dies fails its requests and is replaced on the next one.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { verifyWebhookSignature } from '../../../src/webhooks/signature.ts';
import { WebhookError } from '../../../src/webhooks/webhook-client.ts';
import { NOTIFY_WAIT_MS, WebhookThread, workerExecArgv } from '../../../src/webhooks/webhook-thread.ts';
import { runNode } from '../../helpers/run-node.ts';
import { captureLog, WARN } from './capture-log.ts';
import { listen, rejection } from './client-fixture.ts';

const TOKEN = 'thread-token-0123456789';

type Route = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('WebhookThread: the webhook client on its own thread', () => {
  const routes = new Map<string, Route>();
  const seen: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      seen.push({ path, headers: req.headers, body });
      const route = routes.get(path.split('?')[0]);
      if (route) route(req, body, res);
      else res.writeHead(404).end();
    });
  });
  let origin = '';
  const log = captureLog();
  let thread: WebhookThread;
  const make = () =>
    new WebhookThread({
      authId: 'MATHREAD000000000001',
      authToken: TOKEN,
      logger: log.logger,
      policy: { allow: ['127.0.0.1'] },
      documentRetry: { retries: 0 },
      notifyRetry: { retries: 0 },
    });

  before(async () => {
    origin = await listen(server);
    thread = make();
  });
  after(async () => {
    await thread.close(100);
    server.close();
  });

  test('a document: fetched from the worker, signed and form-encoded, returned as WebhookClient returns it', async () => {
    routes.set('/answer', (_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' }).end('<Response><Hangup/></Response>');
    });
    const doc = await thread.fetchDocument({
      url: `${origin}/answer`,
      method: 'POST',
      params: { CallUUID: 'u-1', From: '+15550100' },
      purpose: 'answer',
    });
    assert.equal(doc.text, '<Response><Hangup/></Response>');
    assert.equal(doc.status, 200);
    assert.equal(doc.attempts, 1);
    assert.equal(doc.url, `${origin}/answer`);
    const req = seen.at(-1);
    assert.equal(req?.body, 'CallUUID=u-1&From=%2B15550100');
    assert.ok(
      verifyWebhookSignature({
        url: `${origin}/answer`,
        nonce: req?.headers['x-vobiz-signature-v3-nonce'] as string,
        signature: req?.headers['x-vobiz-signature-v3'] as string,
        authToken: TOKEN,
      }),
    );
    assert.equal(thread.pending, 0);
  });

  test('failures come back as WebhookError with code, status and attempts; notify never rejects', async () => {
    routes.set('/broken', (_req, _body, res) => res.writeHead(500).end('no'));
    const err = await rejection(
      thread.fetchDocument({ url: `${origin}/broken`, method: 'POST', params: {}, purpose: 'answer' }),
    );
    assert.equal(err.code, 'HTTP_STATUS');
    assert.equal(err.status, 500);
    assert.equal(err.attempts, 1);
    const notified = await thread.notify({
      url: `${origin}/broken`,
      method: 'POST',
      params: {},
      purpose: 'hangup',
    });
    assert.equal(notified.ok, false);
    assert.ok(notified.error instanceof WebhookError);
    assert.equal(notified.error.code, 'HTTP_STATUS');
    assert.equal(notified.status, 500);
    // The worker's record of the failure reached the main logger.
    assert.ok(log.lines.some((l) => l.level === WARN && l.purpose === 'answer' && l.status === 500));
  });

  test('an abort on the caller side reaches the request in the worker', async () => {
    routes.set('/slow', () => {}); // never answers
    const stop = new AbortController();
    const p = thread.fetchDocument(
      { url: `${origin}/slow`, method: 'POST', params: {}, purpose: 'answer' },
      { signal: stop.signal },
    );
    while (!seen.some((r) => r.path === '/slow')) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    assert.equal((await rejection(p)).code, 'ABORTED');
    assert.equal(thread.pending, 0);
  });

  test('the requests of one turn go to the worker in one message, each with its own outcome', async () => {
    routes.set('/echo', (_req, body, res) => {
      res
        .writeHead(200, { 'Content-Type': 'application/xml' })
        .end(`<Response><Speak>${body}</Speak></Response>`);
    });
    routes.set('/never', () => {});
    const worker = (thread as unknown as { worker: { postMessage: (m: unknown) => void } }).worker;
    const posted: unknown[] = [];
    const postMessage = worker.postMessage;
    worker.postMessage = function (this: unknown, m: unknown) {
      posted.push(m);
      return postMessage.call(this, m);
    };
    try {
      const stop = new AbortController();
      const docs = [1, 2, 3].map((n) =>
        thread.fetchDocument({
          url: `${origin}/echo`,
          method: 'POST',
          params: { N: String(n) },
          purpose: 'answer',
        }),
      );
      const aborted = rejection(
        thread.fetchDocument(
          { url: `${origin}/never`, method: 'POST', params: {}, purpose: 'answer' },
          { signal: stop.signal },
        ),
      );
      stop.abort();
      assert.equal(posted.length, 0, 'nothing is posted before the turn ends');
      const texts = (await Promise.all(docs)).map((d) => d.text);
      assert.deepEqual(
        texts,
        [1, 2, 3].map((n) => `<Response><Speak>N=${n}</Speak></Response>`),
      );
      assert.equal((await aborted).code, 'ABORTED');
      assert.equal(posted.length, 1, 'one message for the turn');
      const batch = posted[0] as { t: string; items: Array<{ t: string }> };
      assert.equal(batch.t, 'batch');
      assert.deepEqual(
        batch.items.map((i) => i.t),
        ['req', 'req', 'req', 'req', 'abort'],
      );
      assert.equal(thread.pending, 0);
    } finally {
      worker.postMessage = postMessage;
    }
  });

  test('notifications wait a few ms for company; a document takes the waiting ones along at once', async () => {
    routes.set('/note', (_req, _body, res) => res.writeHead(204).end());
    routes.set('/doc', (_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' }).end('<Response/>');
    });
    const worker = (thread as unknown as { worker: { postMessage: (m: unknown) => void } }).worker;
    type Item = { t: string; req?: { url: string } };
    type Posted = Item & { items?: Item[] };
    const posted: Posted[] = [];
    const postMessage = worker.postMessage;
    worker.postMessage = function (this: unknown, m: unknown) {
      posted.push(m as Posted);
      return postMessage.call(this, m);
    };
    const turn = () => new Promise((r) => setImmediate(r));
    const note = (n: number) =>
      thread.notify({ url: `${origin}/note?n=${n}`, method: 'POST', params: {}, purpose: 'hangup' });
    const paths = (m: Posted) => (m.items ?? [m]).map((i) => (i.req?.url ?? '').split(origin)[1]);
    try {
      // Two notifications in two turns: one message, once the first has waited its few ms.
      const a = note(1);
      await turn();
      const b = note(2);
      await turn();
      assert.equal(posted.length, 0, 'a lone notification waits');
      assert.deepEqual(
        (await Promise.all([a, b])).map((r) => r.ok),
        [true, true],
      );
      assert.equal(posted.length, 1);
      assert.deepEqual(paths(posted[0] as Posted), ['/note?n=1', '/note?n=2']);

      // A document request does not wait, and takes the waiting notification with it.
      const c = note(3);
      await turn();
      const started = performance.now();
      const doc = thread.fetchDocument({
        url: `${origin}/doc`,
        method: 'POST',
        params: {},
        purpose: 'answer',
      });
      await turn();
      assert.equal(posted.length, 2, 'posted at the end of the turn');
      assert.ok(performance.now() - started < NOTIFY_WAIT_MS, 'without the notification wait');
      assert.deepEqual(paths(posted[1] as Posted), ['/note?n=3', '/doc']);
      assert.equal((await doc).text, '<Response/>');
      assert.equal((await c).ok, true);
      assert.equal(posted.length, 2, 'nothing left behind to post');
    } finally {
      worker.postMessage = postMessage;
    }
  });

  test('a worker that dies fails what it had in flight; the next request gets a new one', async () => {
    routes.set('/hang', () => {});
    routes.set('/ok', (_req, _body, res) => res.writeHead(204).end());
    const p = thread.notify({ url: `${origin}/hang`, method: 'POST', params: {}, purpose: 'hangup' });
    while (!seen.some((r) => r.path === '/hang')) await new Promise((r) => setTimeout(r, 5));
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const failed = await p;
    assert.equal(failed.ok, false);
    assert.equal(failed.error?.code, 'CONNECT');
    const again = await thread.notify({ url: `${origin}/ok`, method: 'POST', params: {}, purpose: 'hangup' });
    assert.equal(again.ok, true);
    assert.equal(again.status, 204);
  });

  test('close() lets a request in flight finish; after it, requests are ABORTED at once', async () => {
    const t = make();
    routes.set('/late', (_req, _body, res) => setTimeout(() => res.writeHead(200).end(), 150));
    const p = t.notify({ url: `${origin}/late`, method: 'POST', params: {}, purpose: 'hangup' });
    while (!seen.some((r) => r.path === '/late')) await new Promise((r) => setTimeout(r, 5));
    await t.close(2000);
    const done = await p;
    assert.equal(done.ok, true, done.error?.message);
    assert.equal(done.status, 200);
    const refused = await rejection(
      t.fetchDocument({ url: `${origin}/answer?x=1`, method: 'GET', params: {}, purpose: 'answer' }),
    );
    assert.equal(refused.code, 'ABORTED');
    assert.equal(refused.url, `${origin}/answer`, 'no query string in errors');
  });

  test('a process run with per-process V8 options (node --max-old-space-size=...) still gets its thread', async () => {
    routes.set('/flags', (_req, _body, res) =>
      res.writeHead(200, { 'Content-Type': 'application/xml' }).end('<Response/>'),
    );
    const thread = new URL('../../../src/webhooks/webhook-thread.ts', import.meta.url).href;
    const script = `
      import(${JSON.stringify(thread)}).then(async ({ WebhookThread }) => {
        const { pino } = await import('pino');
        const t = new WebhookThread({ authId: 'MA1', authToken: 'token', logger: pino({ level: 'silent' }), policy: { allow: ['127.0.0.1'] } });
        const doc = await t.fetchDocument({ url: ${JSON.stringify(`${origin}/flags`)}, method: 'POST', params: {}, purpose: 'answer' });
        await t.close(100);
        console.log(doc.text);
      });`;
    const flags = ['--max-old-space-size=512', '--stack-size=900', '--expose-gc'];
    const r = await runNode([...flags, '--import', 'tsx', '-e', script]);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), '<Response/>');
  });

  test('the worker inherits the Node options as they are, --input-type (an -e script only) aside', () => {
    assert.deepEqual(workerExecArgv(['--max-old-space-size=512', '--import', 'tsx']), {});
    assert.deepEqual(workerExecArgv(['--input-type=module', '--import', 'tsx']), {
      execArgv: ['--import', 'tsx'],
    });
  });
});
