import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Scenario files of the project's own SIPp tests. */
export const SCENARIOS = fileURLToPath(new URL('../integration/sipp/', import.meta.url));

/** A loopback port that is free for both UDP and TCP right now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, host, () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', () => resolve(false));
      s.bind(port, host, () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port found');
}

export interface SippOptions {
  scenario: string;
  /** host:port to send to (UAC); omitted for a UAS. */
  remote?: string;
  transport?: 'udp' | 'tcp';
  host?: string;
  port: number;
  calls?: number;
  /** Calls per second (UAC). */
  rate?: number;
  /** Length of <pause/> in ms. */
  pauseMs?: number;
  service?: string;
  keys?: Record<string, string>;
  extra?: string[];
  timeoutSec?: number;
}

export interface SippRun {
  /** Resolves with SIPp's exit code (0: every call succeeded) and its error log. */
  done: Promise<{ code: number; errors: string; dir: string }>;
  /** Resolves once SIPp's signalling port is bound. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts SIPp on loopback with one of the project's scenarios. */
export function runSipp(opts: SippOptions): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-sipp-'));
  const host = opts.host ?? '127.0.0.1';
  const args: string[] = [];
  if (opts.remote) args.push(opts.remote);
  args.push('-sf', join(SCENARIOS, opts.scenario), '-i', host, '-p', String(opts.port), '-bind_local');
  args.push('-t', opts.transport === 'tcp' ? 't1' : 'u1', '-nostdin', '-m', String(opts.calls ?? 1));
  args.push(
    '-timeout',
    `${opts.timeoutSec ?? 30}s`,
    '-timeout_error',
    '-trace_err',
    '-max_recv_loops',
    '100000',
  );
  if (opts.rate !== undefined) args.push('-r', String(opts.rate));
  if (opts.pauseMs !== undefined) args.push('-d', String(opts.pauseMs));
  if (opts.service) args.push('-s', opts.service);
  for (const [k, v] of Object.entries(opts.keys ?? {})) args.push('-key', k, v);
  args.push(...(opts.extra ?? []));
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number; errors: string; dir: string }>((resolve) => {
    child.on('close', (code) => {
      let errors = stderr;
      for (const f of readdirSync(dir))
        if (f.endsWith('_errors.log')) errors += readFileSync(join(dir, f), 'utf8');
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: code ?? -1, errors, dir });
    });
  });
  const ready = waitForPort(opts.port, opts.transport ?? 'udp', host.includes(':'));
  return { done, ready, kill: (signal = 'SIGUSR1') => child.kill(signal) };
}

/** Polls /proc/net until something has bound the port (SIPp has no readiness signal). */
async function waitForPort(port: number, transport: 'udp' | 'tcp', v6: boolean): Promise<void> {
  const file = `/proc/net/${transport}${v6 ? '6' : ''}`;
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  for (let i = 0; i < 200; i++) {
    const table = readFileSync(file, 'utf8').split('\n').slice(1);
    // trim(): from slot 10000 on, a row has no leading blank and [2] would be rem_address.
    if (table.some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex.trim()))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`SIPp did not bind ${transport} port ${port}`);
}
