import type { MediaEndpoint } from '../media/media-engine.ts';
import type { Dialog } from '../sip/dialog/dialog.ts';

/** How a leg ended, as the call needs it for the hangup cause. */
export interface LegEnd {
  /** Who ended it: we did (reject, BYE), or the peer (CANCEL, BYE), or the SIP layer gave up. */
  by: 'local' | 'remote' | 'failure';
  /** The SIP status of a rejection or failure, when there is one. */
  status?: number;
  detail: string;
}

/** A SIP answer for a leg that was never answered. */
export interface LegReject {
  status: number;
  reason?: string;
}

/**
 * What a Call needs of the leg it talks to: the caller's leg of an inbound call, the callee's
 * leg of an API call, or whichever leg a transfer put in their place.
 */
export interface CallLeg {
  readonly endpoint: MediaEndpoint;
  readonly ended: LegEnd | undefined;
  /** The dialog once there is one (in-dialog requests such as REFER go through it). */
  readonly sipDialog: Dialog | undefined;
  /** Resolves once the leg is answered. Idempotent. */
  answer(): Promise<void>;
  /** Early media, where the leg can have it. */
  preAnswer(): void;
  /** Ends the leg: `reject` before answer, BYE after. Idempotent. */
  hangup(reject?: LegReject): Promise<void>;
  on(event: 'end', listener: (end: LegEnd) => void): unknown;
  off(event: 'end', listener: (end: LegEnd) => void): unknown;
}
