import type { PlayVerb, SpeakVerb, WaitVerb } from '../../schemas/xml/index.ts';
import type { Dialer } from '../calls/dialer.ts';
import type { HangupCauseKey, HangupSource } from '../calls/hangup-cause.ts';
import type { MediaEndpoint, MediaEngine } from '../media/media-engine.ts';
import type { CallStreams } from '../media/stream/call-streams.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';

export type HttpMethod = 'GET' | 'POST';

/** Webhook form fields: name -> value. */
export type WebhookParams = Record<string, string>;

/**
 * What a verb needs from the call before it runs; the call supplies it.
 * - none: nothing (Redirect, Hangup; Wait before answer keeps the caller ringing)
 * - early: a media session before answer (183 Session Progress with SDP: PreAnswer)
 * - answered: an answered call (200 OK with SDP)
 */
export type VerbNeed = 'none' | 'early' | 'answered';

/** How a verb hands control back to the document runner. */
export type VerbOutcome =
  | { kind: 'next' }
  /** Fetch a new document: it replaces the rest of this one (Redirect, action with redirect="true"). */
  | { kind: 'fetch'; url: string; method: HttpMethod; params: WebhookParams; purpose: FetchPurpose }
  /** End the call. `reject` applies when the call is not answered yet (Hangup reason). */
  | { kind: 'hangup'; cause: HangupCauseKey; source: HangupSource; reject?: 'rejected' | 'busy' };

/** Why a document is fetched; it picks the hangup cause when the fetch or the XML fails. */
export type FetchPurpose = 'answer' | 'action' | 'redirect' | 'transfer';

export const NEXT: VerbOutcome = Object.freeze({ kind: 'next' });

/** Where a recording goes and how the customer downloads it. */
export interface RecordingTarget {
  readonly id: string;
  /** Absolute path of the file to write. */
  readonly file: string;
  /** The RecordUrl given to the customer. */
  readonly url: string;
}

export interface RecordingFiles {
  /** A new recording of `callUuid` in `format` (the file is written as WAV whatever the request). */
  allocate(callUuid: string, format: 'wav' | 'mp3'): RecordingTarget;
  /** The file is complete (indexed for the Recording API). */
  completed?(callUuid: string, done: CompletedRecording): void;
}

/** A finished recording file. */
export interface CompletedRecording {
  target: RecordingTarget;
  format: 'wav' | 'mp3';
  /** Epoch ms. */
  startMs: number;
  endMs: number;
  durationMs: number;
}

/** Choices where the dialect's sources disagree (spec 2.4, 4); set in the configuration. */
export interface CallflowSettings {
  /** Gather: request `action` with empty Digits when no input came (Agent-Skills' reading); default false: run the next verb. */
  gatherActionOnEmpty: boolean;
  /** An answered call whose peer sends no RTP this long ends (6020); 0 or absent: never. */
  mediaTimeoutMs?: number;
}

/** Everything a verb may use. The call behind it stays out of reach. */
export interface VerbContext {
  readonly callUuid: string;
  /** The caller's media; set up (early or answered) as the verb's `needs` asked. */
  readonly endpoint: MediaEndpoint;
  readonly engine: MediaEngine;
  /** Aborts when the call ends (or the live-call API cuts the verb short). */
  readonly signal: AbortSignal;
  /**
   * Aborts only when the call ends, not when a transfer cuts the verb short: for what lasts
   * until hangup whatever documents follow (recordSession). Absent: `signal` stands in.
   */
  readonly callSignal?: AbortSignal;
  /**
   * Calls `listener` with the new leg's media each time a transfer (REFER, RFC 3515; INVITE
   * with Replaces, RFC 3891) puts another leg in the caller's place; returns the way to stop.
   */
  onLegReplaced?(listener: (endpoint: MediaEndpoint) => void): () => void;
  readonly clock: Clock;
  readonly log: Logger;
  readonly recordings: RecordingFiles;
  readonly settings: CallflowSettings;
  /** Whether the call has been answered (200 OK sent). */
  readonly answered: boolean;
  /** The standard webhook parameters of the call as it is now (CallUUID, From, To, Direction, CallStatus, ...). */
  params(): WebhookParams;
  /**
   * A notification that expects no XML (callbackUrl, an action with redirect="false"): sent
   * with the standard parameters plus `extra`, retried per the webhook policy, failures
   * logged. Resolves when delivered or given up; never rejects.
   */
  notify(url: string, method: HttpMethod, extra: WebhookParams): Promise<void>;
  /**
   * Work that outlives the verb but not the call (recordSession, DTMF async): the call
   * waits for it at hangup, so callbacks it sends still go out.
   */
  background(task: Promise<unknown>): void;
  /** Ends the call (normal hangup by the document) in `ms`, while the next verbs run (Hangup schedule). */
  scheduleHangup(ms: number): void;
  /** Answers the call now if it is not yet (Dial answers when its B-leg does). */
  answer(): Promise<void>;
  /**
   * Early media now (183 with our SDP) if the call is neither answered nor early yet: for a
   * verb that plays to a caller it has not answered only once it has something to play
   * (Dial's ringback). False when the call is over.
   */
  preAnswer(): boolean;
  /** Places B-legs (Dial). */
  readonly dialer: Dialer;
  /**
   * A document of prompts (confirmSound, dialMusic, waitSound): only its Play, Speak and Wait
   * are kept (spec 2.0.1); an unreachable or invalid one gives an empty list (logged).
   */
  loadSound(url: string, method: HttpMethod): Promise<Array<SpeakVerb | PlayVerb | WaitVerb>>;
  /**
   * The call's WebSocket streams, shared with the live-call API (REST Stream routes) so that
   * both see and stop the same ones. Absent: the Stream verb keeps its own per endpoint.
   */
  readonly streams?: CallStreams;
}

/** One verb: what it needs and how it runs. One file per verb under ./verbs/. */
export interface VerbHandler<V> {
  readonly needs: VerbNeed | ((verb: V, ctx: { answered: boolean; first: boolean }) => VerbNeed);
  run(verb: V, ctx: VerbContext): Promise<VerbOutcome>;
}

/**
 * Hands the call to an element's `action` (spec 1.2 step 5): with redirect="true" its
 * document replaces the rest of this one; with "false", or when the caller is gone, the
 * action is only notified (in the background, so the hangup URL waits for it) and the next
 * verb runs.
 */
export function toAction(
  ctx: VerbContext,
  action: { url: string; method: HttpMethod; redirect: boolean },
  extra: WebhookParams,
): VerbOutcome {
  if (!action.redirect || ctx.signal.aborted) {
    ctx.background(ctx.notify(action.url, action.method, extra));
    return NEXT;
  }
  return {
    kind: 'fetch',
    url: action.url,
    method: action.method,
    params: { ...ctx.params(), ...extra },
    purpose: 'action',
  };
}

/** Resolves after `ms` on the context's clock, or when the signal aborts (returns false then). */
export function pause(ctx: Pick<VerbContext, 'clock' | 'signal'>, ms: number): Promise<boolean> {
  if (ctx.signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      timer.cancel();
      resolve(false);
    };
    const timer = ctx.clock.setTimer(ms, () => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}
