/**
 * Patchbay's worker threads, each on by default and off with `0`: PATCHBAY_WEBHOOK_THREAD (the
 * webhook client) and PATCHBAY_SIP_SEND_THREAD (UDP sends). Either way a SIPp call gets its
 * document, its responses from Patchbay's SIP port, and the hangup URL its notification,
 * signed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebhookClient } from '../../../src/webhooks/webhook-client.ts';
import { WebhookThread } from '../../../src/webhooks/webhook-thread.ts';
import { doc, type Lab, sippCaller, startLab } from '../../helpers/patchbay-lab.ts';

const cases: Array<{ env: Record<string, string>; check: (lab: Lab) => void; name: string }> = [
  {
    name: 'defaults: webhooks and UDP sends on their threads',
    env: {},
    check: (lab) => {
      assert.ok(lab.pb.webhooks instanceof WebhookThread);
      assert.equal(lab.pb.ua.sendThreads, 1);
    },
  },
  {
    name: 'PATCHBAY_WEBHOOK_THREAD=0: the webhook client on the main thread',
    env: { PATCHBAY_WEBHOOK_THREAD: '0' },
    check: (lab) => assert.ok(lab.pb.webhooks instanceof WebhookClient),
  },
  {
    name: 'PATCHBAY_SIP_SEND_THREAD=0: UDP sent from the main thread',
    env: { PATCHBAY_SIP_SEND_THREAD: '0' },
    check: (lab) => assert.equal(lab.pb.ua.sendThreads, 0),
  },
];

describe("Patchbay's threads", () => {
  for (const c of cases) {
    test(`${c.name}; a SIPp call gets its document and the hangup URL is told`, async () => {
      const lab = await startLab({ env: c.env });
      try {
        c.check(lab);
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
