import { type ApiContext, callNotFound, type Handlers } from '../api-context.ts';
import { notFound } from '../errors.ts';

/**
 * Spec 3.1-3.4: Play, Speak, DTMF and Record on a call in progress (anything else is a 404).
 * The engine answers false when this node has no such call; its CallControlErrors become
 * 400 / 429 / 501 / 503 in errors.ts.
 */
export function liveActionRoutes(
  ctx: ApiContext,
): Handlers<
  'startPlay' | 'stopPlay' | 'startSpeak' | 'stopSpeak' | 'sendDigits' | 'startRecording' | 'stopRecording'
> {
  const { control } = ctx.deps;
  return {
    async startPlay({ res, apiId, params, body }) {
      await ctx.inProgressCall(params.call_uuid);
      if (!(await control.play(params.call_uuid, body))) throw callNotFound();
      ctx.send(res, apiId, 202, { message: 'play started' });
    },

    async stopPlay({ res, params }) {
      // A no-op when nothing plays (spec 3.1); still a 404 for an unknown call.
      await ctx.inProgressCall(params.call_uuid);
      if (!(await control.stopPlay(params.call_uuid))) throw callNotFound();
      ctx.noContent(res);
    },

    async startSpeak({ res, apiId, params, body }) {
      await ctx.inProgressCall(params.call_uuid);
      if (!(await control.speak(params.call_uuid, body))) throw callNotFound();
      ctx.send(res, apiId, 202, { message: 'speak started' });
    },

    async stopSpeak({ res, params }) {
      await ctx.inProgressCall(params.call_uuid);
      if (!(await control.stopSpeak(params.call_uuid))) throw callNotFound();
      ctx.noContent(res);
    },

    async sendDigits({ res, apiId, params, body }) {
      await ctx.inProgressCall(params.call_uuid);
      if (!(await control.sendDigits(params.call_uuid, body))) throw callNotFound();
      ctx.send(res, apiId, 202, { message: 'digits sent' });
    },

    async startRecording({ res, apiId, params, body }) {
      await ctx.inProgressCall(params.call_uuid);
      const started = await control.startRecording(params.call_uuid, body);
      if (!started) throw callNotFound();
      // Spec 3.4: 200, with the id and the URL that the stop request may name.
      ctx.send(res, apiId, 200, {
        message: 'recording started',
        recording_id: started.recordingId,
        url: started.url,
      });
    },

    async stopRecording({ res, params, body }) {
      const rec = await ctx.localCall(params.call_uuid);
      if (rec && rec.call_status !== 'in-progress') throw callNotFound();
      if (!(await control.stopRecording(params.call_uuid, body.url))) {
        // A call the store knows but a URL it does not: the recording is what is missing.
        throw rec && body.url !== undefined ? notFound('Recording') : callNotFound();
      }
      ctx.noContent(res);
    },
  };
}
