import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** A process the bench started, with its exit as a promise. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (128 + signal number when killed by a signal). */
  readonly exited: Promise<number>;
  readonly running: boolean;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number>;
}

export interface StartOptions {
  cwd?: string;
  env?: SpawnOptions['env'];
  /** File that receives stderr (appended). */
  log?: string;
  /** Also send stdout to `log`. */
  logStdout?: boolean;
  stdin?: 'ignore' | 'pipe';
  stdout?: 'ignore' | 'pipe';
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGINT: 2,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGTERM: 15,
};

/**
 * Every process the bench starts goes through here, so that each one is stopped by its
 * own pid when the bench ends, fails or is interrupted (never by name).
 */
export class ProcessSet {
  private readonly live = new Set<ManagedProcess>();

  constructor() {
    // Last resort: a crash or process.exit() must not leave SIPp or Kamailio running.
    process.on('exit', () => {
      for (const p of this.live) p.child.kill('SIGKILL');
    });
  }

  /**
   * Starts `command`. Its stderr (and stdout with `logStdout`) goes to the file `log`, or
   * nowhere: an unread pipe would block a chatty child. `stdin`/`stdout` may be 'pipe'.
   */
  start(name: string, command: string, args: string[], options: StartOptions = {}): ManagedProcess {
    const fd = options.log === undefined ? 'ignore' : openSync(options.log, 'a');
    const stdout = options.stdout ?? (options.logStdout ? fd : 'ignore');
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: [options.stdin ?? 'ignore', stdout, fd],
      });
    } finally {
      if (typeof fd === 'number') closeSync(fd);
    }
    if (child.pid === undefined) {
      // spawn() reports ENOENT asynchronously; without a pid the command could not start.
      child.on('error', () => {});
      throw new Error(`cannot start ${command}: not found or not executable`);
    }
    let running = true;
    const exited = new Promise<number>((resolve) => {
      child.on('exit', (code, signal) => {
        running = false;
        this.live.delete(managed);
        resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0));
      });
    });
    const managed: ManagedProcess = {
      name,
      pid: child.pid,
      child,
      exited,
      get running() {
        return running;
      },
      async stop(signal = 'SIGTERM', graceMs = 5000) {
        if (!running) return exited;
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
    };
    this.live.add(managed);
    return managed;
  }

  /** Stops every process still running (SIGTERM, then SIGKILL). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((p) => p.stop('SIGTERM', 3000)));
  }
}

/** Waits until something has bound UDP `port` on 127.0.0.1 (SIPp and Kamailio have no readiness signal). */
export async function waitForUdpPort(port: number, timeoutMs = 10_000, alive?: () => boolean): Promise<void> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    // Column 2 is local_address (rows from slot 10000 on have no leading blank).
    const rows = readFileSync('/proc/net/udp', 'utf8').split('\n');
    if (rows.some((row) => row.trim().split(/\s+/, 2)[1] === local)) return;
    if (alive && !alive()) throw new Error(`process exited before binding udp port ${port}`);
    await sleep(25);
  }
  throw new Error(`nothing bound udp 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
