/**
 * bench:sip-cps - the highest call rate (INVITE/200/ACK/BYE/200, no media) that completes
 * with 0 failed calls, for Patchbay's test UAS and two references measured in the same run:
 *   sipp      SIPp UAC -> SIPp UAS                    (the ceiling of this machine)
 *   kamailio  SIPp UAC -> Kamailio stateful proxy -> SIPp UAS
 *   patchbay  SIPp UAC -> Patchbay test UAS (bench/cps/patchbay-uas.ts, its own process)
 * Everything runs on 127.0.0.1. Usage: npm run bench:sip-cps -- --help
 * Writes bench/results/sip-cps.json and prints a table. See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../test/helpers/sipp.ts';
import { checkKamailioConfig, KamailioRig } from './cps/kamailio-rig.ts';
import { measureTarget, type TargetResult } from './cps/measure-target.ts';
import { CPS_USAGE, type CpsOptions, CpsUsageError, parseCpsArgs, type TargetName } from './cps/options.ts';
import { checkPatchbayUas, PatchbayRig } from './cps/patchbay-rig.ts';
import { ProcessSet } from './cps/process-set.ts';
import { buildReport, formatTable } from './cps/report.ts';
import { SippRig, type TargetRig } from './cps/rig.ts';

const log = (line: string) => console.log(`[sip-cps] ${line}`);

/** What the selected targets need and this machine lacks, as lines for a human. */
function preflight(targets: TargetName[]): string[] {
  const missing: string[] = [];
  const has = (cmd: string) => spawnSync(cmd, ['-v'], { stdio: 'ignore' }).error === undefined;
  if (!has('sipp')) missing.push('sipp is not installed (Debian: apt-get install sip-tester)');
  if (targets.includes('kamailio')) {
    if (!has('kamailio')) missing.push('kamailio is not installed (Debian: apt-get install kamailio)');
    else {
      const problem = checkKamailioConfig();
      if (problem) missing.push(`kamailio rejects bench/cps/kamailio.cfg:\n${problem}`);
    }
  }
  if (targets.includes('patchbay')) {
    const problem = checkPatchbayUas();
    if (problem) missing.push(`the Patchbay test UAS cannot load:\n${problem}`);
  }
  return missing;
}

function rmemMax(): number | null {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8').trim());
  } catch {
    return null;
  }
}

async function createRig(
  name: TargetName,
  procs: ProcessSet,
  opts: CpsOptions,
  dir: string,
): Promise<TargetRig> {
  switch (name) {
    case 'sipp':
      return new SippRig(await freePort());
    case 'kamailio':
      return new KamailioRig(procs, {
        port: await freePort(),
        backendPort: await freePort(),
        workers: opts.workers,
        bufSize: opts.bufSize,
        dir,
      });
    case 'patchbay':
      return new PatchbayRig(procs, { port: await freePort(), dir, sendThread: opts.sendThread });
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(CPS_USAGE);
    return 0;
  }
  const opts = parseCpsArgs(argv);
  const missing = preflight(opts.targets);
  if (missing.length > 0) {
    for (const m of missing) console.error(`sip-cps: ${m}`);
    console.error('sip-cps: nothing measured; fix the above or leave the target out with --targets');
    return 2;
  }
  const loadAtStart = Math.round(loadavg()[0] * 100) / 100;
  const rmem = rmemMax();
  if (rmem !== null && rmem < opts.bufSize) {
    log(`warning: net.core.rmem_max is ${rmem}, below --buff-size ${opts.bufSize}; sockets get less`);
  }

  const procs = new ProcessSet();
  const stopOnSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping every process started`);
    void procs.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const dir = mkdtempSync(join(tmpdir(), 'patchbay-sip-cps-'));
  log(`logs and SIPp stat files in ${dir}`);
  if (loadAtStart > 0.5)
    log(`warning: load average ${loadAtStart}: other work on the machine skews the figures`);
  const results: TargetResult[] = [];
  try {
    for (const name of opts.targets) {
      const rig = await createRig(name, procs, opts, dir);
      const uacPort = await freePort();
      const ctx = {
        procs,
        seconds: opts.seconds,
        bufSize: opts.bufSize,
        minRatio: opts.minRatio,
        uacPort,
        dir,
      };
      log(`${name}: calls go to ${rig.remote}, ${opts.seconds} s per probe`);
      const result = await measureTarget(rig, opts, ctx, log);
      if (rig instanceof PatchbayRig && rig.lastTotals) result.totals = rig.lastTotals;
      results.push(result);
    }
  } finally {
    await procs.stopAll();
  }

  const report = buildReport(opts, results, rmem, loadAtStart);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatTable(report)}\n`);
  log(`machine: ${report.machine.cores} cores (${report.machine.cpu}); CPU is % of one core`);
  log(`results written to ${opts.out}`);
  return results.some((r) => r.error) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof CpsUsageError) console.error(`sip-cps: ${err.message}\n${CPS_USAGE}`);
    else console.error('sip-cps:', err);
    process.exit(err instanceof CpsUsageError ? 2 : 1);
  },
);
