import { rm } from 'node:fs/promises';
import { RECORDING_ID } from '../../calls/recording-files.ts';
import type { RecordingRecord } from '../../store/types.ts';
import type { ApiContext, Handlers } from '../api-context.ts';
import { notFound } from '../errors.ts';
import { metaA } from '../pagination.ts';

const DAY_MS = 86_400_000;

/** `2025-11-06 13:49:10.751756+00:00` -> epoch ms (NaN when unreadable). */
function parseAddTime(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,3})?\d*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  return m ? Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${m[4] ?? 'Z'}`) : Number.NaN;
}

/**
 * Spec 4.5: list (style A), get, delete; plus the download of the audio at its RecordUrl, which
 * needs no credentials (the random id is the capability).
 */
export function recordingRoutes(
  ctx: ApiContext,
): Handlers<'downloadRecording' | 'listRecordings' | 'getRecording' | 'deleteRecording'> {
  const { store, recordings, authId, nodeId, log } = ctx.deps;

  /** The flat Recording object: the store's record without our node_id, plus the spec's storage fields. */
  const recordingObject = (rec: RecordingRecord) => {
    const { node_id: _node, ...fields } = rec;
    const added = parseAddTime(rec.add_time);
    return {
      ...fields,
      recording_storage_duration: Number.isNaN(added)
        ? 0
        : Math.max(0, Math.floor((ctx.now().getTime() - added) / DAY_MS)),
      // Patchbay stores recordings on the node's disk and charges nothing.
      recording_storage_rate: 0,
      monthly_recording_storage_amount: 0,
      resource_uri: ctx.resourceUri(`Recording/${rec.recording_id}/`),
    };
  };

  return {
    async downloadRecording({ res, params, next }) {
      const id = params.recording_id;
      if (params.auth_id !== authId || !RECORDING_ID.test(id)) throw notFound('Recording');
      // The type is set only when the file is sent, so that a 404 stays JSON.
      res.sendFile(
        recordings.path(id),
        { dotfiles: 'deny', headers: { 'Content-Type': 'audio/wav' } },
        (err) => {
          if (err && !res.headersSent) next(notFound('Recording'));
        },
      );
    },

    async listRecordings({ req, res, apiId, query }) {
      const { objects, total } = await store.recordings.list(query.filter, {
        limit: query.limit,
        offset: query.offset,
      });
      ctx.send(res, apiId, 200, {
        meta: metaA(ctx.resourceUri('Recording/'), req.query, query.limit, query.offset, total),
        objects: objects.map(recordingObject),
      });
    },

    async getRecording({ res, apiId, params }) {
      const rec = await store.recordings.get(params.recording_id);
      if (!rec) throw notFound('Recording');
      ctx.send(res, apiId, 200, recordingObject(rec));
    },

    async deleteRecording({ res, params }) {
      const id = params.recording_id;
      const rec = await store.recordings.get(id);
      if (!rec || !(await store.recordings.remove(id))) throw notFound('Recording');
      // The file lives in the data directory of the node that recorded it.
      if (rec.node_id !== nodeId) {
        log.warn(
          { recording_id: id, node_id: rec.node_id },
          'recording deleted from the index; its file is on another node',
        );
      } else if (RECORDING_ID.test(id)) {
        await rm(recordings.path(id), { force: true });
      }
      ctx.noContent(res);
    },
  };
}
