/**
 * bench:dial-cps end to end on loopback: SIPp caller -> Patchbay (its own process, answer
 * URL on the webhook app, <Dial><User>) -> SIPp callee, and the same SIPp pair through
 * Kamailio when it is installed. Tiny rates and 2 s probes: what is checked is the harness
 * (every call completes, the three timing logs join call by call, CPU and state are read,
 * nothing is left running), not the figures.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProcessSet } from '../../../bench/cps/process-set.ts';
import type { TargetRig } from '../../../bench/cps/rig.ts';
import { runDialProbe } from '../../../bench/dial/probe.ts';
import type { DialReport } from '../../../bench/dial/report.ts';
import { freePort, runSipp } from '../../helpers/sipp.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const hasKamailio = spawnSync('kamailio', ['-v'], { stdio: 'ignore' }).error === undefined;

/** Pids of live processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text)) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('bench dial-cps harness (SIPp, Patchbay, Kamailio on loopback)', () => {
  test('the CLI dials through Patchbay (and Kamailio), measures the post-dial delay and cleans up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dial-cps-test-'));
    const out = join(dir, 'dial-cps.json');
    let logs: string | undefined;
    try {
      const targets = hasKamailio ? 'patchbay,kamailio' : 'patchbay';
      const args = [
        ...['--targets', targets, '--seconds', '2', '--rates', '20', '--light-rate', '0'],
        ...['--gap', '0', '--drain', '10', '--warmup', '0', '--hold-ms', '300'],
        // A range of its own, below the ranges the other tests pick (20000-31999).
        ...['--rtp-ports', '12000-12199', '--out', out],
      ];
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/dial-cps.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(run.status, 0, run.stderr + run.stdout);
      logs = /timing logs in (\S+)/.exec(run.stdout)?.[1];
      assert.ok(logs, run.stdout);
      assert.deepEqual(processesMentioning(logs), []);
      assert.deepEqual(processesMentioning('bench/dial/patchbay-dial.ts'), []);
      assert.deepEqual(processesMentioning('bench/dial/webhook-app.ts'), []);
      assert.match(run.stdout, /\| patchbay +\| 20 +\|/);

      const report = JSON.parse(readFileSync(out, 'utf8')) as DialReport;
      assert.equal(report.bench, 'dial-cps');
      const patchbay = report.targets.find((t) => t.target === 'patchbay');
      assert.ok(patchbay, 'patchbay measured');
      assert.equal(patchbay.best?.rate, 20);
      const [probe] = patchbay.probes;
      assert.deepEqual([probe.ok, probe.uac?.successful, probe.uas?.successful], [true, 40, 40]);
      assert.ok(probe.cps >= 19, `achieved ${probe.cps}`);
      assert.ok((probe.cpu.patchbay ?? 0) > 0 && (probe.cpu.webhook ?? 0) > 0, JSON.stringify(probe.cpu));
      assert.ok((probe.cpuMsPerCall.patchbay ?? 0) > 0);
      assert.ok(patchbay.idleCpu && 'patchbay' in patchbay.idleCpu);
      // Every call reached the callee through Patchbay, after its own answer-URL request.
      const pdd = probe.pdd;
      assert.ok(pdd?.pdd && pdd.webhook && pdd.pddWithoutWebhook && pdd.beforeWebhook && pdd.afterWebhook);
      assert.deepEqual([pdd.calls, pdd.reachedCallee, pdd.webhook.count], [40, 40, 40]);
      assert.ok(pdd.pdd.p50 > 0 && pdd.pdd.p50 < 1000, `pdd ${JSON.stringify(pdd.pdd)}`);
      assert.ok(pdd.pddWithoutWebhook.p50 < pdd.pdd.p50);
      assert.ok((pdd.setup?.p50 ?? 0) > pdd.pdd.p50, 'the 200 comes after the B-leg INVITE');
      // One answer and one hangup request per call; nothing held once the calls ended.
      assert.equal(patchbay.totals?.webhookAnswers, 40);
      assert.equal(patchbay.totals?.webhookHangups, 40);
      const after = patchbay.state?.afterDrain;
      assert.deepEqual(
        [after?.calls, after?.dialogs, after?.endpoints, after?.bridges, after?.webhooks],
        [0, 0, 0, 0, 0],
      );

      if (hasKamailio) {
        const kamailio = report.targets.find((t) => t.target === 'kamailio');
        assert.equal(kamailio?.best?.rate, 20);
        const k = kamailio?.probes[0].pdd;
        assert.deepEqual([k?.reachedCallee, k?.webhook], [40, null]);
        assert.ok((kamailio?.best?.cpu.kamailio ?? 0) > 0);
        assert.equal(report.summary.ratio, 1);
        assert.equal(report.summary.targetMet, true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (logs?.startsWith(tmpdir())) rmSync(logs, { recursive: true, force: true });
    }
  });

  test('a probe fails at the first failed call and stops both SIPp ends early', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dial-cps-test-'));
    const busyPort = await freePort();
    // The "target" answers every INVITE with 486: every call of the caller fails.
    const busy = runSipp({ scenario: 'uas-busy.xml', port: busyPort, calls: 100_000, timeoutSec: 60 });
    const procs = new ProcessSet();
    try {
      await busy.ready;
      const rig: TargetRig = {
        name: 'patchbay',
        remote: `127.0.0.1:${busyPort}`,
        sippUasPort: await freePort(),
        start: async () => {},
        stop: async () => {},
        alive: () => true,
        cpuGroups: () => ({}),
        counts: async () => ({ calls: 0 }),
      };
      const ctx = {
        procs,
        seconds: 20,
        holdMs: 1000,
        bufSize: 4194304,
        minRatio: 0.95,
        warmupSeconds: 0,
        uacPort: await freePort(),
        dir,
      };
      const started = performance.now();
      const r = await runDialProbe(ctx, rig, 20);
      assert.equal(r.ok, false);
      assert.equal(r.reason, 'failed-calls');
      assert.ok(r.uac && r.uac.failed > 0);
      assert.equal(r.pdd?.reachedCallee, 0);
      assert.deepEqual(r.targetState, { calls: 0 });
      assert.ok(performance.now() - started < 10_000, 'stopped long before the 20 s run ended');
      assert.deepEqual(processesMentioning(r.logDir), []);
    } finally {
      busy.kill('SIGKILL');
      await busy.done;
      await procs.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
