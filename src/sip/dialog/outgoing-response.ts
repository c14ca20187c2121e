import type { TimerHandle } from '../../util/clock.ts';
import { SipError } from '../errors.ts';
import type { SipRequest } from '../message/message.ts';
import type { ServerTransaction } from '../transaction/types.ts';
import type { MessageContent } from './message-content.ts';

export interface ResponseOptions extends MessageContent {
  /** Reason phrase; the default one for the status otherwise. */
  reason?: string;
}

/** Who builds and sends the responses of an OutgoingResponse: a dialog, or the UA core. */
export interface ResponseSink {
  deliver(res: OutgoingResponse, status: number, opts: ResponseOptions): void;
}

/**
 * The answer side of a request handed to the application (`(req, res)` of the dialog
 * events and of the UA's handlers): `send()` provisionals, then exactly one final response.
 */
export class OutgoingResponse {
  /** @internal Armed by the owner while the application owes the final response. */
  guard?: TimerHandle;
  private final = false;
  private abandoned = false;

  constructor(
    readonly request: SipRequest,
    /** @internal */
    readonly transaction: ServerTransaction,
    private readonly sink: ResponseSink,
    /** @internal The To tag of responses outside a dialog (8.2.6.2): one for all of them. */
    readonly toTag?: string,
  ) {}

  /** Whether a final response has been sent. */
  get sent(): boolean {
    return this.final;
  }

  send(status: number, opts: ResponseOptions = {}): void {
    if (this.abandoned) return; // the stack answered already (dialog ended, no answer in time)
    if (!Number.isInteger(status) || status < 101 || status > 699) {
      throw new SipError('STATE', `not a status that can be sent: ${status}`);
    }
    if (this.final) throw new SipError('STATE', `${this.request.method}: a final response was already sent`);
    this.deliver(status, opts);
  }

  /**
   * The stack answers in the application's place (RFC 3261 15.1.2: 487 once the dialog
   * ended; 500 when no answer came in time); later send() calls are ignored.
   */
  abandon(status: number, opts: ResponseOptions = {}): void {
    if (this.final || this.abandoned) return;
    this.abandoned = true;
    this.deliver(status, opts);
  }

  private deliver(status: number, opts: ResponseOptions): void {
    if (status >= 200) {
      this.final = true;
      this.guard?.cancel();
      this.guard = undefined;
    }
    this.sink.deliver(this, status, opts);
  }
}
