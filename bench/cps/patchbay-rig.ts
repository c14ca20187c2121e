import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, type ProcessSet, sleep } from './process-set.ts';
import type { StateCounts, TargetRig } from './rig.ts';

export const PATCHBAY_UAS = fileURLToPath(new URL('patchbay-uas.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A line the UAS process prints on stdout (JSON, one per line). */
export type UasEvent =
  | { type: 'ready'; listen: string }
  | { type: 'counts'; live: StateCounts; totals: StateCounts }
  | { type: 'error'; message: string };

/** The command that runs the UAS as its own Node process (its own core, not the bench's). */
export function patchbayUasCommand(args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', PATCHBAY_UAS, ...args]];
}

/** Loads the UAS and its UA without listening: null when it can run, else why not. */
export function checkPatchbayUas(): string | null {
  const [cmd, args] = patchbayUasCommand(['--check']);
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return null;
  return (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(0, 8).join('\n');
}

/** The system under test: SIPp's calls answered by the Patchbay test UAS process. */
export class PatchbayRig implements TargetRig {
  readonly name = 'patchbay';
  readonly sippUasPort = null;
  readonly remote: string;
  private proc: ManagedProcess | null = null;
  private waiting: ((e: UasEvent) => void)[] = [];
  /** Totals (answered calls ...) of the last counts line, for the report. */
  lastTotals: StateCounts | null = null;

  constructor(
    private readonly procs: ProcessSet,
    private readonly opts: { port: number; dir: string; sendThread?: boolean },
  ) {
    this.remote = `127.0.0.1:${opts.port}`;
  }

  async start(): Promise<void> {
    const runDir = mkdtempSync(join(this.opts.dir, 'patchbay-'));
    const log = join(runDir, 'patchbay-uas.log');
    const [cmd, args] = patchbayUasCommand([
      '--listen',
      `udp:127.0.0.1:${this.opts.port}`,
      ...(this.opts.sendThread ? ['--send-thread'] : []),
    ]);
    const proc = this.procs.start('patchbay-uas', cmd, args, {
      cwd: ROOT,
      log,
      stdin: 'pipe',
      stdout: 'pipe',
    });
    this.proc = proc;
    const lines = createInterface({ input: proc.child.stdout! });
    lines.on('line', (line) => this.onLine(line));
    const ready = await Promise.race([
      this.next('ready', 60_000),
      proc.exited.then((code) => ({ type: 'error' as const, message: `exited with ${code}` })),
    ]);
    if (ready?.type !== 'ready') {
      await this.stop();
      const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-8).join('\n');
      throw new Error(
        `the Patchbay UAS did not start (${ready?.type === 'error' ? ready.message : 'timeout'}):\n${tail}`,
      );
    }
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc) return;
    // End of stdin is the UAS's cue to close its sockets and exit.
    proc.child.stdin?.end();
    await Promise.race([proc.exited, sleep(3000)]);
    await proc.stop('SIGTERM', 3000);
    for (const w of this.waiting.splice(0)) w({ type: 'error', message: 'stopped' });
  }

  alive(): boolean {
    return this.proc?.running ?? false;
  }

  cpuGroups(): Record<string, number[]> {
    return { patchbay: this.proc ? [this.proc.pid] : [] };
  }

  async counts(): Promise<StateCounts | null> {
    if (!this.proc?.running) return null;
    const answer = this.next('counts', 5000);
    this.proc.child.stdin?.write('counts\n');
    const event = await answer;
    if (event?.type !== 'counts') return null;
    this.lastTotals = event.totals;
    return event.live;
  }

  private onLine(line: string): void {
    let event: UasEvent;
    try {
      event = JSON.parse(line) as UasEvent;
    } catch {
      return;
    }
    for (const w of this.waiting.splice(0)) w(event);
  }

  /** The next event of the given type, or null after `timeoutMs`. */
  private next(type: UasEvent['type'], timeoutMs: number): Promise<UasEvent | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      const waiter = (e: UasEvent) => {
        if (e.type !== type && e.type !== 'error') {
          this.waiting.push(waiter);
          return;
        }
        clearTimeout(timer);
        resolve(e);
      };
      this.waiting.push(waiter);
    });
  }
}
