import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { ApiContext, type Handlers, type RestApiDeps, type RouteInput } from './api-context.ts';
import { checkAuth } from './auth.ts';
import { fieldIssues, invalidParameters, methodNotAllowed, routeNotFound, toApiError } from './errors.ts';
import { Forwarder } from './forward.ts';
import { ownerRouting } from './owner-routing.ts';
import { expressPath, methodsByPath, type OperationId, ROUTES } from './route-table.ts';
import { accountRoutes } from './routes/account.ts';
import { applicationRoutes } from './routes/applications.ts';
import { callRoutes } from './routes/calls.ts';
import { cdrRoutes } from './routes/cdr.ts';
import { liveActionRoutes } from './routes/live-actions.ts';
import { recordingRoutes } from './routes/recordings.ts';
import { streamRoutes } from './routes/streams.ts';

export type { RestApiDeps } from './api-context.ts';

/** Spec 1.3 leaves the size open; bodies here are small JSON objects. */
const BODY_LIMIT = '1mb';

function parse(schema: z.ZodType, input: unknown, where: 'body' | 'query'): unknown {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidParameters(fieldIssues(r.error, where));
  return r.data;
}

function apiIdOf(res: Response): string {
  const id: unknown = res.locals.apiId;
  return typeof id === 'string' ? id : randomUUID();
}

/**
 * The Vobiz-compatible REST API (spec rest-api.md 1-4) as an express router, to be mounted at
 * `/`. Routes come from route-table.ts, each in both trailing-slash forms, with segment case
 * significant (spec 1.4). Per request: a fresh `api_id`, one debug log line (method, path,
 * status, ms; never the headers), credentials (spec 1.2), then, for a call or recording that
 * another node owns, the forward to that node (owner-routing.ts); else the zod-validated body
 * and query, then the handler. Anything else under /api/v1 is a JSON 404 or 405, never express's
 * HTML page.
 */
export function restApi(deps: RestApiDeps): Router {
  const ctx = new ApiContext(deps);
  // The spread must cover every operation of the table: the type says so.
  const handlers: Handlers<OperationId> = {
    ...callRoutes(ctx),
    ...liveActionRoutes(ctx),
    ...streamRoutes(ctx),
    ...recordingRoutes(ctx),
    ...applicationRoutes(ctx),
    ...cdrRoutes(ctx),
    ...accountRoutes(ctx),
  };

  const forwarder = new Forwarder({
    nodeId: deps.nodeId,
    nodes: deps.store.nodes,
    log: deps.log,
    timeoutMs: deps.forwardTimeoutMs,
  });

  const router = express.Router({ caseSensitive: true, strict: false });
  router.use('/api/v1', (req, res, next) => {
    res.locals.apiId = randomUUID();
    const t0 = performance.now();
    res.on('finish', () => {
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      deps.log.debug(
        { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms },
        'api request',
      );
    });
    next();
  });
  // JSON (spec 1.3), and form bodies as Plivo clients send them; values are decoded by the
  // schemas. Read only on routes that take a body, after the credentials were checked.
  const bodyParsers = [
    express.json({ limit: BODY_LIMIT }),
    express.urlencoded({ extended: false, limit: BODY_LIMIT }),
  ];

  for (const route of ROUTES) {
    // One decision point widens the handler's input: the table guarantees the pairing.
    const handler = handlers[route.operationId] as unknown as (
      input: RouteInput<OperationId>,
    ) => Promise<void>;
    const bodySchema = 'body' in route ? (route.body as z.ZodType) : undefined;
    const querySchema = 'query' in route ? (route.query as z.ZodType) : undefined;
    const open = 'auth' in route && route.auth === false;
    const authenticate = (req: Request, _res: Response, next: NextFunction) => {
      const pathAuthId = req.params.auth_id;
      next(open ? undefined : checkAuth(req, typeof pathAuthId === 'string' ? pathAuthId : undefined, deps));
    };
    // Before the body parsers: a forwarded request carries its body as received.
    const owner = ownerRouting(route.operationId, deps, forwarder);
    const steps = [...(owner ? [owner] : []), ...(bodySchema ? bodyParsers : [])];
    router[route.method](expressPath(route.path), authenticate, ...steps, async (req, res, next) => {
      const input = {
        req,
        res,
        next,
        apiId: apiIdOf(res),
        params: req.params as Record<string, string>,
        body: bodySchema ? parse(bodySchema, req.body ?? {}, 'body') : undefined,
        query: querySchema ? parse(querySchema, req.query, 'query') : undefined,
      } as RouteInput<OperationId>;
      await handler(input);
    });
  }

  // A known path with another method: 405 with Allow (RFC 9110 15.5.6).
  for (const [path, methods] of methodsByPath()) {
    const allow = methods.map((m) => m.toUpperCase());
    if (allow.includes('GET')) allow.push('HEAD');
    router.all(expressPath(path), (req: Request, res: Response) => {
      res.set('Allow', allow.join(', '));
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      throw methodNotAllowed(req.method, allow);
    });
  }

  router.use('/api/v1', (req: Request) => {
    throw routeNotFound(req.method, req.originalUrl.split('?')[0]);
  });
  router.use('/api/v1', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = toApiError(err);
    if (e.code === 'INTERNAL') deps.log.error({ err }, 'REST API handler failed');
    if (res.headersSent) return;
    res
      .set(e.headers)
      .status(e.status)
      .json(e.body(apiIdOf(res)));
  });
  return router;
}
