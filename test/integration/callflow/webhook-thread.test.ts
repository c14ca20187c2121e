/**
 * PATCHBAY_WEBHOOK_THREAD: by default the webhook client runs on its worker thread; `0`
 * keeps it on the main thread. Either way a SIPp call gets its document and the hangup URL
 * its notification, signed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebhookClient } from '../../../src/webhooks/webhook-client.ts';
import { WebhookThread } from '../../../src/webhooks/webhook-thread.ts';
import { doc, sippCaller, startLab } from '../../helpers/patchbay-lab.ts';

describe('PATCHBAY_WEBHOOK_THREAD', () => {
  for (const [setting, kind] of [
    [undefined, WebhookThread],
    ['0', WebhookClient],
  ] as const) {
    test(`${setting === undefined ? 'unset' : setting}: ${kind.name} fetches the document and tells the hangup URL`, async () => {
      const lab = await startLab(setting === undefined ? {} : { env: { PATCHBAY_WEBHOOK_THREAD: setting } });
      try {
        assert.ok(lab.pb.webhooks instanceof kind);
        lab.hooks.xml('/answer', doc('<Hangup reason="rejected"/>'));
        const r = await sippCaller(lab, 'uac-expect-603.xml');
        assert.equal(r.code, 0, r.errors);
        const hangup = await lab.hooks.waitFor('/hangup', { count: 1 });
        assert.equal(hangup.params.Event, 'Hangup');
        assert.equal(hangup.signatureValid, true);
        await lab.assertIdle();
      } finally {
        await lab.close();
      }
    });
  }
});
