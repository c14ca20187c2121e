import type { StreamInfo } from '../../callflow/call-control.ts';
import { type ApiContext, callNotFound, type Handlers } from '../api-context.ts';
import { notFound } from '../errors.ts';
import { metaA } from '../pagination.ts';

const streamNotFound = () => notFound('Stream');

/**
 * Spec 3.5: audio streams of a live call. Start needs the call in progress; list, get and stop
 * also see the call's stopped streams while the call lasts.
 */
export function streamRoutes(
  ctx: ApiContext,
): Handlers<'startStream' | 'listStreams' | 'stopAllStreams' | 'getStream' | 'stopStream'> {
  const { control } = ctx.deps;
  const streamObject = (s: StreamInfo) => ({
    ...s,
    resource_uri: ctx.resourceUri(`Call/${s.call_uuid}/Stream/${s.stream_id}/`),
  });
  return {
    async startStream({ res, apiId, params, body }) {
      await ctx.inProgressCall(params.call_uuid);
      const info = await control.startStream(params.call_uuid, body);
      if (!info) throw callNotFound();
      ctx.send(res, apiId, 202, { message: 'audio streaming started', stream_id: info.stream_id });
    },

    async listStreams({ req, res, apiId, params, query }) {
      await ctx.localCall(params.call_uuid);
      const all = control.listStreams(params.call_uuid);
      if (!all) throw callNotFound();
      const { limit, offset } = query;
      // The spec records two shapes (8.8): Vobiz's page/per_page/total and the Go SDK's
      // api_id/meta/objects. Both sets of keys are emitted; `objects` is shared.
      ctx.send(res, apiId, 200, {
        meta: metaA(
          ctx.resourceUri(`Call/${params.call_uuid}/Stream/`),
          req.query,
          limit,
          offset,
          all.length,
        ),
        objects: all.slice(offset, offset + limit).map(streamObject),
        page: Math.floor(offset / limit) + 1,
        per_page: limit,
        total: all.length,
      });
    },

    async stopAllStreams({ res, params }) {
      // 204 even when none is active (spec 3.5); 404 only for an unknown call.
      await ctx.localCall(params.call_uuid);
      if (!(await control.stopStream(params.call_uuid))) throw callNotFound();
      ctx.noContent(res);
    },

    async getStream({ res, apiId, params }) {
      await ctx.localCall(params.call_uuid);
      const s = control.listStreams(params.call_uuid)?.find((x) => x.stream_id === params.stream_id);
      if (!s) throw streamNotFound();
      ctx.send(res, apiId, 200, streamObject(s));
    },

    async stopStream({ res, params }) {
      // Unknown, already stopped, or another call's: "Stream not found" (spec 3.5).
      await ctx.localCall(params.call_uuid);
      const s = control.listStreams(params.call_uuid)?.find((x) => x.stream_id === params.stream_id);
      if (s?.status !== 'in-progress') throw streamNotFound();
      if (!(await control.stopStream(params.call_uuid, params.stream_id))) throw streamNotFound();
      ctx.noContent(res);
    },
  };
}
