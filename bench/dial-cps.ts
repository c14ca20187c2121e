/**
 * bench:dial-cps - the highest rate of short B2BUA calls that completes with 0 failed calls,
 * and the post-dial delay, for Patchbay running a <Dial> next to a stateful proxy measured
 * in the same run:
 *   patchbay  SIPp caller -> Patchbay (answer URL on a webhook app returning
 *             <Dial><User>sip:b@127.0.0.1:PORT</User></Dial>) -> SIPp callee
 *   kamailio  SIPp caller -> Kamailio stateful proxy (bench/cps/kamailio.cfg) -> SIPp callee
 *   sipp      SIPp caller -> SIPp callee (optional: the floor of the measurement)
 * Each call: INVITE (PCMU offer), 100/180/183, 200 (answer), ACK, 1 s, BYE, 200.
 * Patchbay and the webhook app run in processes of their own. Everything on 127.0.0.1.
 * Usage: npm run bench:dial-cps -- --help. Writes bench/results/dial-cps.json and prints
 * two tables. See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../test/helpers/sipp.ts';
import { checkKamailioConfig, KamailioRig } from './cps/kamailio-rig.ts';
import type { TargetName } from './cps/options.ts';
import { ProcessSet } from './cps/process-set.ts';
import { SippRig, type TargetRig } from './cps/rig.ts';
import { type DialTargetResult, measureDialTarget } from './dial/measure.ts';
import { DIAL_USAGE, type DialOptions, DialUsageError, parseDialArgs } from './dial/options.ts';
import { checkPatchbayDial, PatchbayDialRig } from './dial/patchbay-dial-rig.ts';
import { buildDialReport, formatDialTables } from './dial/report.ts';

const log = (line: string) => console.log(`[dial-cps] ${line}`);

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
    const problem = checkPatchbayDial();
    if (problem) missing.push(`Patchbay or the webhook app cannot load:\n${problem}`);
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
  opts: DialOptions,
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
      return new PatchbayDialRig(procs, {
        port: await freePort(),
        calleePort: await freePort(),
        rtpPorts: opts.rtpPorts,
        logLevel: opts.logLevel,
        dir,
      });
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(DIAL_USAGE);
    return 0;
  }
  const opts = parseDialArgs(argv);
  const missing = preflight(opts.targets);
  if (missing.length > 0) {
    for (const m of missing) console.error(`dial-cps: ${m}`);
    console.error('dial-cps: nothing measured; fix the above or leave the target out with --targets');
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

  const dir = mkdtempSync(join(tmpdir(), 'patchbay-dial-cps-'));
  log(`logs, SIPp stat files and timing logs in ${dir}`);
  if (loadAtStart > 0.5)
    log(`warning: load average ${loadAtStart}: other work on the machine skews the figures`);
  const results: DialTargetResult[] = [];
  try {
    for (const name of opts.targets) {
      const rig = await createRig(name, procs, opts, dir);
      const ctx = {
        procs,
        seconds: opts.seconds,
        holdMs: opts.holdMs,
        bufSize: opts.bufSize,
        minRatio: opts.minRatio,
        warmupSeconds: opts.warmupSeconds,
        uacPort: await freePort(),
        dir,
      };
      log(
        `${name}: calls go to ${rig.remote}, callee on 127.0.0.1:${rig.sippUasPort}, ${opts.seconds} s per probe`,
      );
      results.push(await measureDialTarget(rig, opts, ctx, log));
    }
  } finally {
    await procs.stopAll();
  }

  const report = buildDialReport(opts, results, rmem, loadAtStart);
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatDialTables(report)}\n`);
  log(`machine: ${report.machine.cores} cores (${report.machine.cpu}); CPU is % of one core`);
  log(`results written to ${opts.out}`);
  return results.some((r) => r.error) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof DialUsageError) console.error(`dial-cps: ${err.message}\n${DIAL_USAGE}`);
    else console.error('dial-cps:', err);
    process.exit(err instanceof DialUsageError ? 2 : 1);
  },
);
