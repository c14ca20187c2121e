/**
 * The processes of the media benchmarks. The runner starts each child with `BenchChild.start`
 * (plain Node running the script bundled by `compiled`, an IPC channel, its configuration as one JSON argument,
 * optionally pinned to one CPU) and waits for its messages by type; a child uses
 * `childChannel` (child-channel.ts, which children import so that they load nothing of the
 * runner's side) to read its configuration, receive commands and answer. A child exits when
 * the runner goes away, so nothing is left behind.
 */
import { type ChildProcess, type StdioOptions, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compiled } from '../compiled.ts';

import { BenchChildError, type Typed } from './child-channel.ts';

export { BenchChildError, childChannel } from './child-channel.ts';

export class BenchChild<Out extends Typed, In extends Typed> {
  private readonly queue: Out[] = [];
  private readonly waiters = new Set<{
    type: string;
    resolve: (m: Out) => void;
    reject: (e: Error) => void;
  }>();
  private readonly listeners = new Map<string, (m: Out) => void>();
  private failure: Error | undefined;
  private readonly exited: Promise<number>;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    proc.on('message', (raw) => this.deliver(raw as Out));
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.fail(new BenchChildError(`${name} exited (${signal ?? `code ${code}`})`));
        resolve(code ?? 1);
      });
    });
  }

  /**
   * Starts `script` (a .ts file, bundled first) with `config`. With `cpu`, the process and every thread it
   * will have (V8's GC helpers included) are pinned to that CPU through taskset(1).
   */
  static start<O extends Typed, I extends Typed>(
    name: string,
    script: URL,
    config: unknown,
    opts: { cpu?: number; nodeArgs?: string[] } = {},
  ): BenchChild<O, I> {
    const args = [...(opts.nodeArgs ?? []), compiled(fileURLToPath(script)), JSON.stringify(config)];
    const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc'];
    // spawn (not fork) so that taskset can sit in front; the IPC descriptor survives its exec.
    const proc =
      opts.cpu === undefined
        ? spawn(process.execPath, args, { stdio })
        : spawn('taskset', ['-c', String(opts.cpu), process.execPath, ...args], { stdio });
    return new BenchChild<O, I>(name, proc);
  }

  /** Whether taskset(1) is there to pin processes to CPUs. */
  static canPin(): boolean {
    return spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  send(msg: In): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  /** Calls `fn` for every message of `type` (instead of queueing them). */
  on<T extends Out['type']>(type: T, fn: (m: Extract<Out, { type: T }>) => void): void {
    this.listeners.set(type, fn as (m: Out) => void);
  }

  /** The next message of `type`; rejects on the child's `error` message, its exit, or the timeout. */
  next<T extends Out['type']>(type: T, timeoutMs: number): Promise<Extract<Out, { type: T }>> {
    const i = this.queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as Extract<Out, { type: T }>);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter = {
        type,
        resolve: (m: Out) => {
          clearTimeout(timer);
          resolve(m as Extract<Out, { type: T }>);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new BenchChildError(`${this.name}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Asks nicely (disconnect), then SIGKILL after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.proc.connected) this.proc.disconnect();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private deliver(m: Out): void {
    if (m.type === 'error') {
      this.fail(new BenchChildError(`${this.name}: ${(m as Typed & { message?: string }).message}`));
      return;
    }
    const listener = this.listeners.get(m.type);
    if (listener) {
      listener(m);
      return;
    }
    for (const w of this.waiters) {
      if (w.type === m.type) {
        this.waiters.delete(w);
        w.resolve(m);
        return;
      }
    }
    this.queue.push(m);
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters.clear();
  }
}
