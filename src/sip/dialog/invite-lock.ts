import { SipError } from '../errors.ts';

export type InviteLockState = 'free' | 'client' | 'server' | 'closed';

const MOVES: Readonly<Record<InviteLockState, readonly InviteLockState[]>> = {
  free: ['client', 'server', 'closed'],
  client: ['free', 'closed'],
  server: ['free', 'closed'],
  closed: [],
};

interface Waiter {
  resolve(): void;
  reject(err: SipError): void;
}

/**
 * At most one INVITE transaction at a time on a dialog, in either direction (RFC 3261
 * 14.1, 14.2). Our re-INVITE waits for the lock; an incoming one takes it or is refused
 * (the dialog answers 491 when we hold it as client, 500 + Retry-After when an earlier
 * incoming INVITE still holds it).
 *
 *            acquireClient()          tryServer()
 *   client <----------------- free -----------------> server
 *      |      release()        ^       release()         |
 *      +-----------------------+-------------------------+
 *   close() from any state: closed (waiters rejected)
 */
export class InviteLock {
  private current: InviteLockState = 'free';
  private waiters: Waiter[] = [];

  get state(): InviteLockState {
    return this.current;
  }

  /** Resolves once our INVITE may go; rejects when the dialog ends first. */
  acquireClient(): Promise<void> {
    if (this.current === 'free') {
      this.transition('client');
      return Promise.resolve();
    }
    if (this.current === 'closed') return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
  }

  /** An incoming INVITE: takes the lock when free, else tells who holds it. */
  tryServer(): 'taken' | 'client' | 'server' | 'closed' {
    if (this.current !== 'free') return this.current;
    this.transition('server');
    return 'taken';
  }

  release(): void {
    if (this.current !== 'client' && this.current !== 'server') return;
    this.transition('free');
    const next = this.waiters.shift();
    if (next) {
      this.transition('client');
      next.resolve();
    }
  }

  close(): void {
    if (this.current === 'closed') return;
    this.transition('closed');
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(closedError());
  }

  private transition(to: InviteLockState): void {
    if (!MOVES[this.current].includes(to)) {
      throw new SipError('STATE', `INVITE lock: illegal transition ${this.current} -> ${to}`);
    }
    this.current = to;
  }
}

function closedError(): SipError {
  return new SipError('TERMINATED', 'the dialog ended');
}
