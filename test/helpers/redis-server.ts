/**
 * A real `redis-server` for tests: its own port on 127.0.0.1 and its own temp dir, no
 * persistence (so a restart starts empty, like a Redis that lost its data). It is killed at
 * the latest when the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly running: boolean;
  /** Stops the server (SIGTERM, then SIGKILL); the port stays reserved for restart(). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * The process id of the server answering on the port (from INFO), or undefined. Checking the
 * pid makes sure it is our server and not another one that got the port first.
 */
function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (pid: number | undefined) => {
      sock.destroy();
      resolve(pid);
    };
    sock.setTimeout(500, () => done(undefined));
    sock.once('error', () => done(undefined));
    sock.once('connect', () => sock.write('INFO server\r\n'));
    sock.on('data', (d) => {
      buf += d.toString();
      const m = /process_id:(\d+)\r\n/.exec(buf);
      if (m) done(Number(m[1]));
      else if (buf.startsWith('-')) done(undefined);
    });
  });
}

function spawnRedis(port: number, dir: string): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--daemonize', 'no', '--loglevel', 'warning');
  const child = spawn('redis-server', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Spawns redis-server on the port; resolves when it answers, false when it exited first. */
async function launch(port: number, dir: string): Promise<ChildProcess | undefined> {
  const child = spawnRedis(port, dir);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (exited) return undefined;
    if ((await serverPid(port)) === child.pid) return child;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer`);
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 10 && !child; attempt++) {
    port = await freeTcpPort();
    child = await launch(port, dir); // undefined: the port was taken meanwhile; try another
  }
  if (!child) throw new Error('could not start redis-server on a free port');
  const server = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = undefined;
      await waitExit(c);
    },
    async restart() {
      await server.stop();
      // The port may linger briefly after the old server exits: retry for a while.
      for (let attempt = 0; attempt < 50 && !child; attempt++) {
        child = await launch(port, dir);
        if (!child) await new Promise((r) => setTimeout(r, 50));
      }
      if (!child) throw new Error(`could not restart redis-server on port ${port}`);
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
