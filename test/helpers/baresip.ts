/**
 * baresip as a scripted softphone for integration tests, on loopback only.
 *
 * Each instance gets its own config directory (mkdtemp) written from scratch here: a WAV
 * file as microphone (aufile), a null speaker (aubridge), both directions recorded
 * (sndfile), and the ctrl_tcp module through which the test sends menu commands and
 * receives events (netstring-framed JSON). The packaged example config is never used: it
 * loads sound cards, STUN and an account at a public provider.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './sipp.ts';

const HOST = '127.0.0.1';
/** RTP ports per instance: RTP and RTCP pairs (no rtcp-mux), room for a few streams. */
const RTP_PORTS = 20;
const MODULE_DIRS = ['/usr/lib/baresip/modules', '/usr/local/lib/baresip/modules'];
const MODULES = ['g711.so', 'aufile.so', 'aubridge.so', 'sndfile.so', 'account.so', 'menu.so', 'ctrl_tcp.so'];

export type BaresipErrorCode = 'START_FAILED' | 'TIMEOUT' | 'COMMAND_FAILED' | 'CLOSED';

export class BaresipError extends Error {
  constructor(
    readonly code: BaresipErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BaresipError';
  }
}

export interface BaresipOptions {
  /** User part of the account and of `sipUri`. */
  name: string;
  /** `auto`: incoming calls are answered at once; `manual`: the test sends `accept`. */
  answer: 'auto' | 'manual';
  /** Microphone: a WAV file (converted to 8 kHz mono s16 with sox). */
  micWav?: string;
  /** Microphone when no micWav: a sine made with sox. Neither: 10 s of silence. */
  micTone?: { freq: number; seconds: number };
  /** The account's audio_codecs, in order of preference; default PCMU only. */
  codecs?: Array<'pcmu' | 'pcma'>;
  /** Milliseconds to wait for ctrl_tcp to answer; default 5000. */
  startTimeoutMs?: number;
}

/** An unsolicited ctrl_tcp message, e.g. `{ type: 'CALL_ESTABLISHED', peeruri, id, param }`. */
export interface BaresipEvent {
  type: string;
  class?: string;
  direction?: string;
  peeruri?: string;
  id?: string;
  param?: string;
  /** Milliseconds since the instance started, when the event arrived. */
  atMs: number;
  [key: string]: unknown;
}

export interface BaresipResponse {
  ok: boolean;
  data: string;
}

export interface Baresip {
  readonly name: string;
  /** sip:NAME@127.0.0.1:PORT */
  readonly sipUri: string;
  readonly sipPort: number;
  readonly ctrlPort: number;
  readonly rtpPorts: { low: number; high: number };
  /** The config directory (also holds mic.wav and rec/). */
  readonly dir: string;
  /** Every event seen so far, in order. */
  readonly events: readonly BaresipEvent[];
  /** Sends a menu command (`dial`, `hangup`, `sndcode`, `listcalls` ...) and waits for its answer. */
  command(cmd: string, params?: string, timeoutMs?: number): Promise<BaresipResponse>;
  /** `dial URI`; throws COMMAND_FAILED when baresip refuses. */
  dial(uri: string): Promise<void>;
  /** Accepts the ringing incoming call (answer: 'manual'). */
  accept(): Promise<void>;
  /** Hangs up the current call. */
  hangup(): Promise<void>;
  /** Sends digits as RFC 4733 telephone-events (`sndcode`). */
  sendDtmf(digits: string): Promise<void>;
  /**
   * The next event of `type` not yet returned by an earlier waitEvent of the same type,
   * including events that arrived before the call: the n-th call gets the n-th such event.
   */
  waitEvent(type: string, timeoutMs: number): Promise<BaresipEvent>;
  /** The newest sndfile dumps: `sent` = what the microphone encoded, `received` = what it decoded. */
  recordings(): { sent?: string; received?: string };
  /** Digits the log reports as received telephone-events (their starts), in order. */
  receivedDigits(): string;
  /** Its stdout and stderr so far, carriage returns as newlines, colours removed. */
  log(): string;
  /** The last `lines` lines of log() without the per-second call status lines, for failure messages. */
  logTail(lines?: number): string;
  /** Quits (the `quit` command, then SIGTERM, then SIGKILL); keeps the directory. */
  stop(): Promise<void>;
  /** stop(), then removes the directory and its recordings. */
  cleanup(): Promise<void>;
}

/** Why baresip tests cannot run here, or false when they can (for node:test's `skip`). */
export function baresipSkipReason(): string | false {
  if (!findExecutable('baresip')) return 'baresip is not installed (Debian package baresip-core)';
  if (!findExecutable('sox')) return 'sox is not installed (makes the baresip microphone files)';
  if (!moduleDir()) return `baresip modules (${MODULES.join(', ')}) not found in ${MODULE_DIRS.join(' or ')}`;
  return false;
}

export function hasBaresip(): boolean {
  return baresipSkipReason() === false;
}

/** Starts one headless baresip on loopback and resolves once ctrl_tcp answers a command. */
export async function startBaresip(opts: BaresipOptions): Promise<Baresip> {
  const modules = moduleDir();
  if (!modules) throw new BaresipError('START_FAILED', 'baresip modules not found');
  const dir = mkdtempSync(join(tmpdir(), `patchbay-baresip-${opts.name}-`));
  try {
    const { sip, ctrl } = await signallingPorts();
    const rtp = await freeUdpRange(RTP_PORTS);
    mkdirSync(join(dir, 'rec'));
    makeMic(dir, opts);
    writeFileSync(join(dir, 'config'), configText({ dir, modules, sip, ctrl, rtp, name: opts.name }));
    const codecs = (opts.codecs ?? ['pcmu']).join(',');
    // regint=0: no REGISTER, the test dials the URI directly.
    const account = `<sip:${opts.name}@${HOST}:${sip}>;regint=0;answermode=${opts.answer};audio_codecs=${codecs}`;
    writeFileSync(join(dir, 'accounts'), `${account}\n`);
    writeFileSync(join(dir, 'contacts'), '');
    const instance = new BaresipProcess(opts.name, dir, sip, ctrl, rtp);
    await instance.start(opts.startTimeoutMs ?? 5000);
    return instance;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

interface ConfigParams {
  dir: string;
  modules: string;
  sip: number;
  ctrl: number;
  rtp: { low: number; high: number };
  name: string;
}

/** baresip 1.0 config: every setting it needs, nothing that reaches past loopback. */
function configText(p: ConfigParams): string {
  const lines: Array<[string, string]> = [
    ['poll_method', 'epoll'],
    ['sip_listen', `${HOST}:${p.sip}`],
    // An address, not an interface name: 1.0 finds no IPv4 address on "lo".
    ['net_interface', HOST],
    // No resolver is needed (every URI is an IP); point it at loopback anyway.
    ['dns_server', `${HOST}:53`],
    ['call_local_timeout', '120'],
    ['call_max_calls', '4'],
    ['audio_source', `aufile,${join(p.dir, 'mic.wav')}`],
    ['audio_player', `aubridge,sink-${p.name}`],
    ['audio_alert', `aubridge,sink-${p.name}`],
    ['ausrc_srate', '8000'],
    ['auplay_srate', '8000'],
    ['ausrc_format', 's16'],
    ['auplay_format', 's16'],
    ['auenc_format', 's16'],
    ['audec_format', 's16'],
    ['audio_level', 'no'],
    ['rtp_ports', `${p.rtp.low}-${p.rtp.high}`],
    ['rtcp_mux', 'no'],
    ['jitter_buffer_delay', '5-10'],
    ['rtp_stats', 'yes'],
    ['module_path', p.modules],
    ['module', 'g711.so'],
    ['module', 'aufile.so'],
    ['module', 'aubridge.so'],
    ['module', 'sndfile.so'],
    ['module_tmp', 'account.so'],
    ['module_app', 'menu.so'],
    ['module_app', 'ctrl_tcp.so'],
    ['ctrl_tcp_listen', `${HOST}:${p.ctrl}`],
    ['snd_path', join(p.dir, 'rec')],
  ];
  return `${lines.map(([k, v]) => `${k.padEnd(24)}${v}`).join('\n')}\n`;
}

function makeMic(dir: string, opts: BaresipOptions): void {
  const out = join(dir, 'mic.wav');
  // aufile plays S16LE at exactly ausrc_srate, once (it does not loop).
  const format = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer'];
  let args: string[];
  if (opts.micWav) args = [opts.micWav, ...format, out];
  else if (opts.micTone)
    args = [
      '-n',
      ...format,
      out,
      'synth',
      String(opts.micTone.seconds),
      'sine',
      String(opts.micTone.freq),
      'vol',
      '0.5',
    ];
  else args = ['-n', ...format, out, 'trim', '0', '10'];
  const r = spawnSync('sox', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new BaresipError('START_FAILED', `sox failed: ${r.stderr || r.error?.message}`);
}

class BaresipProcess implements Baresip {
  readonly sipUri: string;
  readonly events: BaresipEvent[] = [];
  private child?: ChildProcess;
  private socket?: Socket;
  private output = '';
  private readonly started = Date.now();
  private exitCode: number | null | undefined;
  private exited!: Promise<void>;
  private inbound: Buffer = Buffer.alloc(0);
  private nextToken = 1;
  private readonly pending = new Map<string, (r: BaresipResponse) => void>();
  private readonly consumed = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private stopping?: Promise<void>;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly sipPort: number,
    readonly ctrlPort: number,
    readonly rtpPorts: { low: number; high: number },
  ) {
    this.sipUri = `sip:${name}@${HOST}:${sipPort}`;
  }

  async start(timeoutMs: number): Promise<void> {
    const child = spawn('baresip', ['-f', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (d: Buffer) => {
      this.output += d.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        this.wake();
        resolve();
      });
      child.once('error', (err) => {
        this.output += `\nspawn failed: ${err.message}\n`;
        this.exitCode = -1;
        this.wake();
        resolve();
      });
    });
    const deadline = Date.now() + timeoutMs;
    try {
      this.socket = await this.connectCtrl(deadline);
      // Ready once a command is answered: modules loaded, account populated.
      await this.command('listcalls', '', Math.max(100, deadline - Date.now()));
    } catch (err) {
      await this.stop();
      const why = err instanceof Error ? err.message : String(err);
      throw new BaresipError('START_FAILED', `baresip ${this.name} did not start: ${why}\n${this.log()}`);
    }
  }

  command(cmd: string, params = '', timeoutMs = 5000): Promise<BaresipResponse> {
    const socket = this.socket;
    if (!socket || socket.destroyed)
      return Promise.reject(new BaresipError('CLOSED', 'no ctrl_tcp connection'));
    const token = `t${this.nextToken++}`;
    const json = Buffer.from(JSON.stringify({ command: cmd, params, token }), 'utf8');
    socket.write(Buffer.concat([Buffer.from(`${json.length}:`), json, Buffer.from(',')]));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new BaresipError('TIMEOUT', `baresip ${this.name}: no answer to "${cmd}" in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  async dial(uri: string): Promise<void> {
    await this.expectOk('dial', uri);
  }

  async accept(): Promise<void> {
    await this.expectOk('accept');
  }

  async hangup(): Promise<void> {
    await this.expectOk('hangup');
  }

  async sendDtmf(digits: string): Promise<void> {
    await this.expectOk('sndcode', digits);
  }

  waitEvent(type: string, timeoutMs: number): Promise<BaresipEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const skip = this.consumed.get(type) ?? 0;
        const matching = this.events.filter((e) => e.type === type);
        if (matching.length > skip) {
          this.consumed.set(type, skip + 1);
          done();
          resolve(matching[skip]);
          return true;
        }
        if (this.exitCode !== undefined) {
          done();
          reject(new BaresipError('CLOSED', `baresip ${this.name} exited before ${type}\n${this.logTail()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.events.map((e) => e.type).join(' ');
        reject(
          new BaresipError(
            'TIMEOUT',
            `baresip ${this.name}: no ${type} in ${timeoutMs} ms (seen: ${seen})\n${this.logTail()}`,
          ),
        );
      }, timeoutMs);
      const waiter = () => {
        check();
      };
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!check()) this.waiters.add(waiter);
    });
  }

  recordings(): { sent?: string; received?: string } {
    const rec = join(this.dir, 'rec');
    if (!existsSync(rec)) return {};
    const files = readdirSync(rec)
      .filter((f) => f.endsWith('.wav'))
      .map((f) => ({ path: join(rec, f), mtime: statSync(join(rec, f)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime || (a.path < b.path ? 1 : -1));
    const out: { sent?: string; received?: string } = {};
    // sndfile names them dump-<date>-enc.wav (encoder input) and dump-<date>-dec.wav (decoder output).
    const sent = files.find((f) => f.path.endsWith('-enc.wav'));
    const received = files.find((f) => f.path.endsWith('-dec.wav'));
    if (sent) out.sent = sent.path;
    if (received) out.received = received.path;
    return out;
  }

  receivedDigits(): string {
    // Each telephone-event is logged at its start (end=0) and end (end=1); the end of the
    // last digit can be missing, so digits are counted at their start.
    let digits = '';
    for (const m of this.log().matchAll(/received event: '(.)' \(end=0\)/g)) digits += m[1];
    return digits;
  }

  log(): string {
    return this.output.replace(/\r/g, '\n').replace(/\x1b\[[0-9;]*m/g, '');
  }

  logTail(lines = 30): string {
    return this.log()
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^\[\d+:\d\d:\d\d\] audio=/.test(l.trim()))
      .slice(-lines)
      .join('\n');
  }

  stop(): Promise<void> {
    this.stopping ??= this.runStop();
    return this.stopping;
  }

  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async runStop(): Promise<void> {
    const child = this.child;
    if (child && this.exitCode === undefined) {
      // The answer may never come: baresip can exit before writing it.
      await this.command('quit', '', 1000).catch(() => undefined);
      if (!(await this.exitWithin(2000))) {
        child.kill('SIGTERM');
        if (!(await this.exitWithin(2000))) {
          child.kill('SIGKILL');
          await this.exited;
        }
      }
    }
    this.socket?.destroy();
    for (const resolve of this.pending.values()) resolve({ ok: false, data: 'closed' });
    this.pending.clear();
  }

  private async exitWithin(ms: number): Promise<boolean> {
    if (this.exitCode !== undefined) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  private async expectOk(cmd: string, params = ''): Promise<BaresipResponse> {
    const r = await this.command(cmd, params);
    if (!r.ok)
      throw new BaresipError('COMMAND_FAILED', `baresip ${this.name}: "${cmd} ${params}" failed: ${r.data}`);
    return r;
  }

  /** ctrl_tcp listens a moment after the process starts: retry until the deadline. */
  private async connectCtrl(deadline: number): Promise<Socket> {
    for (;;) {
      if (this.exitCode !== undefined)
        throw new BaresipError('START_FAILED', `exited with code ${this.exitCode}`);
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: HOST, port: this.ctrlPort });
          s.once('connect', () => {
            s.off('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        });
        socket.on('data', (d: Buffer) => this.receive(d));
        socket.on('error', () => undefined);
        socket.on('close', () => this.wake());
        return socket;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  /** Netstring framing: "<length>:<bytes>," with the length in bytes. */
  private receive(data: Buffer): void {
    this.inbound = this.inbound.length ? Buffer.concat([this.inbound, data]) : data;
    for (;;) {
      const colon = this.inbound.indexOf(0x3a);
      if (colon <= 0) return;
      const length = Number(this.inbound.subarray(0, colon).toString('latin1'));
      if (!Number.isInteger(length) || length < 0) {
        this.output += '\n[test] ctrl_tcp: bad netstring, stream dropped\n';
        this.inbound = Buffer.alloc(0);
        return;
      }
      const end = colon + 1 + length;
      if (this.inbound.length < end + 1) return;
      const body = this.inbound.subarray(colon + 1, end).toString('utf8');
      this.inbound = this.inbound.subarray(end + 1);
      this.dispatch(body);
    }
  }

  private dispatch(body: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(body) as Record<string, unknown>;
    } catch {
      this.output += `\n[test] ctrl_tcp: not JSON: ${body}\n`;
      return;
    }
    if (msg.response === true && typeof msg.token === 'string') {
      const resolve = this.pending.get(msg.token);
      this.pending.delete(msg.token);
      resolve?.({ ok: msg.ok === true, data: typeof msg.data === 'string' ? msg.data : '' });
    } else if (msg.event === true && typeof msg.type === 'string') {
      this.events.push({ ...msg, type: msg.type, atMs: Date.now() - this.started });
      this.wake();
    }
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/**
 * SIP port P (UDP and TCP) and a ctrl_tcp port. baresip 1.0 also opens SIP over TLS on
 * P + 1 and has no setting to turn it off, so P + 1 must be free on TCP as well.
 */
async function signallingPorts(): Promise<{ sip: number; ctrl: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const sip = await freePort(HOST);
    if (sip >= 65535 || !(await tcpFree(sip + 1))) continue;
    const ctrl = await freePort(HOST);
    if (ctrl === sip || ctrl === sip + 1) continue;
    return { sip, ctrl };
  }
  throw new BaresipError('START_FAILED', 'no free SIP port pair found');
}

/** `size` consecutive UDP ports from an even, random base in 50000-59999 that bind now. */
async function freeUdpRange(size: number): Promise<{ low: number; high: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const low = 50000 + 2 * Math.floor(Math.random() * ((10000 - size) / 2));
    let free = true;
    for (let p = low; p < low + size && free; p++) free = await udpFree(p);
    if (free) return { low, high: low + size - 1 };
  }
  throw new BaresipError('START_FAILED', 'no free RTP port range found');
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, HOST, () => s.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

function moduleDir(): string | undefined {
  return MODULE_DIRS.find((d) => MODULES.every((m) => existsSync(join(d, m))));
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}
