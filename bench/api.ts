/**
 * bench:api - how many make-call requests per second the REST API takes before the first
 * failure, and the p99 latency of GET live call while it does.
 *
 *   autocannon -> POST /Call/ (Patchbay, in this process) -> INVITE -> SIPp UAS (answers)
 *   answer URL (a tiny server here) returns <Hangup/>: Patchbay sends BYE at once.
 *
 * Rates step up (each step `--seconds` long, default 5); a step fails when any request is
 * not 200, or any call placed does not end NORMAL_CLEARING / End Of XML. Meanwhile a second
 * client GETs a long-lived call (`?status=live`) 20 times a second and records latency.
 * Everything on 127.0.0.1. Writes bench/results/api.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.ts';
import { startPatchbay } from '../src/main.ts';
import { silentLogger } from '../src/util/log.ts';
import { freePort } from '../test/helpers/sipp.ts';

const AUTH_ID = 'MABENCHAPI0000000001';
const AUTH_TOKEN = 'bench-token-0123456789';
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 5);
const RATES = [50, 100, 200, 400, 600, 800, 1000, 1200];
const log = (line: string) => console.log(`[api] ${line}`);

async function main(): Promise<void> {
  // The customer's app: answer URL hangs up; hangup URL counts the causes.
  const causes = new Map<string, number>();
  let longCall = '';
  const hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const p = new URLSearchParams(body);
      if (req.url === '/answer') {
        const uuid = p.get('CallUUID') ?? '';
        const keep = uuid === longCall;
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        res.end(`<Response>${keep ? '<Wait length="600"/>' : '<Hangup/>'}</Response>`);
        return;
      }
      const cause = p.get('HangupCause') ?? '?';
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
      res.end('');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;

  const sipPort = await freePort();
  const uasPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-bench-api-'));
  const pb = await startPatchbay(
    loadConfig({
      env: {
        PATCHBAY_SIP_LISTEN: `udp:127.0.0.1:${sipPort}`,
        PATCHBAY_PUBLIC_HOST: '127.0.0.1',
        PATCHBAY_HTTP_LISTEN: '127.0.0.1:0',
        PATCHBAY_RTP_PORTS: '30000-39999',
        PATCHBAY_DATA_DIR: dataDir,
        PATCHBAY_AUTH_ID: AUTH_ID,
        PATCHBAY_AUTH_TOKEN: AUTH_TOKEN,
        PATCHBAY_LOG_LEVEL: 'silent',
      },
    }),
    silentLogger,
    { egress: (a) => a === '127.0.0.1' },
  );
  const scenario = fileURLToPath(new URL('./cps/uas-load.xml', import.meta.url));
  const uas: ChildProcess = spawn(
    'sipp',
    [
      '-sf',
      scenario,
      '-i',
      '127.0.0.1',
      '-p',
      String(uasPort),
      '-bg',
      '-nostdin',
      '-pause_msg_ign',
      '-mp',
      '41000',
    ],
    { stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 500));
  const base = `${pb.http.origin}/api/v1/Account/${AUTH_ID}`;
  const headers = { 'X-Auth-ID': AUTH_ID, 'X-Auth-Token': AUTH_TOKEN, 'Content-Type': 'application/json' };
  const body = (answer: string) =>
    JSON.stringify({
      from: '14155550100',
      to: `sip:bench@127.0.0.1:${uasPort}`,
      answer_url: `${hookUrl}/${answer}`,
      hangup_url: `${hookUrl}/hangup`,
    });

  // One call that stays up, for GET live under load.
  const longRes = await fetch(`${base}/Call/`, { method: 'POST', headers, body: body('answer') });
  longCall = ((await longRes.json()) as { request_uuid: string }).request_uuid;
  await new Promise((r) => setTimeout(r, 300));

  const steps: Array<Record<string, number>> = [];
  let best = 0;
  for (const rate of RATES) {
    causes.clear();
    const latencies: number[] = [];
    let getFailures = 0;
    const poller = setInterval(async () => {
      const t0 = performance.now();
      const r = await fetch(`${base}/Call/${longCall}/?status=live`, { headers }).catch(() => undefined);
      if (r?.status !== 200) getFailures++;
      await r?.arrayBuffer();
      latencies.push(performance.now() - t0);
    }, 50);
    const result = await autocannon({
      url: `${base}/Call/`,
      method: 'POST',
      headers,
      body: body('answer'),
      connections: Math.min(50, Math.max(2, Math.ceil(rate / 10))),
      overallRate: rate,
      duration: SECONDS,
    });
    clearInterval(poller);
    // Let the calls of this step end.
    const until = Date.now() + 15_000;
    while (pb.live.size > 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const placed = result.requests.total;
    const ok = result['2xx'];
    const clean = causes.get('NORMAL_CLEARING') ?? 0;
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    // Calls of this step that did not end cleanly (the count may include late ones of the last step).
    const unclean = Math.max(0, ok - clean);
    const failed = placed - ok + unclean + getFailures + (pb.live.size > 1 ? pb.live.size - 1 : 0);
    const step = {
      rate,
      requests: placed,
      achievedPerSec: Math.round(placed / SECONDS),
      non2xx: placed - ok,
      callsEndedClean: clean,
      failed,
      postP50Ms: result.latency.p50,
      postP99Ms: result.latency.p99,
      getLiveP99Ms: Math.round(p99 * 100) / 100,
    };
    steps.push(step);
    log(JSON.stringify(step));
    if (failed > 0 || step.achievedPerSec < rate * 0.95) break;
    best = step.achievedPerSec;
  }
  await fetch(`${base}/Call/${longCall}/`, { method: 'DELETE', headers });
  const out = { date: new Date().toISOString(), seconds: SECONDS, bestRateWithoutFailure: best, steps };
  const file = fileURLToPath(new URL('./results/api.json', import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`best make-call rate with 0 failures: ${best}/s; results in bench/results/api.json`);
  uas.kill();
  await pb.close();
  hooks.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
