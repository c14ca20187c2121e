/**
 * `<Refer mode="attended">` against SIPp peers: Patchbay calls the target first, then sends
 * the caller's side a REFER whose Refer-To carries a Replaces (RFC 3891) naming that call.
 * The Replaces is checked against the dialog as the target itself saw it (its Call-ID, its
 * own tag, Patchbay's tag), read from the SIPp logs of both peers.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseReplaces } from '../../../src/sip/dialog/refer-to.ts';
import { doc, type Lab, startLab } from '../../helpers/patchbay-lab.ts';
import { freePort, runSipp, type SippRun } from '../../helpers/sipp.ts';

interface Peer {
  uri: string;
  port: number;
  run: SippRun;
  /** The lines its <log> actions wrote. */
  log(): string;
}

describe('<Refer mode="attended">: consult the target, then REFER with Replaces', () => {
  let lab: Lab;
  let logs: string;
  before(async () => {
    lab = await startLab();
    logs = mkdtempSync(join(tmpdir(), 'patchbay-refer-attended-'));
  });
  after(async () => {
    await lab?.close();
    rmSync(logs, { recursive: true, force: true });
  });

  /** A SIPp peer; `scenario` is relative to test/integration/sipp/. */
  async function peer(
    scenario: string,
    opts: { remote?: string; service?: string; pauseMs?: number } = {},
  ): Promise<Peer> {
    const port = await freePort();
    const log = join(logs, `${port}.log`);
    const run = runSipp({
      scenario,
      port,
      calls: 1,
      ...(opts.remote ? { remote: opts.remote, service: opts.service ?? 'refer' } : {}),
      ...(opts.pauseMs !== undefined ? { pauseMs: opts.pauseMs } : {}),
      extra: [
        '-mi',
        '127.0.0.1',
        '-mp',
        String(2 * Math.floor((await freePort()) / 2)),
        '-trace_logs',
        '-log_file',
        log,
      ],
      timeoutSec: 20,
    });
    await run.ready;
    return {
      uri: `sip:target@127.0.0.1:${port}`,
      port,
      run,
      log: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    };
  }

  async function ok(p: Peer, who: string): Promise<void> {
    const r = await p.run.done;
    assert.equal(r.code, 0, `${who}: ${r.errors}\n${p.log()}`);
  }

  test('the target answers: REFER with Replaces naming that call, 202 + NOTIFY 200, action hears completed', async () => {
    // The target sends BYE to the consultation 1.5 s after answering, as it would once the
    // caller's INVITE with Replaces took that call over.
    const target = await peer('../callflow/sipp/uas-consult-target.xml', { pauseMs: 1500 });
    lab.hooks.route('/refer-done', () => ({ status: 200 }));
    lab.hooks.xml(
      '/answer',
      doc(
        `<Refer action="${lab.hooks.url('/refer-done')}" mode="attended" timeout="5">${target.uri}</Refer><Speak>not reached</Speak>`,
      ),
    );
    const caller = await peer('../callflow/sipp/uac-attended-transferee.xml', {
      remote: lab.sip,
      service: '5558000',
    });
    await ok(caller, 'transferee (REFER with Replaces, 202, NOTIFY 100 and 200, BYE)');
    await ok(target, 'target (answers, BYE to the replaced call)');
    const done = await lab.hooks.waitFor('/refer-done');
    assert.equal(done.params.ReferStatus, 'completed');
    assert.equal(done.params.ReferMode, 'attended');
    assert.equal(done.params.ReferTo, target.uri);
    assert.equal(done.params.ReferSipStatus, '200');

    // What the target saw of the consultation, and what the REFER named.
    const seen = /dialog: call-id=\s*(\S+) local-tag=(\S+) remote-tag=(\S+)/.exec(target.log());
    assert.ok(seen, `the target logged its dialog:\n${target.log()}`);
    const referTo = /refer-to:\s*<([^>]*)>/.exec(caller.log());
    assert.ok(referTo, `the transferee logged the Refer-To:\n${caller.log()}`);
    const [uri, embedded = ''] = (referTo[1] as string).split('?');
    // The INVITE with Replaces goes to the target's Contact.
    assert.match(uri as string, new RegExp(`^sip:target@127\\.0\\.0\\.1:${target.port}(;|$)`));
    const header = /^Replaces=(.*)$/.exec(embedded);
    assert.ok(header, `Refer-To embeds Replaces: ${referTo[1]}`);
    const replaces = parseReplaces(decodeURIComponent(header[1] as string));
    // RFC 3891 6.1: to-tag is the target's own tag, from-tag the tag of its peer (Patchbay).
    assert.deepEqual(replaces, {
      callId: seen[1],
      toTag: seen[2],
      fromTag: seen[3],
      earlyOnly: false,
    });

    const hangup = await lab.hooks.waitFor('/hangup', {
      where: (r) => r.params.CallUUID === done.params.CallUUID,
    });
    assert.equal(hangup.params.HangupCauseCode, '4000');
    assert.equal(hangup.params.HangupSource, 'Answer XML');
    await lab.assertIdle();
  });

  test('the target does not answer: CANCEL after timeout, no REFER, action hears failed, the document goes on', async () => {
    const target = await peer('uas-noanswer.xml');
    lab.hooks.route('/refer-failed', () => ({ status: 200 }));
    lab.hooks.xml('/went-on', doc('<Hangup/>'));
    lab.hooks.xml(
      '/answer',
      doc(
        `<Refer action="${lab.hooks.url('/refer-failed')}" redirect="false" mode="attended" timeout="2">${target.uri}</Refer><Redirect>${lab.hooks.url('/went-on')}</Redirect>`,
      ),
    );
    const started = performance.now();
    // The caller gets no REFER: its scenario fails on any request but the final BYE.
    const caller = await peer('uac-invite-await-bye.xml', { remote: lab.sip, service: '5558001' });
    await ok(caller, 'caller (no REFER, BYE at the end)');
    await ok(target, 'target (rang, got CANCEL)');
    const failed = await lab.hooks.waitFor('/refer-failed');
    const ms = performance.now() - started;
    assert.ok(ms > 1800 && ms < 6000, `the target rang for about 2 s (${Math.round(ms)} ms in all)`);
    assert.equal(failed.params.ReferStatus, 'failed');
    assert.equal(failed.params.ReferMode, 'attended');
    assert.equal(failed.params.ReferTo, target.uri);
    assert.equal(failed.params.ReferSipStatus, '');
    const wentOn = await lab.hooks.waitFor('/went-on');
    assert.equal(wentOn.params.CallUUID, failed.params.CallUUID);
    await lab.assertIdle();
  });

  test('the target is busy: action hears failed with its 486, the document goes on', async () => {
    const target = await peer('uas-busy.xml');
    lab.hooks.xml('/refer-busy', doc(`<Redirect>${lab.hooks.url('/went-on-busy')}</Redirect>`));
    lab.hooks.xml('/went-on-busy', doc('<Hangup/>'));
    lab.hooks.xml(
      '/answer',
      doc(
        `<Refer action="${lab.hooks.url('/refer-busy')}" mode="attended" timeout="5">${target.uri}</Refer><Speak>not reached: the action's document took over</Speak>`,
      ),
    );
    const caller = await peer('uac-invite-await-bye.xml', { remote: lab.sip, service: '5558002' });
    await ok(caller, 'caller');
    await ok(target, 'busy target');
    const busy = await lab.hooks.waitFor('/refer-busy');
    assert.equal(busy.params.ReferStatus, 'failed');
    assert.equal(busy.params.ReferSipStatus, '486');
    await lab.hooks.waitFor('/went-on-busy');
    await lab.assertIdle();
  });
});
