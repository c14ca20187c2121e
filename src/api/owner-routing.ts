import { access } from 'node:fs/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RECORDING_ID } from '../calls/recording-files.ts';
import type { RestApiDeps } from './api-context.ts';
import type { Forwarder, ForwardTarget } from './forward.ts';
import type { OperationId } from './route-table.ts';

type OwnerDeps = Pick<RestApiDeps, 'store' | 'nodeId' | 'authId' | 'recordings'>;

type Lookup = (params: Record<string, string>, deps: OwnerDeps) => Promise<ForwardTarget | undefined>;

/** The node that runs the call named by the path parameter (the request UUID is the call's). */
const byCall =
  (param: 'call_uuid' | 'request_uuid'): Lookup =>
  async (params, { store }) => {
    const id = params[param] ?? '';
    const rec = await store.calls.get(id);
    return rec && { nodeId: rec.node_id, kind: 'call', id };
  };

/** The node whose data directory holds the recording's file. */
const byRecording: Lookup = async (params, { store, authId }) => {
  const id = params.recording_id ?? '';
  if (params.auth_id !== authId || !RECORDING_ID.test(id)) return undefined;
  const rec = await store.recordings.get(id);
  return rec && { nodeId: rec.node_id, kind: 'recording', id };
};

/**
 * The download (a RecordUrl, fetched without credentials): a file on this disk is served
 * without asking the store, so that it works while the store is away; else the index says
 * where it is, and when the store cannot say, the local handler answers (404).
 */
const byRecordingFile: Lookup = async (params, deps) => {
  const id = params.recording_id ?? '';
  if (params.auth_id !== deps.authId || !RECORDING_ID.test(id)) return undefined;
  const here = await access(deps.recordings.path(id)).then(
    () => true,
    () => false,
  );
  if (here) return undefined;
  return byRecording(params, deps).catch(() => undefined);
};

/**
 * The routes whose work must run on one node: live-call commands (spec 2.7-2.9, 3) where the
 * call runs, and the recording file routes where the file is. A GET of a live call, lists and
 * the recording index are answered from the store by any node, so they are not here.
 */
const OWNED: Partial<Record<OperationId, Lookup>> = {
  transferCall: byCall('call_uuid'),
  hangupCall: byCall('call_uuid'),
  cancelRequest: byCall('request_uuid'),
  startPlay: byCall('call_uuid'),
  stopPlay: byCall('call_uuid'),
  startSpeak: byCall('call_uuid'),
  stopSpeak: byCall('call_uuid'),
  sendDigits: byCall('call_uuid'),
  startRecording: byCall('call_uuid'),
  stopRecording: byCall('call_uuid'),
  startStream: byCall('call_uuid'),
  listStreams: byCall('call_uuid'),
  stopAllStreams: byCall('call_uuid'),
  getStream: byCall('call_uuid'),
  stopStream: byCall('call_uuid'),
  downloadRecording: byRecordingFile,
  deleteRecording: byRecording,
};

/**
 * The step that runs after the credentials and before the body is read: when the store says
 * another node owns what the request names, the request goes there (DESIGN 3) with its body
 * unread, as received; otherwise the local handler runs (a call the store does not know is
 * still asked of the local engine, the authority for its own calls). Undefined for routes
 * that are always answered here.
 */
export function ownerRouting(
  operationId: OperationId,
  deps: OwnerDeps,
  forwarder: Forwarder,
): RequestHandler | undefined {
  const lookup = OWNED[operationId];
  if (!lookup) return undefined;
  return async (req: Request, res: Response, next: NextFunction) => {
    const target = await lookup(req.params as Record<string, string>, deps);
    if (!target || target.nodeId === deps.nodeId) {
      next();
      return;
    }
    await forwarder.forward(req, res, target);
  };
}
