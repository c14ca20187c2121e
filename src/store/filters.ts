/**
 * The matching rules of live-call and recording filters, shared by both backends (the Redis
 * backend narrows with its indexes first, then applies these in the process).
 */
import { type SortKey, scoreOf } from './order.ts';
import type {
  ApplicationRecord,
  LiveCallFilter,
  LiveCallRecord,
  LiveCallStatus,
  NodeRecord,
  RecordingFilter,
  RecordingRecord,
} from './types.ts';

export function statusesOf(filter: LiveCallFilter): LiveCallStatus[] | undefined {
  if (filter.status === undefined) return undefined;
  return Array.isArray(filter.status) ? filter.status : [filter.status];
}

export function matchesCall(call: LiveCallRecord, filter: LiveCallFilter): boolean {
  const statuses = statusesOf(filter);
  if (statuses && !statuses.includes(call.call_status)) return false;
  if (filter.direction !== undefined && call.direction !== filter.direction) return false;
  if (filter.from !== undefined && call.from !== filter.from) return false;
  if (filter.to !== undefined && call.to !== filter.to) return false;
  if (filter.nodeId !== undefined && call.node_id !== filter.nodeId) return false;
  return true;
}

/** Live calls: oldest first by initiated_at. */
export function callKey(call: LiveCallRecord): SortKey {
  return { score: scoreOf(call.initiated_at), id: call.call_uuid };
}

export function matchesRecording(rec: RecordingRecord, filter: RecordingFilter): boolean {
  if (filter.callUuid !== undefined && rec.call_uuid !== filter.callUuid) return false;
  if (filter.recordingType !== undefined && rec.recording_type !== filter.recordingType) return false;
  return true;
}

/** Recordings: newest first by add_time. */
export function recordingKey(rec: RecordingRecord): SortKey {
  return { score: scoreOf(rec.add_time), id: rec.recording_id };
}

/** Applications: oldest first by created_at (also picks the oldest of several default apps). */
export function applicationKey(app: ApplicationRecord): SortKey {
  return { score: scoreOf(app.created_at), id: app.app_id };
}

/** Nodes: oldest first by started_at. */
export function nodeKey(node: NodeRecord): SortKey {
  return { score: scoreOf(node.started_at), id: node.node_id };
}
