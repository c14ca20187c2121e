/**
 * The Patchbay side of bench:sip-cps: a UAS on the project's UserAgent that answers every
 * INVITE with 200 and a fixed SDP (no media is ever sent) and lets the dialog answer the
 * BYE with 200. It runs as its own Node process, so that it does not share a thread with
 * the bench or with SIPp:
 *   node --import tsx bench/cps/patchbay-uas.ts --listen udp:127.0.0.1:5080
 * stdout: JSON lines, first {"type":"ready"}. stdin: `counts` prints the live transactions
 * and dialogs (and running totals); `exit`, or the end of stdin, closes the UA and exits.
 * `--check` loads everything and exits 0 without listening; `--send-thread` sends from the
 * UDP send thread (as Patchbay does by default).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { SipRequest } from '../../src/sip/message/message.ts';
import type { Uas } from '../../src/sip/ua/uas.ts';
import { UserAgent } from '../../src/sip/ua/user-agent.ts';

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: 'udp:127.0.0.1:5080' },
    'log-level': { type: 'string', default: 'warn' },
    check: { type: 'boolean', default: false },
    'send-thread': { type: 'boolean', default: false },
  },
});
if (values.check) process.exit(0);

/** A fixed answer: PCMU and telephone-event on a port nothing listens on (no media here). */
const ANSWER_SDP = [
  'v=0',
  'o=patchbay 1 1 IN IP4 127.0.0.1',
  's=patchbay',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  '',
].join('\r\n');

/**
 * Running totals. `unconfirmed`: accept() rejected, i.e. the 2xx was never ACKed before the
 * dialog ended (a lost ACK overtaken by the BYE, or no ACK within 64*T1, RFC 3261 13.3.1.4).
 */
const totals = { invites: 0, answered: 0, byes: 0, ended: 0, unconfirmed: 0 };
const logger = pino({ level: values['log-level'] }, pino.destination(2));

const ua = await UserAgent.start({
  listen: [values.listen],
  logger,
  udpSendThread: values['send-thread'],
  // Loopback only: the UA never sends anywhere else, whatever a message says.
  egress: (address) => address === '127.0.0.1' || address === '::1',
});

ua.onInvite(answer);

function answer(_req: SipRequest, uas: Uas): void {
  totals.invites++;
  uas.accept({ body: ANSWER_SDP }).then(
    (dialog) => {
      totals.answered++;
      dialog.on('bye', onBye);
      dialog.on('destroy', onDestroy);
    },
    (err: unknown) => {
      totals.unconfirmed++;
      logger.debug({ err }, 'INVITE not confirmed');
    },
  );
}

// Module-level listeners: no closure per call on the hot path.
function onBye(): void {
  totals.byes++;
}

function onDestroy(): void {
  totals.ended++;
}

function counts(): string {
  const live = { transactions: ua.transactionCount, dialogs: ua.dialogCount };
  return JSON.stringify({ type: 'counts', live, totals: { ...totals, ...ua.stats } });
}

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  process.stdout.write(`${counts()}\n`);
  await ua.close();
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

process.stdout.write(`${JSON.stringify({ type: 'ready', listen: values.listen })}\n`);
