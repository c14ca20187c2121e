import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import type { NameAddr } from '../message/name-addr.ts';
import type { Uri } from '../message/uri.ts';
import type { TimerValues, TransactionLayerApi } from '../transaction/types.ts';
import type { Protocol, Target } from '../transport/types.ts';
import type { Dialog } from './dialog.ts';

/** Where in-dialog requests, ACKs and stray 2xx find their dialog: the UA core. */
export interface DialogRegistry {
  add(dialog: Dialog): void;
  remove(dialog: Dialog): void;
}

/** What dialogs and INVITE sessions get from the user agent that owns them. */
export interface UaContext {
  readonly transactions: TransactionLayerApi;
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly logger: Logger;
  readonly dialogs: DialogRegistry;
  /** The next hop for a URI (RFC 3263, simplified). */
  resolve(uri: Uri): Promise<Target>;
  /** Our Contact for messages over `protocol`: sip:user@publicHost:port;transport=... */
  contact(protocol: Protocol, user?: string): NameAddr;
  /** Uniform in [0, 1): glare back-off and Retry-After (RFC 3261 14); tests inject it. */
  random(): number;
}

/** The key of a dialog in the registry (RFC 3261 12: Call-ID, local tag, remote tag). */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return callId + '\n' + localTag + '\n' + remoteTag;
}
