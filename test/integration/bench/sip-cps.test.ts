import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runProbe } from '../../../bench/cps/probe.ts';
import { ProcessSet } from '../../../bench/cps/process-set.ts';
import type { CpsReport } from '../../../bench/cps/report.ts';
import type { TargetRig } from '../../../bench/cps/rig.ts';
import { freePort, runSipp } from '../../helpers/sipp.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

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

describe('bench sip-cps harness (SIPp on loopback)', () => {
  test('the CLI measures SIPp -> SIPp, writes the results file and leaves no process behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sip-cps-test-'));
    const out = join(dir, 'sip-cps.json');
    try {
      const args = ['--targets', 'sipp', '--seconds', '2', '--rates', '50,100', '--gap', '0', '--out', out];
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/sip-cps.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const logs = /logs and SIPp stat files in (\S+)/.exec(run.stdout)?.[1];
      assert.ok(logs, run.stdout);
      assert.deepEqual(processesMentioning(logs), []);
      assert.match(run.stdout, /\| sipp +\| SIPp UAC -> SIPp UAS +\| 100 +\|/);

      const report = JSON.parse(readFileSync(out, 'utf8')) as CpsReport;
      assert.equal(report.settings.seconds, 2);
      const [sipp] = report.targets;
      assert.equal(sipp.target, 'sipp');
      assert.equal(sipp.best?.rate, 100);
      assert.ok(sipp.best && sipp.best.cps >= 90, `cps ${sipp.best?.cps}`);
      assert.deepEqual(Object.keys(sipp.best?.cpu ?? {}), ['uac', 'uas']);
      assert.deepEqual(
        sipp.probes.map((p) => [p.rate, p.ok, p.uac?.successful, p.uas?.successful, p.uac?.failed]),
        [
          [50, true, 100, 100, 0],
          [100, true, 200, 200, 0],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Patchbay answers every call; its dialogs are gone once the calls end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sip-cps-test-'));
    const out = join(dir, 'sip-cps.json');
    try {
      const args = [
        '--targets',
        'patchbay',
        '--seconds',
        '2',
        '--rates',
        '100',
        '--gap',
        '0',
        '--drain',
        '0',
      ];
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bench/sip-cps.ts', ...args, '--out', out],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      assert.equal(run.status, 0, run.stderr + run.stdout);
      const logs = /logs and SIPp stat files in (\S+)/.exec(run.stdout)?.[1];
      assert.ok(logs, run.stdout);
      assert.deepEqual(processesMentioning('bench/cps/patchbay-uas.ts --listen'), []);

      const [patchbay] = (JSON.parse(readFileSync(out, 'utf8')) as CpsReport).targets;
      assert.equal(patchbay.best?.rate, 100);
      assert.ok((patchbay.best?.cpu.patchbay ?? 0) > 0, 'the UAS process was measured');
      const [probe] = patchbay.probes;
      assert.deepEqual([probe.ok, probe.uac?.successful, probe.uac?.failed], [true, 200, 0]);
      // Every call ended: no dialog left; only transactions waiting out their timers (J, L).
      assert.equal(probe.targetState?.dialogs, 0);
      assert.equal(patchbay.totals?.invites, 200);
      assert.equal(patchbay.totals?.answered, 200);
      assert.equal(patchbay.totals?.byes, 200);
      assert.equal(patchbay.totals?.unconfirmed, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a probe fails at the first failed call and stops its SIPp without waiting for the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sip-cps-test-'));
    const busyPort = await freePort();
    // A callee that answers every INVITE with 486: every call of the load UAC fails.
    const busy = runSipp({ scenario: 'uas-busy.xml', port: busyPort, calls: 100_000, timeoutSec: 60 });
    const procs = new ProcessSet();
    try {
      await busy.ready;
      const rig: TargetRig = {
        name: 'patchbay',
        remote: `127.0.0.1:${busyPort}`,
        sippUasPort: null,
        start: async () => {},
        stop: async () => {},
        alive: () => true,
        cpuGroups: () => ({}),
        counts: async () => ({ dialogs: 0 }),
      };
      const ctx = { procs, seconds: 20, bufSize: 4194304, minRatio: 0.9, uacPort: await freePort(), dir };
      const started = performance.now();
      const r = await runProbe(ctx, rig, 50);
      assert.equal(r.ok, false);
      assert.equal(r.reason, 'failed-calls');
      assert.ok(r.uac && r.uac.failed > 0);
      assert.deepEqual(r.targetState, { dialogs: 0 });
      assert.ok(performance.now() - started < 10_000, 'stopped long before the 20 s run ended');
      assert.deepEqual(processesMentioning(r.logDir), []);
    } finally {
      busy.kill('SIGKILL');
      await busy.done;
      await procs.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a probe fails as target-exit as soon as the system under test has died', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sip-cps-test-'));
    const procs = new ProcessSet();
    try {
      const rig: TargetRig = {
        name: 'patchbay',
        // Nothing listens there: calls would only time out, after 32 s.
        remote: `127.0.0.1:${await freePort()}`,
        sippUasPort: null,
        start: async () => {},
        stop: async () => {},
        alive: () => false,
        cpuGroups: () => ({}),
        counts: async () => null,
      };
      const ctx = { procs, seconds: 20, bufSize: 4194304, minRatio: 0.95, uacPort: await freePort(), dir };
      const started = performance.now();
      const r = await runProbe(ctx, rig, 10);
      assert.equal(r.reason, 'target-exit');
      assert.equal(r.ok, false);
      assert.ok(performance.now() - started < 10_000);
      assert.deepEqual(processesMentioning(r.logDir), []);
    } finally {
      await procs.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
