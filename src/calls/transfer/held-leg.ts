import { EventEmitter } from 'node:events';
import type { MediaEndpoint } from '../../media/media-engine.ts';
import type { Dialog } from '../../sip/dialog/dialog.ts';
import type { CallLeg, LegEnd, LegReject } from '../call-leg.ts';

/**
 * The call's leg while a transfer away from it is under way (a REFER from the caller, RFC
 * 3515): it stands in the Call for the referrer, whose media and dialog it lends, but the
 * referrer hanging up no longer ends the call - a blind transferor often sends BYE right
 * after the 202. The transfer then puts the target's leg in its place, or the referrer back.
 * It never emits 'end' itself.
 */
export class HeldLeg extends EventEmitter<{ end: [end: LegEnd] }> implements CallLeg {
  constructor(readonly referrer: CallLeg) {
    super();
  }

  get endpoint(): MediaEndpoint {
    return this.referrer.endpoint;
  }

  get ended(): LegEnd | undefined {
    return undefined;
  }

  get sipDialog(): Dialog | undefined {
    return this.referrer.sipDialog;
  }

  answer(): Promise<void> {
    return this.referrer.answer();
  }

  preAnswer(): void {
    this.referrer.preAnswer();
  }

  hangup(reject?: LegReject): Promise<void> {
    return this.referrer.hangup(reject);
  }
}
