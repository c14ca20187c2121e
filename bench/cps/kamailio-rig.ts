import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTree } from './cpu-meter.ts';
import { type ManagedProcess, type ProcessSet, sleep, waitForUdpPort } from './process-set.ts';
import type { StateCounts, TargetRig } from './rig.ts';

export const KAMAILIO_CFG = fileURLToPath(new URL('kamailio.cfg', import.meta.url));

export interface KamailioRigOptions {
  /** Port Kamailio listens on (the UAC calls it). */
  port: number;
  /** Port of the SIPp UAS it relays to. */
  backendPort: number;
  /** UDP worker processes (`children`). */
  workers: number;
  /** -b: cap of the UDP receive buffer Kamailio may ask for (its default cap is 256 KiB). */
  bufSize: number;
  /** Folder for the pid file, runtime files and the log. */
  dir: string;
}

/** Arguments of a foreground Kamailio (-DD: forks its workers, stays attached) logging to stderr. */
export function kamailioArgs(o: KamailioRigOptions, runDir: string): string[] {
  return [
    '-f',
    KAMAILIO_CFG,
    '-DD',
    '-E',
    '-b',
    String(o.bufSize),
    '-m',
    '1024',
    '-M',
    '16',
    '-P',
    join(runDir, 'kamailio.pid'),
    '-Y',
    runDir,
    '-w',
    runDir,
    '-A',
    `LISTEN=udp:127.0.0.1:${o.port}`,
    '-A',
    `BACKEND="sip:127.0.0.1:${o.backendPort}"`,
    '-A',
    `WORKERS=${o.workers}`,
  ];
}

/** Checks the config (`kamailio -c`): returns null when it loads, else Kamailio's complaint. */
export function checkKamailioConfig(): string | null {
  try {
    execFileSync('kamailio', ['-c', '-f', KAMAILIO_CFG], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return (e.stderr?.toString() || e.message).trim().split('\n').slice(-5).join('\n');
  }
}

/** The stateful-proxy reference: Kamailio relaying between the SIPp ends. */
export class KamailioRig implements TargetRig {
  readonly name = 'kamailio';
  readonly remote: string;
  readonly sippUasPort: number;
  private proc: ManagedProcess | null = null;
  private starts = 0;

  constructor(
    private readonly procs: ProcessSet,
    private readonly opts: KamailioRigOptions,
  ) {
    this.remote = `127.0.0.1:${opts.port}`;
    this.sippUasPort = opts.backendPort;
  }

  async start(): Promise<void> {
    const runDir = mkdtempSync(join(this.opts.dir, `kamailio-${++this.starts}-`));
    const proc = this.procs.start('kamailio', 'kamailio', kamailioArgs(this.opts, runDir), {
      log: join(runDir, 'kamailio.log'),
      logStdout: true,
    });
    this.proc = proc;
    try {
      await waitForUdpPort(this.opts.port, 10_000, () => proc.running);
    } catch (err) {
      await this.stop();
      throw new Error(
        `kamailio did not start (log: ${join(runDir, 'kamailio.log')}): ${(err as Error).message}`,
      );
    }
    // The main process binds the socket, then forks the workers: give them a moment.
    for (let i = 0; i < 40 && processTree(proc.pid).length < this.opts.workers + 1; i++) await sleep(25);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc) return;
    // SIGTERM to the main process: it takes its workers down. A worker left behind (main
    // killed hard) is killed by its pid, if that pid still runs this very config.
    const tree = processTree(proc.pid);
    await proc.stop('SIGTERM', 5000);
    for (const pid of tree) {
      if (pid !== proc.pid && isOurKamailio(pid)) process.kill(pid, 'SIGKILL');
    }
  }

  alive(): boolean {
    return this.proc?.running ?? false;
  }

  cpuGroups(): Record<string, number[]> {
    return { kamailio: this.proc ? processTree(this.proc.pid) : [] };
  }

  async counts(): Promise<StateCounts | null> {
    return null;
  }
}

function isOurKamailio(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(KAMAILIO_CFG);
  } catch {
    return false;
  }
}
