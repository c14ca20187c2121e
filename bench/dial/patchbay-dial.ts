/**
 * The Patchbay of bench:dial-cps, in its own Node process: the whole server of src/main.ts
 * (startPatchbay: SIP, media engine, webhooks, call flows, HTTP API), configured from the
 * PATCHBAY_* variables exactly as the CLI reads them (src/config.ts), loopback only:
 *   PATCHBAY_SIP_LISTEN=udp:127.0.0.1:5080 PATCHBAY_ANSWER_URL=http://127.0.0.1:8081/answer \
 *   PATCHBAY_RTP_PORTS=10000-19999 node --import tsx bench/dial/patchbay-dial.ts
 * Logs (pino, PATCHBAY_LOG_LEVEL) go to stderr. stdout: JSON lines, first {"type":"ready"}.
 * stdin: `counts` prints what is live (calls, dialogs, transactions, media endpoints, webhook
 * requests) and running totals; `exit`, or the end of stdin, closes Patchbay and exits.
 * `--check` loads everything and exits 0 without listening.
 */
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startPatchbay } from '../../src/main.ts';

if (process.argv.includes('--check')) process.exit(0);

const config = loadConfig({ env: process.env });
const logger = pino({ level: config.logLevel, base: { name: 'patchbay' } }, pino.destination(2));
// Loopback only: the bench never lets Patchbay send anywhere else, whatever a message says.
const loopbackOnly = (address: string) => address === '127.0.0.1' || address === '::1';
const pb = await startPatchbay(config, logger, { egress: loopbackOnly });

process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));

function counts(): string {
  const media = pb.media.stats();
  const live = {
    calls: pb.calls.size,
    dialogs: pb.ua.dialogCount,
    transactions: pb.ua.transactionCount,
    endpoints: media.endpoints,
    bridges: media.bridges,
    webhooks: pb.webhooks.pending,
  };
  const totals = { ...pb.ua.stats, clockTicks: media.clock.ticks, clockSkipped: media.clock.skipped };
  return JSON.stringify({ type: 'counts', live, totals });
}

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  process.stdout.write(`${counts()}\n`);
  await pb.close();
  process.exit(0);
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'counts') process.stdout.write(`${counts()}\n`);
  else if (cmd === 'exit') void shutdown();
});
input.on('close', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

process.stdout.write(`${JSON.stringify({ type: 'ready', sip: config.sipListen, http: pb.http.origin })}\n`);
