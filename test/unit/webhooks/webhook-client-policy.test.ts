import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { after, afterEach, before, describe, test } from 'node:test';
import type { HostResolver } from '../../../src/webhooks/outbound-policy.ts';
import {
  WebhookClient,
  type WebhookClientOptions,
  WebhookError,
} from '../../../src/webhooks/webhook-client.ts';
import { startWebhookServer, type WebhookServer } from '../../helpers/webhook-server.ts';
import { captureLog } from './capture-log.ts';

const TOKEN = 'policy-token-789';
const XML = '<Response/>';

/** Counts every client TCP socket Node creates while `fn` runs. */
async function countSockets<T>(fn: () => Promise<T>): Promise<{ result: T; sockets: number }> {
  let sockets = 0;
  const onSocket = () => sockets++;
  dc.subscribe('net.client.socket', onSocket);
  try {
    return { result: await fn(), sockets };
  } finally {
    dc.unsubscribe('net.client.socket', onSocket);
  }
}

describe('WebhookClient outbound-address policy', () => {
  let hooks: WebhookServer;
  let port: string;
  const clients: WebhookClient[] = [];
  const make = (extra: Partial<WebhookClientOptions> = {}) => {
    const c = new WebhookClient({
      authId: 'MA0000000000000000003',
      authToken: TOKEN,
      logger: captureLog().logger,
      documentRetry: { backoffMs: 10 },
      notifyRetry: { backoffMs: 10 },
      ...extra,
    });
    clients.push(c);
    return c;
  };
  const fetchError = async (c: WebhookClient, url: string): Promise<WebhookError> => {
    try {
      await c.fetchDocument({ url, method: 'POST', params: {}, purpose: 'answer' });
    } catch (err) {
      assert.ok(err instanceof WebhookError);
      return err;
    }
    assert.fail(`expected ${url} to fail`);
  };

  before(async () => {
    hooks = await startWebhookServer({ authToken: TOKEN });
    hooks.xml('/answer', XML);
    port = new URL(hooks.origin).port;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) {
      assert.equal(c.pending, 0);
      await c.close(100);
    }
  });
  after(() => hooks.close());

  test('the link-local metadata address is refused at once, without opening a socket', async () => {
    const c = make();
    const t0 = performance.now();
    const { result: err, sockets } = await countSockets(() =>
      fetchError(c, 'http://169.254.169.254/latest/meta-data'),
    );
    assert.equal(err.code, 'FORBIDDEN_ADDRESS');
    assert.equal(err.attempts, 0);
    assert.equal(sockets, 0);
    assert.ok(performance.now() - t0 < 500, 'refused at once');
    const n = await countSockets(() =>
      c.notify({ url: 'http://169.254.169.254/', method: 'POST', params: {}, purpose: 'hangup' }),
    );
    assert.equal(n.result.error?.code, 'FORBIDDEN_ADDRESS');
    assert.equal(n.result.attempts, 0, 'not retried');
    assert.equal(n.sockets, 0);
  });

  test('other refused literals: IPv6 link-local, unspecified, multicast, broadcast', async () => {
    const c = make();
    for (const url of [
      'http://[fe80::1]/',
      'https://0.0.0.0/',
      'http://[::]/',
      'http://224.0.0.251/',
      'http://[ff02::1]/',
      'http://255.255.255.255/',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      const { result: err, sockets } = await countSockets(() => fetchError(c, url));
      assert.equal(err.code, 'FORBIDDEN_ADDRESS', url);
      assert.equal(sockets, 0, url);
    }
  });

  test('loopback is allowed by default', async () => {
    const doc = await make().fetchDocument({
      url: hooks.url('/answer'),
      method: 'POST',
      params: {},
      purpose: 'answer',
    });
    assert.equal(doc.text, XML);
  });

  test('a deny CIDR covering 127.0.0.0/8 refuses loopback before connecting', async () => {
    const c = make({ policy: { deny: ['127.0.0.0/8'] } });
    const before = hooks.requests.length;
    const { result: err, sockets } = await countSockets(() => fetchError(c, hooks.url('/answer')));
    assert.equal(err.code, 'FORBIDDEN_ADDRESS');
    assert.equal(sockets, 0);
    assert.equal(hooks.requests.length, before);
  });

  test('allow overrides deny', async () => {
    const c = make({ policy: { deny: ['127.0.0.0/8'], allow: ['127.0.0.1/32'] } });
    const doc = await c.fetchDocument({
      url: hooks.url('/answer'),
      method: 'POST',
      params: {},
      purpose: 'answer',
    });
    assert.equal(doc.text, XML);
  });

  test('a host name is checked on the addresses it resolves to (deny loopback refuses localhost)', async () => {
    const c = make({ policy: { deny: ['127.0.0.0/8', '::1/128'] } });
    const { result: err, sockets } = await countSockets(() =>
      fetchError(c, `http://localhost:${port}/answer`),
    );
    assert.equal(err.code, 'FORBIDDEN_ADDRESS');
    assert.equal(sockets, 0);
  });

  test('a name resolving to link-local is refused; the request connects only to checked addresses', async () => {
    const resolver: HostResolver = async (host) =>
      host === 'metadata.test'
        ? [{ address: '169.254.169.254', family: 4 }]
        : [
            { address: '169.254.169.254', family: 4 },
            { address: '127.0.0.1', family: 4 },
          ];
    const c = make({ resolver });
    const err = await fetchError(c, `http://metadata.test:${port}/answer`);
    assert.equal(err.code, 'FORBIDDEN_ADDRESS');
    // The refused address is dropped: the request goes to 127.0.0.1 only, addressed by name.
    const doc = await c.fetchDocument({
      url: `http://mixed.test:${port}/answer`,
      method: 'POST',
      params: {},
      purpose: 'answer',
    });
    assert.equal(doc.text, XML);
    const last = hooks.requests.at(-1);
    assert.equal(last?.headers.host, `mixed.test:${port}`);
  });

  test('a DNS failure is not retried', async () => {
    let lookups = 0;
    const resolver: HostResolver = async () => {
      lookups++;
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const r = await make({ resolver }).notify({
      url: 'http://nowhere.test/hangup',
      method: 'POST',
      params: {},
      purpose: 'hangup',
    });
    assert.equal(r.error?.code, 'DNS');
    assert.equal(r.attempts, 0);
    assert.equal(lookups, 1);
  });
});
