import { ALLOW_HEADER, APP_ANSWER_T1, capabilityHeaders } from '../dialog/capabilities.ts';
import type { Dialog } from '../dialog/dialog.ts';
import { applyContent } from '../dialog/message-content.ts';
import { OutgoingResponse, type ResponseOptions, type ResponseSink } from '../dialog/outgoing-response.ts';
import { type DialogRegistry, dialogKey, type UaContext } from '../dialog/ua-context.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { newTag } from '../transaction/ids.ts';
import type { ServerTransaction, TransactionCore } from '../transaction/types.ts';
import type { Source } from '../transport/types.ts';
import { checkRequest } from './request-checks.ts';
import type { Uac, UacRegistry } from './uac.ts';
import { Uas } from './uas.ts';

/** The application's handler of a new INVITE: answer through `uas`. */
export type InviteHandler = (req: SipRequest, uas: Uas) => void | Promise<void>;
/** The application's handler of another request outside a dialog: answer with `res.send()`. */
export type RequestHandler = (req: SipRequest, res: OutgoingResponse) => void | Promise<void>;

/** Counters of what the core refused or could not place. */
export interface UaCoreStats {
  /** Requests refused by the RFC 3261 8.2 checks (416, 420, 415, 483, 501 ...). */
  rejected: number;
  /** Requests with a To tag that matched no dialog: 481 (12.2.2). */
  noDialog: number;
  /** ACKs that matched no dialog waiting for one. */
  strayAcks: number;
  /** Responses that matched no transaction and no dialog. */
  strayResponses: number;
}

/**
 * The UA core of RFC 3261 8.2 and 12: the transaction layer's core. It refuses what
 * checkRequest() refuses, hands requests with a To tag to their dialog (481 when none,
 * 12.2.2; held when a pending UAC is about to create it), new INVITEs to `onInvite`, OPTIONS
 * to `onOptions` (default 200 with Allow, Accept, Supported), other requests to `onRequest`
 * (default 405), 2xx ACKs to their dialog, CANCEL to its UAS, stray 2xx to their dialog.
 */
export class UaCore implements TransactionCore, DialogRegistry, UacRegistry, ResponseSink {
  readonly stats: UaCoreStats = { rejected: 0, noDialog: 0, strayAcks: 0, strayResponses: 0 };
  inviteHandler?: InviteHandler;
  optionsHandler?: RequestHandler;
  requestHandler?: RequestHandler;
  private ctx!: UaContext;
  private readonly dialogs = new Map<string, Dialog>();
  private readonly uasByTx = new Map<ServerTransaction, Uas>();
  private readonly uacs = new Map<string, Uac>();

  /** The context holds this core as its registry, hence set after construction. */
  bind(ctx: UaContext): void {
    this.ctx = ctx;
  }

  get dialogCount(): number {
    return this.dialogs.size;
  }

  add(dialog: Dialog): void {
    this.dialogs.set(dialog.key, dialog);
  }

  /** The dialog with this id (RFC 3261 12), e.g. the one a Replaces header names (RFC 3891 3). */
  find(callId: string, localTag: string, remoteTag: string): Dialog | undefined {
    return this.dialogs.get(dialogKey(callId, localTag, remoteTag));
  }

  remove(dialog: Dialog): void {
    if (this.dialogs.get(dialog.key) === dialog) this.dialogs.delete(dialog.key);
  }

  addUac(uac: Uac): void {
    this.uacs.set(uac.callId + '\n' + uac.localTag, uac);
  }

  removeUac(uac: Uac): void {
    const key = uac.callId + '\n' + uac.localTag;
    if (this.uacs.get(key) === uac) this.uacs.delete(key);
  }

  onRequest(req: SipRequest, tx: ServerTransaction): void {
    const rejection = checkRequest(req);
    if (rejection) {
      this.stats.rejected++;
      this.reply(req, tx, rejection.status, rejection);
      return;
    }
    const toTag = req.to.tag;
    if (toTag !== undefined) {
      this.inDialog(req, tx, toTag);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        this.newInvite(req, tx);
        return;
      case 'OPTIONS':
        this.toApplication(req, tx, this.optionsHandler, (res) =>
          res.send(200, { headers: capabilityHeaders() }),
        );
        return;
      case 'BYE':
      case 'UPDATE':
      case 'PRACK':
        this.stats.noDialog++;
        this.reply(req, tx, 481); // only meaningful inside a dialog (15.1.2)
        return;
      default:
        this.toApplication(req, tx, this.requestHandler, (res) => res.send(405));
    }
  }

  onAck(ack: SipRequest, _source: Source): void {
    const d = this.dialogs.get(dialogKey(ack.callId, ack.to.tag ?? '', ack.from.tag ?? ''));
    if (d) d.receiveAck(ack);
    else this.stats.strayAcks++;
  }

  onCancel(cancel: SipRequest, invite: ServerTransaction): void {
    const uas = this.uasByTx.get(invite);
    if (uas) {
      uas.receiveCancel(cancel);
      return;
    }
    // A re-INVITE: its dialog answers 487 in the application's place.
    const req = invite.request;
    const toTag = req.to.tag;
    if (toTag !== undefined)
      this.dialogs.get(dialogKey(req.callId, toTag, req.from.tag ?? ''))?.receiveCancel(invite);
  }

  /**
   * A 2xx to an INVITE after its transaction ended: the dialog's ACK again (13.2.2.4).
   * One for no dialog is counted and dropped: we do not ACK what we cannot place.
   */
  onStrayResponse(res: SipResponse, _source: Source): void {
    if (res.cseq.method === 'INVITE' && res.status >= 200 && res.status < 300) {
      const d = this.dialogs.get(dialogKey(res.callId, res.from.tag ?? '', res.to.tag ?? ''));
      if (d) {
        d.resendAck(res);
        return;
      }
    }
    this.stats.strayResponses++;
  }

  /** Ends every dialog and pending INVITE without signalling: the user agent is closing. */
  shutdown(): void {
    for (const d of [...this.dialogs.values()]) d.finish({ cause: 'shutdown' });
    for (const uas of [...this.uasByTx.values()]) {
      if (uas.state === 'proceeding' || uas.state === 'early') uas.reject(503);
    }
    this.uasByTx.clear();
    this.uacs.clear();
  }

  private inDialog(req: SipRequest, tx: ServerTransaction, toTag: string): void {
    const d = this.dialogs.get(dialogKey(req.callId, toTag, req.from.tag ?? ''));
    if (d) {
      d.receiveRequest(req, tx);
      return;
    }
    if (this.uacs.get(req.callId + '\n' + toTag)?.hold(req, tx)) return;
    this.stats.noDialog++;
    this.reply(req, tx, 481);
  }

  private newInvite(req: SipRequest, tx: ServerTransaction): void {
    const uas = new Uas(this.ctx, tx);
    this.index(uas, tx);
    const handler = this.inviteHandler;
    if (!handler) {
      uas.reject(480);
      return;
    }
    const failed = (err: unknown): void => {
      this.ctx.logger.error({ err, callId: req.callId }, 'the INVITE handler failed');
      if (uas.state === 'proceeding' || uas.state === 'early') uas.reject(500);
    };
    try {
      const out = handler(req, uas);
      if (out) out.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  /**
   * Finds the Uas of an INVITE transaction (for its CANCEL) until the INVITE is settled or
   * the transaction ends. Apart from newInvite, so that these closures hold no more than
   * the transaction: an Accepted transaction lingers 64*T1 (RFC 6026 8.7).
   */
  private index(uas: Uas, tx: ServerTransaction): void {
    this.uasByTx.set(tx, uas);
    const forget = (): void => {
      this.uasByTx.delete(tx);
    };
    uas.onSettled = forget;
    tx.onTerminated(forget);
  }

  /** Hands a request to an application handler, or answers by default; unanswered in 60*T1 -> 500. */
  private toApplication(
    req: SipRequest,
    tx: ServerTransaction,
    handler: RequestHandler | undefined,
    byDefault: (res: OutgoingResponse) => void,
  ): void {
    const res = new OutgoingResponse(req, tx, this, newTag());
    if (!handler) {
      byDefault(res);
      return;
    }
    res.guard = this.ctx.clock.setTimer(APP_ANSWER_T1 * this.ctx.timers.T1, () => {
      this.ctx.logger.warn({ method: req.method }, 'the application did not answer: 500');
      res.abandon(500);
    });
    const failed = (err: unknown): void => {
      this.ctx.logger.error({ err, method: req.method }, 'request handler failed');
      res.abandon(500);
    };
    try {
      const out = handler(req, res);
      if (out) out.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  /** (ResponseSink) An application's answer to a request outside any dialog. */
  deliver(res: OutgoingResponse, status: number, opts: ResponseOptions): void {
    this.reply(res.request, res.transaction, status, opts, res.toTag);
  }

  /** A response outside any dialog: a fresh To tag (8.2.6.2), Allow on 405 (8.2.1). */
  private reply(
    req: SipRequest,
    tx: ServerTransaction,
    status: number,
    opts: ResponseOptions = {},
    toTag = newTag(),
  ): void {
    const res = createResponse(req, status, { toTag, reason: opts.reason });
    if (status === 405) res.set('Allow', ALLOW_HEADER);
    applyContent(res, opts);
    tx.respond(res);
  }
}
