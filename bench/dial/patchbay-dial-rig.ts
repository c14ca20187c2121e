import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from '../compiled.ts';
import { type ManagedProcess, type ProcessSet, sleep } from '../cps/process-set.ts';
import type { StateCounts, TargetRig } from '../cps/rig.ts';
import { LineChannel, type LineEvent } from './line-channel.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PATCHBAY_DIAL = fileURLToPath(new URL('patchbay-dial.ts', import.meta.url));
export const WEBHOOK_APP = fileURLToPath(new URL('webhook-app.ts', import.meta.url));

export interface PatchbayDialRigOptions {
  /** Patchbay's SIP port (UDP, 127.0.0.1): the caller's SIPp calls it. */
  port: number;
  /** The callee's SIPp port: the webhook app dials sip:b@127.0.0.1:PORT. */
  calleePort: number;
  /** PATCHBAY_RTP_PORTS, e.g. 10000-19999: two ports per leg, two legs per call. */
  rtpPorts: string;
  /** PATCHBAY_LOG_LEVEL (warn or silent: logging is not what is measured). */
  logLevel: string;
  /** Parent folder of each start's logs and data directory. */
  dir: string;
}

/** A Node process running a bench/dial script, bundled (its own core, not the bench's). */
function nodeScript(script: string, args: string[] = []): [string, string[]] {
  return [process.execPath, [compiled(script), ...args]];
}

/** Loads Patchbay and the webhook app without listening: null when they can run, else why not. */
export function checkPatchbayDial(): string | null {
  for (const script of [PATCHBAY_DIAL, WEBHOOK_APP]) {
    const [cmd, args] = nodeScript(script, ['--check']);
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) continue;
    return (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(0, 8).join('\n');
  }
  return null;
}

/** The environment of the Patchbay process: the bench's PATCHBAY_* settings and none of the caller's. */
function patchbayEnv(o: PatchbayDialRigOptions, hooks: string, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PATCHBAY_')) env[k] = v;
  return {
    ...env,
    PATCHBAY_SIP_LISTEN: `udp:127.0.0.1:${o.port}`,
    PATCHBAY_PUBLIC_HOST: '127.0.0.1',
    PATCHBAY_HTTP_LISTEN: '127.0.0.1:0',
    PATCHBAY_RTP_PORTS: o.rtpPorts,
    PATCHBAY_ANSWER_URL: `${hooks}/answer`,
    PATCHBAY_HANGUP_URL: `${hooks}/hangup`,
    PATCHBAY_AUTH_ID: 'MABENCHDIALCPS000001',
    PATCHBAY_AUTH_TOKEN: 'bench-dial-cps-token-0123456789',
    PATCHBAY_DATA_DIR: dataDir,
    PATCHBAY_LOG_LEVEL: o.logLevel,
  };
}

/**
 * The system under test of bench:dial-cps: Patchbay (bench/dial/patchbay-dial.ts) whose
 * answer URL is the webhook app (bench/dial/webhook-app.ts), each in its own process; the
 * callee is the SIPp UAS on `calleePort`, which the probe starts.
 *   SIPp UAC -> Patchbay --answer URL--> webhook app (Dial User) ; Patchbay -> SIPp UAS
 */
export class PatchbayDialRig implements TargetRig {
  readonly name = 'patchbay';
  readonly remote: string;
  readonly sippUasPort: number;
  private pb: { proc: ManagedProcess; channel: LineChannel } | null = null;
  private hooks: { proc: ManagedProcess; channel: LineChannel } | null = null;
  private starts = 0;
  /** Totals of the last counts (SIP messages, media clock, webhook requests served). */
  lastTotals: StateCounts | null = null;

  constructor(
    private readonly procs: ProcessSet,
    private readonly opts: PatchbayDialRigOptions,
  ) {
    this.remote = `127.0.0.1:${opts.port}`;
    this.sippUasPort = opts.calleePort;
  }

  async start(): Promise<void> {
    const runDir = mkdtempSync(join(this.opts.dir, `patchbay-${++this.starts}-`));
    const hooksLog = join(runDir, 'webhook-app.log');
    const callee = `sip:b@127.0.0.1:${this.opts.calleePort}`;
    this.hooks = this.spawn('webhook-app', nodeScript(WEBHOOK_APP, ['--callee', callee]), hooksLog);
    const ready = await this.hooks.channel.next('ready', 60_000);
    if (typeof ready?.port !== 'number') await this.fail('the webhook app', hooksLog);
    const origin = `http://127.0.0.1:${(ready as LineEvent).port}`;

    const dataDir = join(runDir, 'data');
    mkdirSync(dataDir);
    const pbLog = join(runDir, 'patchbay.log');
    const env = patchbayEnv(this.opts, origin, dataDir);
    this.pb = this.spawn('patchbay', nodeScript(PATCHBAY_DIAL), pbLog, env);
    if (!(await this.pb.channel.next('ready', 60_000))) await this.fail('Patchbay', pbLog);
  }

  private spawn(
    name: string,
    [cmd, args]: [string, string[]],
    log: string,
    env?: NodeJS.ProcessEnv,
  ): { proc: ManagedProcess; channel: LineChannel } {
    const proc = this.procs.start(name, cmd, args, { cwd: ROOT, log, stdin: 'pipe', stdout: 'pipe', env });
    return { proc, channel: new LineChannel(proc) };
  }

  private async fail(what: string, log: string): Promise<never> {
    await this.stop();
    const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-8).join('\n');
    throw new Error(`${what} did not start (log ${log}):\n${tail}`);
  }

  async stop(): Promise<void> {
    const stopping = [this.pb, this.hooks];
    this.pb = null;
    this.hooks = null;
    for (const p of stopping) {
      if (!p) continue;
      // End of stdin is the cue to close (Patchbay ends its calls) and exit.
      p.proc.child.stdin?.end();
      await Promise.race([p.proc.exited, sleep(5000)]);
      await p.proc.stop('SIGTERM', 3000);
    }
  }

  alive(): boolean {
    return (this.pb?.proc.running ?? false) && (this.hooks?.proc.running ?? false);
  }

  cpuGroups(): Record<string, number[]> {
    return {
      patchbay: this.pb ? [this.pb.proc.pid] : [],
      webhook: this.hooks ? [this.hooks.proc.pid] : [],
    };
  }

  /** Patchbay's live calls, dialogs, transactions, media endpoints, bridges and webhook requests. */
  async counts(): Promise<StateCounts | null> {
    const event = await this.pb?.channel.ask('counts', 'counts');
    if (!event) return null;
    const hooks = await this.hooks?.channel.ask('counts', 'counts');
    this.lastTotals = {
      ...(event.totals as StateCounts),
      ...(hooks ? prefixed('webhook', hooks.totals as StateCounts) : {}),
    };
    return event.live as StateCounts;
  }

  /** The webhook app writes the timing of each answer request to `file` until stopWebhookTiming(). */
  async recordWebhookTiming(file: string): Promise<void> {
    const ok = await this.hooks?.channel.ask(`record ${file}`, 'recording');
    if (!ok) throw new Error('the webhook app did not start recording');
  }

  /** Closes the timing file; resolves with its line count (null when the app did not answer). */
  async stopWebhookTiming(): Promise<number | null> {
    const event = await this.hooks?.channel.ask('stop', 'stopped');
    return typeof event?.lines === 'number' ? event.lines : null;
  }
}

function prefixed(prefix: string, counts: StateCounts): StateCounts {
  const out: StateCounts = {};
  for (const [k, v] of Object.entries(counts)) out[`${prefix}${k[0].toUpperCase()}${k.slice(1)}`] = v;
  return out;
}
