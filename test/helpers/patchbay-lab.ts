/**
 * A whole Patchbay on loopback for end-to-end call-flow tests: SIP on a free UDP port, the
 * HTTP server on port 0, a random RTP range, a temporary data directory, and a webhook
 * server (test/helpers/webhook-server.ts) as the customer's application.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { type Patchbay, startPatchbay } from '../../src/main.ts';
import type { MediaEngine } from '../../src/media/media-engine.ts';
import { SipError } from '../../src/sip/errors.ts';
import { LocalSdpSession } from '../../src/sip/sdp/local-sdp-session.ts';
import type { UserAgent } from '../../src/sip/ua/user-agent.ts';
import { createLogger, silentLogger } from '../../src/util/log.ts';
import { assertRangeFree, randomRtpRange, sleep } from './media-lab.ts';
import { freePort, runSipp } from './sipp.ts';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

export const AUTH_ID = 'MATESTACCOUNT0000001';
export const AUTH_TOKEN = 'test-token-0123456789abcdef';

export interface Lab {
  pb: Patchbay;
  hooks: WebhookServer;
  /** 127.0.0.1:PORT of Patchbay's SIP (UDP). */
  sip: string;
  sipPort: number;
  rtp: { low: number; high: number };
  dataDir: string;
  /** Waits until no call is live, then checks that nothing is left: calls, dialogs, RTP ports. */
  assertIdle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface LabOptions {
  /** Extra PATCHBAY_* variables (override the lab's). */
  env?: Record<string, string>;
  /** Paths of the webhook server used as answer and hangup URL; default /answer and /hangup. */
  answerPath?: string;
  hangupPath?: string;
  /** Settings of a configuration file (keys as in Config), given the webhook server. */
  file?: (hooks: WebhookServer) => Record<string, unknown>;
}

/** Only loopback: tests never send elsewhere. */
const loopbackOnly = (address: string) => address === '127.0.0.1' || address === '::1';

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const hooks = await startWebhookServer({ authToken: AUTH_TOKEN });
  const sipPort = await freePort();
  const rtp = randomRtpRange(60);
  const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-lab-'));
  let file: string | undefined;
  if (opts.file) {
    file = join(dataDir, 'patchbay.yaml');
    // JSON is YAML.
    writeFileSync(file, JSON.stringify(opts.file(hooks)));
  }
  const config = loadConfig({
    file,
    env: {
      PATCHBAY_SIP_LISTEN: `udp:127.0.0.1:${sipPort}`,
      PATCHBAY_PUBLIC_HOST: '127.0.0.1',
      PATCHBAY_HTTP_LISTEN: '127.0.0.1:0',
      PATCHBAY_RTP_PORTS: `${rtp.low}-${rtp.high}`,
      PATCHBAY_DATA_DIR: dataDir,
      PATCHBAY_AUTH_ID: AUTH_ID,
      PATCHBAY_AUTH_TOKEN: AUTH_TOKEN,
      PATCHBAY_ANSWER_URL: hooks.url(opts.answerPath ?? '/answer'),
      PATCHBAY_HANGUP_URL: hooks.url(opts.hangupPath ?? '/hangup'),
      PATCHBAY_LOG_LEVEL: 'silent',
      // Patchbay shares the test's process, whose own synchronous work (child processes run
      // to completion, files parsed) would look like an overloaded event loop.
      PATCHBAY_MAX_LOOP_LAG: '0',
      PATCHBAY_MAX_LOAD: '0',
      ...opts.env,
    },
  });
  const logger = process.env.PATCHBAY_TEST_LOG ? createLogger(process.env.PATCHBAY_TEST_LOG) : silentLogger;
  const pb = await startPatchbay(config, logger, { egress: loopbackOnly });
  hooks.route('/hangup', () => ({ status: 200, body: '' }));
  const lab: Lab = {
    pb,
    hooks,
    sip: `127.0.0.1:${sipPort}`,
    sipPort,
    rtp,
    dataDir,
    async assertIdle(timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while ((pb.calls.size > 0 || pb.live.size > 0) && Date.now() < until) await sleep(20);
      assert.equal(pb.calls.size, 0, 'calls still live');
      assert.equal(pb.live.size, 0, 'calls still listed as live');
      while (pb.media.stats().endpoints > 0 && Date.now() < until) await sleep(20);
      assert.equal(pb.media.stats().endpoints, 0, 'media endpoints left open');
      while (pb.ua.dialogCount > 0 && Date.now() < until) await sleep(20);
      assert.equal(pb.ua.dialogCount, 0, 'dialogs left');
      assert.equal(pb.webhooks.pending, 0, 'webhook requests in flight');
      assert.equal(pb.media.stats().portsInUse, 0, 'RTP ports still allocated');
      // Pairs of ended legs rest bound for reuse (the pool's, not leaked): closed, the
      // whole range must be free.
      await pb.media.closeIdlePorts();
      await assertRangeFree(rtp);
    },
    async close() {
      await pb.close();
      await hooks.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return lab;
}

export interface CallInOptions {
  /** CANCEL after this many ms (while it rings). */
  cancelAfterMs?: number;
  /** Once answered, hang up after this many ms; otherwise wait for Patchbay's BYE. */
  hangupAfterMs?: number;
}

/**
 * Patchbay's own UA calls `uri` with an offer from a new endpoint of `engine` and resolves
 * with the final status: 200 once the answered call is over (after Patchbay's BYE, or ours
 * after `hangupAfterMs`), else the failure status. For signalling outcomes; the audio is
 * proven with baresip and SIPp.
 */
export async function callIn(
  ua: UserAgent,
  engine: MediaEngine,
  uri: string,
  opts: CallInOptions = {},
): Promise<number> {
  const endpoint = await engine.createEndpoint();
  try {
    const uac = ua.createUAC({ uri, body: new LocalSdpSession().createOffer(endpoint.capabilities()).sdp });
    if (opts.cancelAfterMs !== undefined) setTimeout(() => uac.cancel(), opts.cancelAfterMs);
    const dialog = await uac.established;
    if (opts.hangupAfterMs !== undefined) {
      await sleep(opts.hangupAfterMs);
      await dialog.destroy();
    } else {
      await new Promise((r) => dialog.once('destroy', r));
    }
    return 200;
  } catch (err) {
    if (err instanceof SipError && err.status) return err.status;
    throw err;
  } finally {
    await endpoint.close();
  }
}

/** SIPp calling the lab (service `sipp`, its media on loopback); resolves with SIPp's result. */
export async function sippCaller(
  lab: Lab,
  scenario: string,
  opts: { calls?: number; rate?: number; pauseMs?: number } = {},
) {
  const port = await freePort();
  const mediaPort = 2 * Math.floor((await freePort()) / 2);
  const run = runSipp({
    scenario,
    remote: lab.sip,
    port,
    service: 'sipp',
    calls: opts.calls ?? 1,
    ...(opts.rate ? { rate: opts.rate } : {}),
    ...(opts.pauseMs !== undefined ? { pauseMs: opts.pauseMs } : {}),
    extra: ['-mi', '127.0.0.1', '-mp', String(mediaPort)],
    timeoutSec: 30,
  });
  run.ready.catch(() => {}); // a SIPp that exits early reports through `done`
  return run.done;
}

/** A minimal VobizXML document around `body`. */
export const doc = (body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response>${body}</Response>`;
