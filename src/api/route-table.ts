import {
  ApplicationCreateBody,
  ApplicationUpdateBody,
  AttachNumberBody,
  CallGetQuery,
  CallListQuery,
  CdrQuery,
  CdrRecentQuery,
  DtmfBody,
  MakeCallBody,
  PageQuery,
  PlayBody,
  RecordingListQuery,
  RecordStartBody,
  RecordStopBody,
  SpeakBody,
  StreamStartBody,
  TransferBody,
} from '../../schemas/rest/index.ts';

/**
 * Every route of the REST API, once. `restApi()` mounts exactly these (in this order, so a
 * literal segment such as `cdr/search` comes before `cdr/{call_id}`), and
 * test/unit/api/openapi.test.ts proves that openapi.yaml lists exactly the same
 * (method, path, operationId) set. Paths are written as in OpenAPI, `{param}`; the PascalCase
 * resources carry the trailing slash and the lowercase ones none (spec 1.4), and the router
 * serves both forms of each.
 *
 * `body` / `query` are the zod schemas the request is validated with before the handler runs
 * (a failure is a 400 naming the field); `auth: false` marks the one route that needs no
 * credentials (the recording download: its URL is the capability).
 */
export const ROUTES = [
  // Calls (spec 2)
  { method: 'post', path: '/api/v1/Account/{auth_id}/Call/', operationId: 'makeCall', body: MakeCallBody },
  { method: 'get', path: '/api/v1/Account/{auth_id}/Call/', operationId: 'listCalls', query: CallListQuery },
  {
    method: 'get',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/',
    operationId: 'getCall',
    query: CallGetQuery,
  },
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/',
    operationId: 'transferCall',
    body: TransferBody,
  },
  { method: 'delete', path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/', operationId: 'hangupCall' },
  {
    method: 'delete',
    path: '/api/v1/Account/{auth_id}/Request/{request_uuid}/',
    operationId: 'cancelRequest',
  },
  // Live-call actions (spec 3.1-3.4)
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Play/',
    operationId: 'startPlay',
    body: PlayBody,
  },
  { method: 'delete', path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Play/', operationId: 'stopPlay' },
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Speak/',
    operationId: 'startSpeak',
    body: SpeakBody,
  },
  { method: 'delete', path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Speak/', operationId: 'stopSpeak' },
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/DTMF/',
    operationId: 'sendDigits',
    body: DtmfBody,
  },
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Record/',
    operationId: 'startRecording',
    body: RecordStartBody,
  },
  {
    method: 'delete',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Record/',
    operationId: 'stopRecording',
    body: RecordStopBody,
  },
  // Audio streams (spec 3.5)
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Stream/',
    operationId: 'startStream',
    body: StreamStartBody,
  },
  {
    method: 'get',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Stream/',
    operationId: 'listStreams',
    query: PageQuery,
  },
  {
    method: 'delete',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Stream/',
    operationId: 'stopAllStreams',
  },
  {
    method: 'get',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Stream/{stream_id}/',
    operationId: 'getStream',
  },
  {
    method: 'delete',
    path: '/api/v1/Account/{auth_id}/Call/{call_uuid}/Stream/{stream_id}/',
    operationId: 'stopStream',
  },
  // Recordings (spec 4.5); the download comes before {recording_id}/, which would match `x.wav` too.
  {
    method: 'get',
    path: '/api/v1/Account/{auth_id}/Recording/{recording_id}.wav',
    operationId: 'downloadRecording',
    auth: false,
  },
  {
    method: 'get',
    path: '/api/v1/Account/{auth_id}/Recording/',
    operationId: 'listRecordings',
    query: RecordingListQuery,
  },
  { method: 'get', path: '/api/v1/Account/{auth_id}/Recording/{recording_id}/', operationId: 'getRecording' },
  {
    method: 'delete',
    path: '/api/v1/Account/{auth_id}/Recording/{recording_id}/',
    operationId: 'deleteRecording',
  },
  // Applications (spec 4.1)
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/Application/',
    operationId: 'createApplication',
    body: ApplicationCreateBody,
  },
  {
    method: 'get',
    path: '/api/v1/Account/{auth_id}/Application/',
    operationId: 'listApplications',
    query: PageQuery,
  },
  { method: 'get', path: '/api/v1/Account/{auth_id}/Application/{app_id}/', operationId: 'getApplication' },
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/Application/{app_id}/',
    operationId: 'updateApplication',
    body: ApplicationUpdateBody,
  },
  {
    method: 'delete',
    path: '/api/v1/Account/{auth_id}/Application/{app_id}/',
    operationId: 'deleteApplication',
  },
  {
    method: 'post',
    path: '/api/v1/Account/{auth_id}/numbers/{number}/application',
    operationId: 'attachNumber',
    body: AttachNumberBody,
  },
  {
    method: 'delete',
    path: '/api/v1/Account/{auth_id}/numbers/{number}/application',
    operationId: 'detachNumber',
  },
  // CDR (spec 4.6): the literal sub-paths before {call_id}.
  { method: 'get', path: '/api/v1/Account/{auth_id}/cdr', operationId: 'listCdrs', query: CdrQuery },
  { method: 'get', path: '/api/v1/Account/{auth_id}/cdr/search', operationId: 'searchCdrs', query: CdrQuery },
  {
    method: 'get',
    path: '/api/v1/Account/{auth_id}/cdr/recent',
    operationId: 'recentCdrs',
    query: CdrRecentQuery,
  },
  { method: 'get', path: '/api/v1/Account/{auth_id}/cdr/export', operationId: 'exportCdrs', query: CdrQuery },
  { method: 'get', path: '/api/v1/Account/{auth_id}/cdr/{call_id}', operationId: 'getCdr' },
  // Account (spec 1.8)
  { method: 'get', path: '/api/v1/Account/{auth_id}/concurrency', operationId: 'getConcurrency' },
] as const;

export type Route = (typeof ROUTES)[number];
export type OperationId = Route['operationId'];
export type RouteMethod = Route['method'];

/** `/Call/{call_uuid}/` -> `/Call/:call_uuid` (express; the router also matches the `/` form). */
export function expressPath(openApiPath: string): string {
  const p = openApiPath.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
  return p.length > 1 ? p.replace(/\/$/, '') : p;
}

/** The methods served at each path (for 405 and its Allow header), in table order. */
export function methodsByPath(): Map<string, RouteMethod[]> {
  const out = new Map<string, RouteMethod[]>();
  for (const r of ROUTES) {
    const list = out.get(r.path) ?? [];
    list.push(r.method);
    out.set(r.path, list);
  }
  return out;
}
