/** SIPp peers for the transfer tests (REFER, Replaces, 3xx, digest). */
import assert from 'node:assert/strict';
import { freePort, runSipp, type SippRun } from '../../helpers/sipp.ts';

/** A SIPp peer on a free port (UAS, or UAC calling Patchbay when `remote` is set). */
export async function sippPeer(
  scenario: string,
  opts: {
    pauseMs?: number;
    remote?: string;
    service?: string;
    keys?: Record<string, string>;
    port?: number;
  } = {},
): Promise<{ uri: string; run: SippRun; port: number }> {
  const port = opts.port ?? (await freePort());
  const run = runSipp({
    scenario,
    port,
    calls: 1,
    ...(opts.remote ? { remote: opts.remote } : {}),
    ...(opts.service ? { service: opts.service } : {}),
    ...(opts.keys ? { keys: opts.keys } : {}),
    ...(opts.pauseMs !== undefined ? { pauseMs: opts.pauseMs } : {}),
    extra: ['-mi', '127.0.0.1', '-mp', String(2 * Math.floor((await freePort()) / 2)), '-rtp_echo'],
    timeoutSec: 20,
  });
  await run.ready;
  return { uri: `sip:peer@127.0.0.1:${port}`, run, port };
}

/** Waits for a SIPp run and asserts that its call succeeded. */
export async function ok(run: SippRun, who: string): Promise<void> {
  const r = await run.done;
  assert.equal(r.code, 0, `${who}: ${r.errors}`);
}
