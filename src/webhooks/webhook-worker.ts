/**
 * The worker thread of WebhookThread (webhook-thread.ts): a WebhookClient that sends the
 * requests the main thread hands it, so that the HTTP(S) work (connections, TLS, parsing,
 * signing and their garbage) is not done on the thread of SIP and the media clock.
 *
 *   main -> worker: { t: 'req', id, kind, req } | { t: 'abort', id } | { t: 'close', timeoutMs },
 *                   or { t: 'batch', items } of these
 *   worker -> main: { t: 'done', id, ... } | { t: 'log', line } | { t: 'closed' }
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { WebhookClient } from './webhook-client.ts';
import {
  type FromWorker,
  type ToWorker,
  type ToWorkerItem,
  type WorkerSettings,
  wireError,
  wireNotify,
} from './webhook-wire.ts';

if (!parentPort) throw new Error('webhook-worker.ts runs as a worker thread (see webhook-thread.ts)');
const port = parentPort;
const settings = workerData as WorkerSettings;
const post = (m: FromWorker): void => port.postMessage(m);

// Records at the main logger's level, handed to it as JSON lines (one log, one format).
const logger = pino(
  { level: settings.logLevel, base: undefined, timestamp: false },
  { write: (line: string) => post({ t: 'log', line }) },
);
const client = new WebhookClient({
  authId: settings.authId,
  authToken: settings.authToken,
  logger,
  ...(settings.policy ? { policy: settings.policy } : {}),
  ...(settings.documentRetry ? { documentRetry: settings.documentRetry } : {}),
  ...(settings.notifyRetry ? { notifyRetry: settings.notifyRetry } : {}),
  ...(settings.maxDocumentBytes !== undefined ? { maxDocumentBytes: settings.maxDocumentBytes } : {}),
  ...(settings.userAgent ? { userAgent: settings.userAgent } : {}),
});
const aborts = new Map<number, AbortController>();
/** Requests being served, until their outcome has been posted. */
const serving = new Set<Promise<void>>();

async function serve(m: Extract<ToWorker, { t: 'req' }>): Promise<void> {
  const stop = new AbortController();
  aborts.set(m.id, stop);
  try {
    if (m.kind === 'notify') {
      post({
        t: 'done',
        id: m.id,
        ok: true,
        notify: wireNotify(await client.notify(m.req, { signal: stop.signal })),
      });
    } else {
      const document = await client.fetchDocument(m.req, { signal: stop.signal });
      post({ t: 'done', id: m.id, ok: true, document });
    }
  } catch (err) {
    post({ t: 'done', id: m.id, ok: false, error: wireError(err) });
  } finally {
    aborts.delete(m.id);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'batch') for (const item of m.items) receive(item);
  else receive(m);
});

function receive(m: ToWorkerItem): void {
  switch (m.t) {
    case 'req': {
      const p = serve(m);
      serving.add(p);
      void p.finally(() => serving.delete(p));
      break;
    }
    case 'abort':
      aborts.get(m.id)?.abort();
      break;
    case 'close':
      // Every outcome is posted before 'closed': the main thread ends the worker on it.
      void client
        .close(m.timeoutMs)
        .then(() => Promise.allSettled([...serving]))
        .then(() => {
          post({ t: 'closed' });
          port.close();
        });
      break;
  }
}
