/**
 * Stream WebSocket URLs under the webhooks' outbound-address policy: refused targets never
 * get a socket, the stream fails as a connection that failed (DroppedStream, StopStream,
 * status failed) and is not retried; an allowed name is connected to at the address that
 * was checked, never looked up again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { StreamConfig } from '../../../../src/media/stream/stream-config.ts';
import { checkStreamTarget, type StreamEgress } from '../../../../src/media/stream/stream-egress.ts';
import { StreamSession, type StreamSessionDeps } from '../../../../src/media/stream/stream-session.ts';
import { OutboundPolicy, type ResolvedAddress } from '../../../../src/webhooks/outbound-policy.ts';
import { WebhookClient } from '../../../../src/webhooks/webhook-client.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { installLoopbackGuard, type LoopbackGuard } from './loopback-guard.ts';
import { PlayerEndpoint } from './player-endpoint.ts';
import { WsApp } from './ws-app.ts';

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  reason?: string;
}

function config(url: string, over: Partial<StreamConfig> = {}): StreamConfig {
  return {
    serviceUrl: url,
    audioTrack: 'inbound',
    bidirectional: true,
    contentType: 'audio/x-l16;rate=8000',
    streamTimeout: 86400,
    statusCallbackUrl: 'http://app.test/status',
    statusCallbackMethod: 'POST',
    extraHeaders: {},
    ...over,
  };
}

/** A resolver for names only the test knows; counts its lookups. */
function resolver(table: Record<string, string[]>) {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<ResolvedAddress[]> => {
    calls.push(host);
    const list = table[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls };
}

function session(cfg: StreamConfig, over: Partial<StreamSessionDeps> = {}) {
  const logs: LogLine[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => logs.push(JSON.parse(line) as LogLine) });
  const callbacks: Array<Record<string, string>> = [];
  const clock = new FakeClock();
  const s = new StreamSession(cfg, {
    callUuid: 'call-egress',
    accountId: 'MA0001',
    endpoint: new PlayerEndpoint(),
    clock,
    log,
    notify: async (_url, _method, params) => {
      callbacks.push(params);
    },
    ...over,
  });
  return { s, logs, callbacks, clock };
}

describe('Stream egress: the outbound-address policy of webhooks', { timeout: 15_000 }, () => {
  let app: WsApp;
  let guard: LoopbackGuard;
  before(async () => {
    guard = installLoopbackGuard();
    app = await WsApp.start();
  });
  after(async () => {
    guard.uninstall();
    await app.close();
    assert.deepEqual(guard.blocked, [], 'nothing tried to leave loopback');
  });

  test('a link-local (cloud metadata) URL is refused: no retry, DroppedStream + StopStream, a logged reason', async () => {
    const { s, logs, callbacks, clock } = session(
      config('ws://169.254.169.254/latest/meta-data', { maxRetries: 3 }),
    );
    s.start();
    const end = await s.done;
    assert.deepEqual(end, { reason: 'failed', status: 'failed', streamId: s.id });
    clock.advance(60_000);
    assert.equal(s.stats().connects, 0);
    assert.equal(s.stats().failures, 1, 'not retried');
    await s.settled();
    assert.deepEqual(
      callbacks.map((c) => c.Event),
      ['DroppedStream', 'StopStream'],
    );
    assert.equal(callbacks[0]?.Error, 'could not connect to the remote service');
    assert.equal(s.info().status, 'failed');
    const line = logs.find((l) => l.code === 'FORBIDDEN_ADDRESS');
    assert.ok(line, 'the refusal is logged with its code');
    assert.equal(line.level, 40, 'as a warning');
    assert.match(line.reason ?? '', /169\.254\.169\.254 is refused \(link-local\)/);
  });

  test('a host name that resolves to a forbidden address is refused before any socket exists', async () => {
    const dns = resolver({ 'metadata.example.test': ['169.254.169.254'] });
    const egress: StreamEgress = { policy: new OutboundPolicy(), resolver: dns.resolve };
    const attempts = app.attempts;
    const { s, logs } = session(config(`ws://metadata.example.test:${app.port}/`), { egress });
    s.start();
    assert.equal((await s.done).reason, 'failed');
    assert.deepEqual(dns.calls, ['metadata.example.test']);
    assert.equal(app.attempts, attempts);
    const line = logs.find((l) => l.code === 'FORBIDDEN_ADDRESS');
    assert.match(
      line?.reason ?? '',
      /metadata\.example\.test -> 169\.254\.169\.254 is refused \(link-local\)/,
    );
  });

  test('an allowed name is connected to at the checked address: no second lookup can swap it', async () => {
    // agent.example.test exists only in the test's resolver: the WebSocket reaching the app
    // proves the socket used the pinned, checked address and did no DNS of its own.
    const dns = resolver({ 'agent.example.test': ['169.254.0.7', '127.0.0.1'] });
    const egress: StreamEgress = { policy: new OutboundPolicy(), resolver: dns.resolve };
    const n = app.connections.length;
    const { s } = session(config(`ws://agent.example.test:${app.port}/agent`), { egress });
    s.start();
    const c = await app.connection(n);
    assert.equal(c.headers.host, `agent.example.test:${app.port}`, 'the URL keeps its name');
    assert.equal(c.ws.readyState, c.ws.OPEN);
    await c.waitFor('start');
    assert.deepEqual(dns.calls, ['agent.example.test'], 'resolved once');
    s.stop();
    assert.equal((await s.done).status, 'completed');
  });

  test('configured deny refuses loopback; allow overrides it (the webhooks’ allow/deny)', async () => {
    const attempts = app.attempts;
    const denied = session(config(app.url()), {
      egress: { policy: new OutboundPolicy({ deny: ['127.0.0.0/8'] }) },
    });
    denied.s.start();
    assert.equal((await denied.s.done).reason, 'failed');
    assert.equal(app.attempts, attempts, 'no connection attempt');
    assert.match(denied.logs.find((l) => l.code === 'FORBIDDEN_ADDRESS')?.reason ?? '', /denied by policy/);

    const n = app.connections.length;
    const allowed = session(config(app.url()), {
      egress: { policy: new OutboundPolicy({ deny: ['127.0.0.0/8'], allow: ['127.0.0.1/32'] }) },
    });
    allowed.s.start();
    await (await app.connection(n)).waitFor('start');
    allowed.s.stop();
    assert.equal((await allowed.s.done).status, 'completed');
  });

  test("a call's streams follow its webhook client's configured policy; without one, the defaults", async () => {
    const attempts = app.attempts;
    const webhooks = new WebhookClient({
      authId: 'MA_EGRESS',
      authToken: 'token',
      logger: pino({ level: 'silent' }),
      policy: { deny: ['127.0.0.1/32'] },
    });
    const denied = session(config(app.url()), { egress: webhooks.egress });
    denied.s.start();
    assert.equal((await denied.s.done).reason, 'failed');
    assert.equal(app.attempts, attempts, 'the configured deny list kept the socket from opening');
    await webhooks.close(0);
    // The default policy: loopback and private addresses are allowed (self-hosted agents).
    const n = app.connections.length;
    const { s } = session(config(app.url()));
    s.start();
    await (await app.connection(n)).waitFor('start');
    s.stop();
    await s.done;
  });

  test('a name that does not resolve is a connection failure: retried per maxRetries', async () => {
    const dns = resolver({});
    const { s, clock, callbacks } = session(config('ws://nowhere.example.test/', { maxRetries: 1 }), {
      egress: { policy: new OutboundPolicy(), resolver: dns.resolve },
    });
    s.start();
    while (s.state !== 'retrying') await new Promise((r) => setImmediate(r));
    clock.advance(500);
    assert.equal((await s.done).reason, 'failed');
    assert.deepEqual(dns.calls, ['nowhere.example.test', 'nowhere.example.test']);
    await s.settled();
    assert.deepEqual(
      callbacks.map((c) => c.Event),
      ['DroppedStream', 'DroppedStream', 'StopStream'],
    );
  });

  test('checkStreamTarget: IPv6 link-local and IPv4-mapped metadata literals are refused too', async () => {
    const egress: StreamEgress = { policy: new OutboundPolicy() };
    for (const url of ['ws://[fe80::1]:8080/', 'wss://[::ffff:169.254.169.254]/', 'ws://0.0.0.0:9/']) {
      const v = await checkStreamTarget(url, egress);
      assert.equal(v.ok, false, url);
      assert.equal(!v.ok && v.code, 'FORBIDDEN_ADDRESS', url);
    }
    const ok = await checkStreamTarget('ws://[::1]:9/', egress);
    assert.ok(ok.ok && ok.addresses[0] === '::1');
  });
});
