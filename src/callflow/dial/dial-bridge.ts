import type { DialVerb } from '../../../schemas/xml/index.ts';
import type { CallLeg } from '../../calls/call-leg.ts';
import type { HangupSource } from '../../calls/hangup-cause.ts';
import type { BridgeHandle } from '../../calls/transfer/transfer-types.ts';
import type { DtmfEvent } from '../../media/dtmf/types.ts';
import type { MediaBridge, MediaEndpoint } from '../../media/media-engine.ts';
import { type DialRecording, recordOnDialAnswer } from '../record-session.ts';
import type { VerbContext } from '../verb.ts';

export type DialBridgeState = 'bridged' | 'peer-held' | 'over';

/** Why a connected Dial ended. */
export type BridgeEndReason = 'callee' | 'caller' | 'time-limit' | 'star' | 'transferred';

const MOVES: Readonly<Record<DialBridgeState, readonly DialBridgeState[]>> = {
  bridged: ['peer-held', 'over'],
  'peer-held': ['bridged', 'over'],
  over: [],
};

/** What stops a recording started on answer when the Dial is over (made once, no stack per call). */
const DIAL_OVER = Object.freeze(Object.assign(new Error('the Dial is over'), { code: 'DIAL_OVER' as const }));

export class DialBridgeError extends Error {
  override name = 'DialBridgeError';
  constructor(
    readonly code: 'STATE',
    message: string,
  ) {
    super(message);
  }
}

export interface DialBridgeDeps {
  verb: DialVerb;
  ctx: VerbContext;
  /** The caller's keys matched one of digitsMatch (DialAction=digits). */
  onDigitsMatch(match: string): void;
}

export interface BridgeOutcome {
  reason: BridgeEndReason;
  /** The last peer: the winner, or whichever leg a transfer put in its place. */
  peer: CallLeg;
  /** With `transferred`: who took the peer away (detachPeer), for DialBLegHangupSource. */
  detachedBy?: HangupSource;
}

/**
 * A connected `<Dial>`: the caller's leg (A) and the winner (the peer, B) bridged through the
 * media engine until one leaves, timeLimit, or `*` with hangupOnStar (spec 2.5). Meanwhile it
 * is lent to the transfer service (Dialer.transfers) as the call's BridgeHandle: a REFER
 * (RFC 3515) or an INVITE with Replaces (RFC 3891) may put another leg on either side; the
 * media, the digit watch and a recording started on answer follow the new leg, timeLimit and
 * hangupOnStar carry on.
 *
 *   bridged --holdPeer()--> peer-held      (the peer REFERred: its end no longer ends the Dial)
 *      ^                       |
 *      +--- release() ---------+           (the transfer failed: the peer is back)
 *      +--- replacePeer() -----+           (the target took the peer's place)
 *
 *   bridged | peer-held --caller, callee, timeLimit, *, detachPeer()--> over
 *
 * detachPeer() is how a peer leaves still up: a REFER with Replaces joins it to another call
 * (local-join), or the REST API gives it a document of its own (REST 2.9 legs=bleg).
 */
export class DialBridge implements BridgeHandle {
  private current: DialBridgeState = 'bridged';
  private aEndpoint: MediaEndpoint;
  private peerLeg: CallLeg;
  private media: MediaBridge;
  private digits = '';
  private offDigits: () => void = () => {};
  private recording?: DialRecording;
  private recordingStop?: AbortController;
  private detached?: HangupSource;
  private cleanup: () => void = () => {};
  private resolveOver!: (reason: BridgeEndReason) => void;
  private readonly over = new Promise<BridgeEndReason>((resolve) => {
    this.resolveOver = resolve;
  });
  private readonly onCallee = (): void => {
    if (this.current === 'bridged') this.end('callee');
  };
  private readonly onDigit = (e: DtmfEvent): void => {
    const { verb, onDigitsMatch } = this.deps;
    if (verb.hangupOnStar && e.digit === '*') this.end('star');
    this.digits = (this.digits + e.digit).slice(-32);
    const match = verb.digitsMatch.find((p) => this.digits.endsWith(p));
    if (match) {
      this.digits = '';
      onDigitsMatch(match);
    }
  };

  /** Bridges the call's endpoint with the winner's at once (the callbacks follow). */
  constructor(
    private readonly deps: DialBridgeDeps,
    winner: CallLeg,
  ) {
    this.aEndpoint = deps.ctx.endpoint;
    this.peerLeg = winner;
    this.media = deps.ctx.engine.bridge(this.aEndpoint, winner.endpoint);
  }

  get state(): DialBridgeState {
    return this.current;
  }

  get peer(): CallLeg {
    return this.peerLeg;
  }

  /**
   * Runs until the Dial is over: then the media are unbridged, the recording ends, and the
   * peer gets BYE unless it left for another call (detachPeer).
   */
  async run(): Promise<BridgeOutcome> {
    const { verb, ctx } = this.deps;
    if (verb.record) {
      this.recordingStop = new AbortController();
      this.recording = recordOnDialAnswer(
        verb.record,
        { a: this.aEndpoint, b: this.peerLeg.endpoint },
        ctx,
        this.recordingStop.signal,
      );
    }
    this.offDigits = this.aEndpoint.onDtmf(this.onDigit);
    const unregister = ctx.dialer.transfers?.bridged(ctx.callUuid, this) ?? (() => {});
    const timer = ctx.clock.setTimer(verb.timeLimit * 1000, () => this.end('time-limit'));
    const onCaller = (): void => this.end('caller');
    ctx.signal.addEventListener('abort', onCaller, { once: true });
    this.peerLeg.on('end', this.onCallee);
    this.cleanup = () => {
      timer.cancel();
      this.offDigits();
      ctx.signal.removeEventListener('abort', onCaller);
      this.peerLeg.off('end', this.onCallee);
    };
    if (this.peerLeg.ended || ctx.signal.aborted) this.end(this.peerLeg.ended ? 'callee' : 'caller');
    const reason = await this.over;
    unregister();
    this.media.destroy();
    this.recordingStop?.abort(DIAL_OVER);
    if (!this.detached) await this.peerLeg.hangup();
    return { reason, peer: this.peerLeg, ...(this.detached ? { detachedBy: this.detached } : {}) };
  }

  // --- BridgeHandle: what the transfer service may do while the Dial is connected ---

  callLegReplaced(leg: CallLeg): void {
    this.assertUp('callLegReplaced');
    this.aEndpoint = leg.endpoint;
    this.offDigits();
    this.offDigits = this.aEndpoint.onDtmf(this.onDigit);
    this.rebridge();
    this.recording?.follow('a', leg.endpoint);
  }

  holdPeer(): { release(): void } {
    this.transition('peer-held');
    return {
      release: () => {
        if (this.current !== 'peer-held') return;
        this.transition('bridged');
        if (this.peerLeg.ended) this.end('callee');
      },
    };
  }

  replacePeer(leg: CallLeg): void {
    this.assertUp('replacePeer');
    this.peerLeg.off('end', this.onCallee);
    this.peerLeg = leg;
    if (this.current === 'peer-held') this.transition('bridged');
    leg.on('end', this.onCallee);
    this.rebridge();
    this.recording?.follow('b', leg.endpoint);
    if (leg.ended) this.end('callee');
  }

  detachPeer(by: HangupSource = 'Vobiz'): void {
    // Also just after the Dial ended otherwise, before run() released the peer: it stays up.
    this.detached ??= by;
    this.end('transferred');
    // Unbridged at once: the peer's new owner may play to it before run() gets its turn.
    this.media.destroy();
  }

  private rebridge(): void {
    this.media.destroy();
    this.media = this.deps.ctx.engine.bridge(this.aEndpoint, this.peerLeg.endpoint);
  }

  private end(reason: BridgeEndReason): void {
    if (this.current === 'over') return;
    this.transition('over');
    this.cleanup();
    this.resolveOver(reason);
  }

  private assertUp(what: string): void {
    if (this.current === 'over') throw new DialBridgeError('STATE', `${what}: the Dial is over`);
  }

  private transition(to: DialBridgeState): void {
    if (!MOVES[this.current].includes(to)) {
      throw new DialBridgeError('STATE', `Dial bridge: illegal ${this.current} -> ${to}`);
    }
    this.current = to;
  }
}
