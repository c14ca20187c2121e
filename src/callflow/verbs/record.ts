import type { RecordVerb } from '../../../schemas/xml/index.ts';
import { recordingParams, recordSession, runRecording } from '../record-session.ts';
import { NEXT, toAction, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/**
 * `<Record>` (spec 2.8). The normal Record blocks: a beep (playBeep), then the caller's audio
 * into a mono WAV until `timeout` s of silence (RecordingTimeout), `maxLength` s (maxLength),
 * a `finishOnKey` key (FinishedOnKey, the key in Digits) or the caller's hangup (HungUp).
 * Then the action: redirect="true" hands the call to its document, "false" only notifies it.
 * recordSession="true" records both directions in the background until hangup and returns
 * at once (no beep: it is not a message the caller leaves).
 */
export const recordVerb: VerbHandler<RecordVerb> = {
  needs: 'answered',
  async run(verb: RecordVerb, ctx: VerbContext): Promise<VerbOutcome> {
    if (ctx.signal.aborted) return NEXT;
    if (verb.startOnDialAnswer) {
      // Only meaningful inside <Dial>, where the Dial starts it (recordOnDialAnswer).
      ctx.log.warn(
        { code: 'RECORD_START_ON_DIAL_ANSWER', at: verb.path },
        'Record startOnDialAnswer="true" outside Dial: recording the session from now on instead',
      );
    }
    if (verb.recordSession || verb.startOnDialAnswer) {
      recordSession(verb, ctx);
      return NEXT;
    }
    const beep = verb.playBeep
      ? ctx.endpoint.play([{ kind: 'tone', tone: 'beep' }], { signal: ctx.signal })
      : undefined;
    const report = await runRecording(
      verb,
      {
        inputs: [ctx.engine.input(ctx.endpoint, 'in')],
        mono: true,
        maxLengthMs: verb.maxLength * 1000,
        silenceTimeoutMs: verb.timeout * 1000,
        finishOnKey: verb.finishOnKey,
        ...(beep ? { before: beep.done } : {}),
      },
      ctx,
    );
    // A key or the hangup can end the recording while the beep still plays.
    beep?.stop();
    if (!report) return NEXT;
    const params = recordingParams(report);
    // HungUp: the caller is gone, there is no call left for the action's document to drive.
    const redirect = verb.redirect && report.reason !== 'HungUp';
    return toAction(ctx, { url: verb.action, method: verb.method, redirect }, params);
  },
};
