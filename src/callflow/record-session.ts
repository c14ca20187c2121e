import type { RecordVerb } from '../../schemas/xml/index.ts';
import type { MediaEndpoint } from '../media/media-engine.ts';
import type { RecordInput, RecordingEndReason } from '../media/record/recorder.ts';
import { FollowingInput } from './dial/following-input.ts';
import type { RecordingTarget, VerbContext, WebhookParams } from './verb.ts';

/** `RecordingEndReason` as the webhooks spell it (spec 2.8). */
export type RecordEndReasonParam = 'RecordingTimeout' | 'maxLength' | 'FinishedOnKey' | 'HungUp';

/** What the recorder reported, in the dialect's terms. `error` has no name there: no callbacks then. */
const END_REASONS: Readonly<Record<RecordingEndReason, RecordEndReasonParam | undefined>> = {
  silence: 'RecordingTimeout',
  'max-length': 'maxLength',
  dtmf: 'FinishedOnKey',
  hangup: 'HungUp',
  // The recorder is stopped by the call's signal: the call ended.
  stopped: 'HungUp',
  error: undefined,
};

/** How to record: which audio, and what ends it (the caller's end always does). */
export interface RecordingPlan {
  inputs: RecordInput[];
  /** Two inputs mixed into one channel. */
  mono: boolean;
  maxLengthMs?: number;
  silenceTimeoutMs?: number;
  /** Keys that end the recording; '' or absent: none. */
  finishOnKey?: string;
  /** Plays first (the beep); the recording starts when it ends. */
  before?: Promise<unknown>;
  /** Ends the recording too (a Dial's bridge that ends before the call). */
  until?: AbortSignal;
}

/** A finished recording: the file is complete. */
export interface RecordingReport {
  target: RecordingTarget;
  reason: RecordEndReasonParam;
  /** The key that ended it, or ''. */
  digits: string;
  /** Epoch ms. */
  startMs: number;
  endMs: number;
  durationMs: number;
}

export type RecordingContext = Pick<
  VerbContext,
  'callUuid' | 'engine' | 'recordings' | 'log' | 'signal' | 'notify' | 'background'
>;

/** The parameters of `action` and `callbackUrl` (spec 2.8). */
export function recordingParams(r: RecordingReport): WebhookParams {
  return {
    RecordUrl: r.target.url,
    RecordingID: r.target.id,
    RecordingDuration: String(Math.round(r.durationMs / 1000)),
    RecordingDurationMs: String(Math.round(r.durationMs)),
    RecordingStartMs: String(r.startMs),
    RecordingEndMs: String(r.endMs),
    RecordingEndReason: r.reason,
    Digits: r.digits,
  };
}

/** Calls already told about a Record attribute that is not honoured, per message. */
const told = new WeakMap<AbortSignal, Set<string>>();

function once(ctx: RecordingContext, key: string): boolean {
  const seen = told.get(ctx.signal) ?? new Set<string>();
  told.set(ctx.signal, seen);
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

/**
 * Records `plan` into a new file of the call. callbackUrl hears `Event=Record` when the
 * recording starts (after the beep) and `Event=RecordStop` once the file is complete, with
 * the same parameters as the action (spec 2.8, "Record event callbacks"); both go through
 * ctx.background, so a call that ends meanwhile still sends them. Resolves with the report,
 * or undefined when the file could not be written (logged, no callbacks).
 */
export async function runRecording(
  verb: RecordVerb,
  plan: RecordingPlan,
  ctx: RecordingContext,
): Promise<RecordingReport | undefined> {
  if (verb.fileFormat === 'mp3' && once(ctx, 'mp3')) {
    ctx.log.info(
      { at: verb.path },
      'Record fileFormat="mp3": recordings are written as WAV, the RecordUrl ends in .wav',
    );
  }
  if (verb.transcriptionUrl !== undefined && once(ctx, 'transcription')) {
    ctx.log.warn(
      { code: 'TRANSCRIPTION_NOT_SUPPORTED', at: verb.path },
      'Record transcriptionUrl: no transcription provider is configured, no transcription is sent',
    );
  }
  const target = ctx.recordings.allocate(ctx.callUuid, verb.fileFormat);
  const signal = plan.until ? AbortSignal.any([ctx.signal, plan.until]) : ctx.signal;
  let startMs = Date.now();
  try {
    const recording = await ctx.engine.record({
      file: target.file,
      inputs: plan.inputs,
      mono: plan.mono,
      ...(plan.maxLengthMs !== undefined ? { maxLengthMs: plan.maxLengthMs } : {}),
      ...(plan.silenceTimeoutMs !== undefined ? { silenceTimeoutMs: plan.silenceTimeoutMs } : {}),
      ...(plan.finishOnKey ? { finishOnKey: plan.finishOnKey } : {}),
      ...(plan.before ? { before: plan.before } : {}),
      signal,
    });
    let begun = false;
    let finished = false;
    const begin = () => {
      if (begun || finished) return;
      begun = true;
      startMs = Date.now();
      if (verb.callbackUrl !== undefined && !signal.aborted) {
        const params = {
          RecordUrl: target.url,
          RecordingID: target.id,
          RecordingStartMs: String(startMs),
          Digits: '',
        };
        ctx.background(ctx.notify(verb.callbackUrl, verb.callbackMethod, { ...params, Event: 'Record' }));
      }
    };
    if (plan.before) plan.before.then(begin, begin);
    else begin();
    const result = await recording.done;
    finished = true;
    // Ended before it began (a key or a hangup during the beep): it lasted nothing.
    if (!begun) startMs = Date.now();
    const reason = END_REASONS[result.reason];
    if (reason === undefined) {
      ctx.log.error(
        { code: 'RECORDING_FAILED', at: verb.path, err: result.error },
        'the recording could not be written',
      );
      return undefined;
    }
    const report: RecordingReport = {
      target,
      reason,
      digits: result.digit ?? '',
      startMs,
      endMs: Date.now(),
      durationMs: result.durationMs,
    };
    ctx.log.info(
      { at: verb.path, id: target.id, reason, ms: Math.round(result.durationMs) },
      'recording ended',
    );
    ctx.recordings.completed?.(ctx.callUuid, { ...report, format: verb.fileFormat });
    if (verb.callbackUrl !== undefined) {
      const params = { ...recordingParams(report), Event: 'RecordStop' };
      ctx.background(ctx.notify(verb.callbackUrl, verb.callbackMethod, params));
    }
    return report;
  } catch (err) {
    ctx.log.error({ code: 'RECORDING_FAILED', at: verb.path, err }, 'the recording could not be started');
    return undefined;
  }
}

/**
 * A recording that runs beside the call flow (recordSession, Record inside Dial): when it
 * ends, the action is only notified, whatever `redirect` says, since the flow has moved on
 * (or the call is over). The call waits for it at hangup.
 */
export function recordInBackground(verb: RecordVerb, plan: RecordingPlan, ctx: RecordingContext): void {
  const task = runRecording(verb, plan, ctx).then(async (report) => {
    if (report) await ctx.notify(verb.action, verb.method, recordingParams(report));
  });
  ctx.background(task);
}

/** A Dial's recording of its two parties, which follows them across transfers. */
export interface DialRecording {
  /**
   * Another leg took the place of party `a` (the caller's side, left) or `b` (the callee's
   * side, right): the recording goes on with that leg's audio (RFC 3515 / RFC 3891 transfers).
   */
  follow(side: 'a' | 'b', endpoint: MediaEndpoint): void;
}

/**
 * `<Record startOnDialAnswer="true">` inside `<Dial>` (spec 2.8): the Dial calls this when
 * the B leg answers. Both parties are recorded, one per channel (caller left, callee right),
 * until the call ends or `until` aborts (the Dial's bridge ended: either party hung up,
 * timeLimit ...); the end reason is HungUp. A party replaced by a transfer is followed
 * (DialRecording.follow): its channel then carries the new party, and the old leg's hangup
 * does not end the recording.
 */
export function recordOnDialAnswer(
  verb: RecordVerb,
  legs: { a: MediaEndpoint; b: MediaEndpoint },
  ctx: RecordingContext,
  until?: AbortSignal,
): DialRecording {
  const a = new FollowingInput(ctx.engine, legs.a, 'in');
  const b = new FollowingInput(ctx.engine, legs.b, 'in');
  // Without `until` nothing ends it for the legs: the first original leg that goes away does.
  const stop = until ?? firstClosed([legs.a, legs.b]);
  recordInBackground(verb, { inputs: [a, b], mono: false, until: stop }, ctx);
  return {
    follow: (side, endpoint) => (side === 'a' ? a : b).follow(endpoint),
  };
}

/** Aborts once any of `endpoints` is closed. */
function firstClosed(endpoints: MediaEndpoint[]): AbortSignal {
  const ac = new AbortController();
  for (const ep of endpoints) void ep.whenClosed.then(() => ac.abort());
  return ac.signal;
}

/** The two directions of the caller's leg, following it across transfers; stop() lets go. */
export interface CallerInputs {
  /** What the caller says, then what the caller hears. */
  inputs: [FollowingInput, FollowingInput];
  stop(): void;
}

/**
 * The caller's audio both ways, on whichever leg is the caller's: when a transfer puts
 * another leg in its place (`onLegReplaced`), the inputs tap the new leg from then on, so a
 * recording carries the new party instead of ending with the one that left.
 */
export function followCaller(
  engine: RecordingContext['engine'],
  endpoint: MediaEndpoint,
  onLegReplaced: VerbContext['onLegReplaced'],
): CallerInputs {
  const said = new FollowingInput(engine, endpoint, 'in');
  const heard = new FollowingInput(engine, endpoint, 'out');
  const stop =
    onLegReplaced?.((next) => {
      said.follow(next);
      heard.follow(next);
    }) ?? (() => {});
  return { inputs: [said, heard], stop };
}

/**
 * `recordSession="true"`: what the caller says (left) and what the caller hears (right),
 * until hangup (spec 2.8) - across transfers: a REST transfer or a REFER cuts the verb that
 * runs, not this recording, and a caller replaced by a transfer is followed to the new party.
 */
export function recordSession(
  verb: RecordVerb,
  ctx: RecordingContext & Pick<VerbContext, 'endpoint' | 'callSignal' | 'onLegReplaced'>,
): void {
  const caller = followCaller(ctx.engine, ctx.endpoint, ctx.onLegReplaced);
  const untilHangup: RecordingContext = { ...pickRecording(ctx), signal: ctx.callSignal ?? ctx.signal };
  const task = runRecording(verb, { inputs: caller.inputs, mono: false }, untilHangup).then(
    async (report) => {
      caller.stop();
      if (report) await ctx.notify(verb.action, verb.method, recordingParams(report));
    },
  );
  ctx.background(task);
}

function pickRecording(ctx: RecordingContext): RecordingContext {
  const { callUuid, engine, recordings, log, signal, notify, background } = ctx;
  return { callUuid, engine, recordings, log, signal, notify, background };
}
