import type { Clock, TimerHandle } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import { SipError } from '../errors.ts';
import type { WireMessage } from '../message/frozen-message.ts';
import type { SipRequest } from '../message/message.ts';
import type { Source, Target } from '../transport/types.ts';
import type { ClientTransactionUser, MessageSender, TimerValues } from './types.ts';

/** What every transaction gets from the layer that owns it. */
export interface TransactionContext {
  readonly sender: MessageSender;
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly logger: Logger;
  /** Called once when a transaction reaches Terminated: the owner drops it from its maps. */
  release(tx: BaseTransaction): void;
}

/**
 * What the four state machines share: the context, the reliability of the transport, sends
 * whose failures come back as a transport-error input, and guarded calls into the TU.
 */
export abstract class BaseTransaction {
  readonly id: string;
  protected readonly ctx: TransactionContext;
  /** Reliable transports: no retransmission timers, zero-length wait timers (17.1.1.2, 17.1.2.2, 17.2.1, 17.2.2). */
  protected readonly reliable: boolean;
  /** One bound handler per transaction, not a closure per send. */
  private readonly sendFailed = (err: unknown): void => {
    this.onTransportError(asTransportError(err));
  };

  constructor(ctx: TransactionContext, id: string, protocol: Target['protocol']) {
    this.ctx = ctx;
    this.id = id;
    this.reliable = ctx.sender.isReliable(protocol);
  }

  abstract readonly state: string;

  /** Input: the transport layer could not send a message of this transaction (17.1.4, 17.2.4). */
  protected abstract onTransportError(err: SipError): void;

  /**
   * Ends the transaction whatever its state, without notifying the peer: the layer is
   * closing. Cancels every timer.
   */
  abstract destroy(): void;

  protected sendRequest(req: SipRequest, target: Target): void {
    let p: Promise<void>;
    try {
      p = this.ctx.sender.sendRequest(req, target);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.catch(this.sendFailed);
  }

  protected sendResponse(res: WireMessage, source: Source): void {
    let p: Promise<void>;
    try {
      p = this.ctx.sender.sendResponse(res, source);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.catch(this.sendFailed);
  }

  protected setTimer(ms: number, fn: () => void): TimerHandle {
    return this.ctx.clock.setTimer(ms, fn);
  }

  /** Asserts that `to` is one of the moves the diagram allows from the current state. */
  protected assertMove(moves: Readonly<Record<string, readonly string[]>>, to: string): void {
    if (!moves[this.state].includes(to)) {
      throw new SipError(
        'STATE',
        `${this.constructor.name} ${this.id}: illegal transition ${this.state} -> ${to}`,
      );
    }
    if (this.ctx.logger.isLevelEnabled('debug')) {
      this.ctx.logger.debug({ tx: this.id, from: this.state, to }, 'transaction state');
    }
  }

  /** Tells a client TU that its transaction ended: `onError` first when it failed, then `onTerminated`. */
  protected notifyEnd(user: ClientTransactionUser, err: SipError | undefined): void {
    if (err) {
      try {
        user.onError(err);
      } catch (e) {
        this.userThrew(e);
      }
    }
    try {
      user.onTerminated?.();
    } catch (e) {
      this.userThrew(e);
    }
  }

  /** A TU callback threw: logged, and the machine carries on (a TU bug must not leave it half-way). */
  protected userThrew(err: unknown): void {
    this.ctx.logger.error({ err, tx: this.id }, 'transaction user threw');
  }
}

export function asTransportError(err: unknown): SipError {
  if (err instanceof SipError) return err;
  return new SipError('TRANSPORT', err instanceof Error ? err.message : String(err));
}

export function cancelTimer(t: TimerHandle | undefined): undefined {
  t?.cancel();
  return undefined;
}
