import { createInterface } from 'node:readline';
import type { ManagedProcess } from '../cps/process-set.ts';

/** One JSON line a helper process prints on stdout; `type` names it. */
export interface LineEvent {
  type: string;
  [field: string]: unknown;
}

/**
 * The command channel of a helper process of the bench (Patchbay, the webhook app): text
 * commands on its stdin, JSON events on its stdout, one per line. Lines that are not JSON
 * objects with a `type` are ignored.
 */
export class LineChannel {
  private waiting: Array<(e: LineEvent | null) => boolean> = [];

  constructor(private readonly proc: ManagedProcess) {
    const stdout = proc.child.stdout;
    if (!stdout) throw new Error(`${proc.name}: stdout is not a pipe`);
    createInterface({ input: stdout }).on('line', (line) => this.onLine(line));
    void proc.exited.then(() => this.flush());
  }

  /** Writes one command line; false when the process is gone. */
  send(command: string): boolean {
    if (!this.proc.running || !this.proc.child.stdin?.writable) return false;
    this.proc.child.stdin.write(`${command}\n`);
    return true;
  }

  /** The next event of `type`, or null after `timeoutMs` or once the process has exited. */
  next(type: string, timeoutMs: number): Promise<LineEvent | null> {
    if (!this.proc.running) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      const waiter = (e: LineEvent | null): boolean => {
        if (e !== null && e.type !== type) return false;
        clearTimeout(timer);
        resolve(e);
        return true;
      };
      this.waiting.push(waiter);
    });
  }

  /** Sends `command` and waits for the event of `type` that answers it. */
  async ask(command: string, type: string, timeoutMs = 5000): Promise<LineEvent | null> {
    const answer = this.next(type, timeoutMs);
    if (!this.send(command)) return null;
    return answer;
  }

  private onLine(line: string): void {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof event !== 'object' || event === null || typeof (event as LineEvent).type !== 'string') return;
    this.waiting = this.waiting.filter((w) => !w(event as LineEvent));
  }

  /** The process is gone: every waiter gets null. */
  private flush(): void {
    for (const w of this.waiting.splice(0)) w(null);
  }
}
