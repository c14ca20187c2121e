import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createApp, type HttpServer, startHttpServer } from './api/http-server.ts';
import { restApi } from './api/rest-api.ts';
import type { CallFlowDeps } from './callflow/call-flow.ts';
import { CallLimits } from './callflow/call-limits.ts';
import { InboundCalls } from './callflow/inbound-calls.ts';
import { LiveCalls } from './callflow/live-calls.ts';
import { LiveControl } from './callflow/live-control.ts';
import { OutboundCalls } from './callflow/outbound-calls.ts';
import { IndexedRecordingFiles } from './callflow/recording-index.ts';
import { Dialer, parseOutboundProxy } from './calls/dialer.ts';
import { LocalRecordingFiles } from './calls/recording-files.ts';
import { type Application, CallRouter } from './calls/routing.ts';
import { TransferHub } from './calls/transfer/transfer-hub.ts';
import type { Config } from './config.ts';
import { demoRouter } from './demo/demo-app.ts';
import { LocalMediaEngine } from './media/local/local-engine.ts';
import { MediaFetcher } from './media/source/media-fetcher.ts';
import { EspeakTtsProvider } from './media/source/tts.ts';
import { UserAgent } from './sip/ua/user-agent.ts';
import { createStore } from './store/create-store.ts';
import type { Store } from './store/types.ts';
import { systemClock } from './util/clock.ts';
import type { Logger } from './util/log.ts';
import { LoopLag } from './util/loop-lag.ts';
import { LoopLoad } from './util/loop-load.ts';
import { tuneRuntime } from './util/runtime-tuning.ts';
import { WebhookClient } from './webhooks/webhook-client.ts';
import { WebhookThread } from './webhooks/webhook-thread.ts';
import type { Webhooks } from './webhooks/webhook-types.ts';

export interface Patchbay {
  readonly ua: UserAgent;
  readonly media: LocalMediaEngine;
  readonly http: HttpServer;
  readonly calls: InboundCalls;
  readonly outbound: OutboundCalls;
  readonly live: LiveCalls;
  readonly control: LiveControl;
  readonly store: Store;
  readonly webhooks: Webhooks;
  readonly authId: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Destinations the SIP stack may send to (tests: loopback only). */
  egress?: (address: string) => boolean;
}

type AppUrls = Pick<Application, 'answerUrl' | 'answerMethod' | 'fallbackMethod' | 'hangupMethod'> & {
  hangupUrl?: string;
  fallbackUrl?: string;
  transferUrl?: string;
  transferMethod?: Application['answerMethod'];
};

/** An application from its URLs; the hangup URL defaults to the answer URL (as Vobiz's do). */
function application(name: string, urls: AppUrls): Application {
  return {
    name,
    answerUrl: urls.answerUrl,
    answerMethod: urls.answerMethod,
    hangupUrl: urls.hangupUrl ?? urls.answerUrl,
    hangupMethod: urls.hangupMethod,
    fallbackMethod: urls.fallbackMethod,
    ...(urls.fallbackUrl ? { fallbackUrl: urls.fallbackUrl } : {}),
    ...(urls.transferUrl
      ? { transferUrl: urls.transferUrl, transferMethod: urls.transferMethod ?? 'POST' }
      : {}),
  };
}

/** Wires the layers together and starts listening. */
export async function startPatchbay(
  config: Config,
  logger: Logger,
  opts: StartOptions = {},
): Promise<Patchbay> {
  tuneRuntime();
  const authId = config.authId ?? `MA${randomBytes(9).toString('hex').toUpperCase()}`;
  const authToken = config.authToken ?? randomBytes(24).toString('base64url');
  if (!config.authId || !config.authToken) {
    logger.info(
      { authId, authToken },
      'REST credentials generated: set PATCHBAY_AUTH_ID and PATCHBAY_AUTH_TOKEN to keep them',
    );
  }
  const [low, high] = config.rtpPorts.split('-').map(Number);
  const media = new LocalMediaEngine({
    ports: { low, high },
    address: config.publicHost,
    logger: logger.child({ layer: 'media' }),
    fetcher: new MediaFetcher({ cacheDir: join(config.dataDir, 'cache', 'media') }),
    tts: new EspeakTtsProvider({ cacheDir: join(config.dataDir, 'cache', 'tts'), logger }),
  });
  const webhookOptions = {
    authId,
    authToken,
    logger: logger.child({ layer: 'webhooks' }),
    policy: { allow: config.webhookAllow, deny: config.webhookDeny },
  };
  const webhooks: Webhooks = config.webhookThread
    ? new WebhookThread(webhookOptions)
    : new WebhookClient(webhookOptions);

  const app = createApp();
  const httpLog = logger.child({ layer: 'http' });
  const http = await startHttpServer(config.httpListen, app, httpLog);
  const publicUrl = config.publicUrl ?? http.origin;
  const files = new LocalRecordingFiles(config.dataDir, publicUrl, authId);
  const nodeId = config.nodeId ?? hostname();
  const store: Store = await createStore({
    ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    nodeId,
    log: logger.child({ layer: 'store' }),
    memoryCdrLimit: config.memoryCdrs,
  });
  const live = new LiveCalls(store, nodeId, logger.child({ layer: 'calls' }));
  const recordings = new IndexedRecordingFiles(files, store.recordings, live, nodeId, logger);
  app.use('/demo', demoRouter());

  const defaultApp = config.answerUrl
    ? application('default', { ...config, answerUrl: config.answerUrl })
    : config.routes.length === 0
      ? application('demo', {
          answerUrl: `${http.origin}/demo/answer`,
          answerMethod: 'POST',
          hangupUrl: `${http.origin}/demo/hangup`,
          hangupMethod: 'POST',
          fallbackMethod: 'POST',
        })
      : undefined;
  const router = new CallRouter(
    config.routes.map((r) => ({ match: r.match, app: application(r.name ?? r.match, r) })),
    defaultApp,
  );
  const ua = await UserAgent.start({
    listen: config.sipListen,
    publicHost: config.publicHost,
    logger: logger.child({ layer: 'sip' }),
    udpSendThread: config.sipSendThread,
    egress: opts.egress,
  });
  const dialer = new Dialer(
    ua,
    media,
    config.publicHost,
    config.outboundProxy ? parseOutboundProxy(config.outboundProxy) : undefined,
    logger.child({ layer: 'dial' }),
  );
  dialer.transfers = new TransferHub({
    ua,
    engine: media,
    dialer,
    clock: systemClock,
    log: logger.child({ layer: 'transfer' }),
    acceptRefer: config.acceptRefer,
  });
  const deps: CallFlowDeps = {
    webhooks,
    dialer,
    engine: media,
    recordings,
    settings: { gatherActionOnEmpty: config.gatherActionOnEmpty, mediaTimeoutMs: config.mediaTimeout * 1000 },
    clock: systemClock,
    authId,
  };
  const callLog = logger.child({ layer: 'calls' });
  const loopLag = new LoopLag();
  const loopLoad = new LoopLoad();
  const limits = new CallLimits(
    {
      maxCalls: config.maxCalls,
      maxCps: config.maxCps,
      maxLoopLagMs: config.maxLoopLag,
      maxLoopLoad: config.maxLoad,
    },
    () => live.size,
    () => performance.now(),
    () => loopLag.recentMs(),
    () => loopLoad.recent(),
  );
  const calls = new InboundCalls(router, deps, callLog, live, store.applications, limits);
  const outbound = new OutboundCalls(deps, live, callLog, limits);
  const control = new LiveControl({
    live,
    outbound,
    engine: media,
    recordings,
    webhooks,
    clock: systemClock,
    log: callLog,
    peerOf: (uuid) => dialer.transfers?.peerOf(uuid),
  });
  // The REST API (it also serves the recordings' capability URLs, without credentials).
  app.use(
    restApi({
      authId,
      authToken,
      store,
      control,
      recordings: files,
      log: logger.child({ layer: 'api' }),
      nodeId,
      maxConcurrent: config.maxCalls,
    }),
  );
  // An INVITE with Replaces takes the place of a leg here (RFC 3891); any other is a new call.
  ua.onInvite((req, uas) => (dialer.transfers?.handleInvite(req, uas) ? undefined : calls.handle(req, uas)));
  // The node registry: other nodes forward REST commands for this node's calls here (DESIGN 3).
  const apiUrl = publicUrl.replace(/\/+$/, '');
  if (store.kind === 'redis' && /^https?:\/\/(127\.|\[::1\]|localhost)/.test(apiUrl)) {
    logger.warn(
      { api_url: apiUrl },
      'set PATCHBAY_PUBLIC_URL: nodes on other hosts cannot forward to a loopback URL',
    );
  }
  await store.nodes.register({ node_id: nodeId, api_url: apiUrl, started_at: new Date().toISOString() });
  logger.info(
    {
      sip: ua.listening.map((l) => `${l.protocol}:${l.address}:${l.port}`),
      http: http.origin,
      app: defaultApp?.name === 'demo' ? 'built-in demo IVR' : defaultApp?.answerUrl,
    },
    'Patchbay listening',
  );
  return {
    ua,
    media,
    http,
    calls,
    outbound,
    live,
    control,
    store,
    webhooks,
    authId,
    async close() {
      // Leaving first: other nodes stop forwarding here.
      await store.nodes.remove(nodeId);
      loopLag.close();
      loopLoad.close();
      await Promise.all([calls.close(), outbound.close()]);
      await webhooks.close(5000);
      await ua.close();
      await media.close();
      await http.close();
      await store.close();
    },
  };
}
