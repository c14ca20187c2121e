import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { CallControl } from '../callflow/call-control.ts';
import type { LocalRecordingFiles } from '../calls/recording-files.ts';
import type { LiveCallRecord, Store } from '../store/types.ts';
import type { Logger } from '../util/log.ts';
import { ApiError, notFound } from './errors.ts';
import type { OperationId, Route } from './route-table.ts';

export interface RestApiDeps {
  authId: string;
  authToken: string;
  store: Store;
  control: CallControl;
  recordings: LocalRecordingFiles;
  log: Logger;
  /** This node's id: live calls whose `node_id` differs are run elsewhere. */
  nodeId: string;
  /** GET concurrency's `max_concurrent`; 0 (the default) means no limit is enforced. */
  maxConcurrent?: number;
  /** Domain of the `sip_uri` generated for applications (default `app.patchbay.local`). */
  sipDomain?: string;
  /** How long another node has to answer a forwarded request (default 5000 ms). */
  forwardTimeoutMs?: number;
  /** Wall clock for created_at / updated_at and the like (tests pin it). */
  now?: () => Date;
}

type RouteOf<K extends OperationId> = Extract<Route, { operationId: K }>;
type Parsed<R, F extends 'body' | 'query'> = R extends { [P in F]: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

/** What a handler gets: the validated body and query of its route (undefined when it has none). */
export interface RouteInput<K extends OperationId> {
  req: Request;
  res: Response;
  /** For the rare handler that hands the request on (the recording download). */
  next: NextFunction;
  /** This request's `api_id` (spec 1.6: every voice-API response carries one). */
  apiId: string;
  params: Record<string, string>;
  body: Parsed<RouteOf<K>, 'body'>;
  query: Parsed<RouteOf<K>, 'query'>;
}

export type Handler<K extends OperationId> = (input: RouteInput<K>) => Promise<void>;
/** One handler per operation of a resource; rest-api.ts requires the union to cover the table. */
export type Handlers<K extends OperationId> = { [P in K]: Handler<P> };

/** Shared by the route modules: the deps and small helpers for answers and lookups. */
export class ApiContext {
  readonly now: () => Date;

  constructor(readonly deps: RestApiDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** `200`-family JSON with `api_id` first. */
  send(res: Response, apiId: string, status: number, body: Record<string, unknown>): void {
    res.status(status).json({ api_id: apiId, ...body });
  }

  noContent(res: Response): void {
    res.status(204).end();
  }

  /** `resource_uri` values omit the `/api` prefix (spec 1.1). */
  resourceUri(rest: string): string {
    return `/v1/Account/${this.deps.authId}/${rest}`;
  }

  /**
   * The store's record of a live call, after checking that this node runs it. Commands for a
   * call on another node are forwarded before the handler runs (owner-routing.ts); one that
   * gets here anyway (the call moved meanwhile, or a request that was forwarded once already)
   * is a 503 naming the node. Undefined when the store does not know the call (the engine is
   * still asked: it is the authority for calls on this node).
   */
  async localCall(callUuid: string): Promise<LiveCallRecord | undefined> {
    const rec = await this.deps.store.calls.get(callUuid);
    if (rec && rec.node_id !== this.deps.nodeId) {
      throw new ApiError(
        503,
        'OTHER_NODE',
        'call is on another node',
        `call ${callUuid} runs on node ${rec.node_id}`,
        { node_id: rec.node_id },
      );
    }
    return rec;
  }

  /** For the spec 3 actions: the call must be in progress (a queued or ringing one is a 404). */
  async inProgressCall(callUuid: string): Promise<void> {
    const rec = await this.localCall(callUuid);
    if (rec && rec.call_status !== 'in-progress') throw callNotFound();
  }
}

export const callNotFound = () => notFound('Call');
