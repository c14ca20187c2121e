import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  WebhookClient,
  type WebhookClientOptions,
  WebhookError,
} from '../../../src/webhooks/webhook-client.ts';
import { captureLog } from './capture-log.ts';

/** Clients made by a test file; `closeAll()` (afterEach) asserts none left a request in flight. */
export function clientFixture(defaults: Omit<WebhookClientOptions, 'logger'>) {
  const clients: WebhookClient[] = [];
  return {
    make(extra: Partial<WebhookClientOptions> = {}): WebhookClient {
      const c = new WebhookClient({ logger: captureLog().logger, ...defaults, ...extra });
      clients.push(c);
      return c;
    },
    async closeAll(): Promise<void> {
      for (const c of clients.splice(0)) {
        assert.equal(c.pending, 0, 'no request left in flight');
        await c.close(100);
      }
    },
  };
}

/** The WebhookError a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<WebhookError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WebhookError, `not a WebhookError: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

/** Listens on 127.0.0.1, port 0; resolves with the origin. */
export function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}
