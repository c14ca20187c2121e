/**
 * Forwarding of a REST request to the node that owns what it names (DESIGN 3: "REST commands
 * for a call owned by another node are forwarded to that node"). The request goes to the
 * owner's API URL from the node registry with the same method, path and query, the body bytes
 * as received (JSON or form, streamed), the caller's credentials and a hop header naming this
 * node. The client gets the owner's status, the headers that describe the body, and the body
 * itself, streamed (a WAV download is never held in memory here).
 *
 * A request that already carries the hop header is never forwarded again (a loop between
 * nodes that disagree about an owner ends after one hop). An owner that is not registered,
 * refuses the connection or sends no response head within the timeout is a 503 naming it;
 * once the head is relayed, a failure can only cut the client's connection short.
 *
 * One relay per request:
 *
 *   waiting --(response head)--> streaming --(body relayed)--> done
 *      |                             |
 *      +--(refused, timeout)--> failed <--(owner or client gone)--+
 */
import { type ClientRequest, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { NodeRegistry } from '../store/types.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import { ApiError } from './errors.ts';

/** The hop header: set on a forwarded request to the id of the node that forwarded it. */
export const FORWARDED_BY = 'X-Patchbay-Forwarded-By';
/** Set on the client's response to the id of the node that answered it. */
export const FORWARDED_TO = 'X-Patchbay-Forwarded-To';

/** What the owner needs to see of the request: credentials and the description of the body. */
const REQUEST_HEADERS = [
  'x-auth-id',
  'x-auth-token',
  'content-type',
  'content-length',
  'accept',
  'user-agent',
  'range',
  'if-range',
  'if-none-match',
  'if-modified-since',
] as const;

/** What the client needs of the owner's answer (no hop-by-hop headers: RFC 9110 7.6.1). */
const RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-disposition',
  'content-range',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
  'allow',
  'retry-after',
  'location',
] as const;

const DEFAULT_TIMEOUT_MS = 5000;

/** Who holds what a request names. */
export interface ForwardTarget {
  /** The node that runs the call or stores the recording. */
  nodeId: string;
  kind: 'call' | 'recording';
  /** The call UUID or recording id, for messages. */
  id: string;
}

export interface ForwarderOptions {
  /** This node (the hop header's value). */
  nodeId: string;
  nodes: NodeRegistry;
  log: Logger;
  /** How long the owner has to send its response head (default 5000 ms). */
  timeoutMs?: number;
  clock?: Clock;
}

type RelayState = 'waiting' | 'streaming' | 'done' | 'failed';

const LEGAL: Record<RelayState, readonly RelayState[]> = {
  waiting: ['streaming', 'failed'],
  streaming: ['done', 'failed'],
  done: [],
  failed: [],
};

function where(t: ForwardTarget): string {
  return t.kind === 'call'
    ? `call ${t.id} runs on node ${t.nodeId}`
    : `recording ${t.id} is on node ${t.nodeId}`;
}

/** The 503 of a request that could not be carried to its owner; `node_id` names the owner. */
function ownerUnavailable(t: ForwardTarget, why: string): ApiError {
  return new ApiError(503, 'OTHER_NODE', `${t.kind} is on another node`, `${where(t)}${why}`, {
    node_id: t.nodeId,
  });
}

/** The body of a request that something upstream already read (re-encoded from req.body). */
function consumedBody(req: Request): Buffer | undefined {
  const body: unknown = req.body;
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  if (String(req.headers['content-type']).includes('application/x-www-form-urlencoded')) {
    return Buffer.from(new URLSearchParams(body as Record<string, string>).toString());
  }
  return Buffer.from(JSON.stringify(body));
}

export class Forwarder {
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly opts: ForwarderOptions) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * Carries the request to the target's node and relays the answer. Rejects with a 503
   * ApiError (nothing sent yet) when it cannot; resolves once the answer is relayed or, after
   * its head, cut short.
   */
  async forward(req: Request, res: Response, target: ForwardTarget): Promise<void> {
    const refuse = (why: string, reason: string) => {
      const path = req.originalUrl.split('?')[0];
      this.opts.log.warn(
        { method: req.method, path, node: target.nodeId, reason },
        'api request not forwarded',
      );
      return ownerUnavailable(target, why);
    };
    const hop = req.headers[FORWARDED_BY.toLowerCase()];
    if (hop !== undefined) {
      throw refuse(
        `; the request was already forwarded by node ${String(hop)} and is not forwarded again`,
        'loop',
      );
    }
    const node = await this.opts.nodes.get(target.nodeId);
    if (!node) {
      throw refuse(', which is not registered (stopped, or its heartbeat lapsed)', 'not registered');
    }
    let url: URL;
    try {
      url = new URL(node.api_url.replace(/\/+$/, '') + req.originalUrl);
    } catch {
      url = new URL('invalid:');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.opts.log.error(
        { node: target.nodeId, api_url: node.api_url },
        'node registered an unusable API URL',
      );
      throw refuse(', whose API URL is not usable', 'bad api_url');
    }
    return this.relay(req, res, target, url);
  }

  private relay(req: Request, res: Response, target: ForwardTarget, url: URL): Promise<void> {
    const { log } = this.opts;
    const t0 = this.clock.now();
    const path = req.originalUrl.split('?')[0];
    const ms = () => Math.round((this.clock.now() - t0) * 10) / 10;
    const fields = () => ({ method: req.method, path, node: target.nodeId, ms: ms() });
    let state: RelayState = 'waiting';
    const transition = (next: RelayState) => {
      if (!LEGAL[state].includes(next)) {
        throw Object.assign(new Error(`forward: illegal transition ${state} -> ${next}`), {
          code: 'ILLEGAL_TRANSITION',
        });
      }
      state = next;
    };

    const headers: OutgoingHttpHeaders = { [FORWARDED_BY]: this.opts.nodeId };
    for (const name of REQUEST_HEADERS as readonly string[]) {
      const v = req.headers[name];
      if (v !== undefined) headers[name] = v;
    }
    // The body is streamed as received; only when something already read it is it re-encoded.
    const readBody = req.readableEnded ? consumedBody(req) : undefined;
    if (req.readableEnded) {
      if (readBody) headers['content-length'] = readBody.length;
      else delete headers['content-length'];
    }

    return new Promise<void>((resolve, reject) => {
      let timedOut = false;
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      // No connection reuse: a kept-alive socket the owner has just closed would fail the request.
      const up: ClientRequest = send(url, { method: req.method, headers, agent: false });
      const timer = this.clock.setTimer(this.timeoutMs, () => {
        timedOut = true;
        up.destroy(Object.assign(new Error('no response head in time'), { code: 'ETIMEDOUT' }));
      });
      const clientGone = () => {
        if (state === 'waiting') up.destroy(Object.assign(new Error('client gone'), { code: 'ECLIENTGONE' }));
      };
      res.once('close', clientGone);

      up.once('response', (answer) => {
        timer.cancel();
        transition('streaming');
        res.status(answer.statusCode ?? 502);
        for (const name of RESPONSE_HEADERS) {
          const v = answer.headers[name];
          if (v !== undefined) res.setHeader(name, v);
        }
        res.setHeader(FORWARDED_TO, target.nodeId);
        pipeline(answer, res).then(
          () => {
            transition('done');
            log.info({ ...fields(), status: answer.statusCode }, 'api request forwarded');
            resolve();
          },
          (err: Error) => {
            transition('failed');
            log.warn(
              { ...fields(), status: answer.statusCode, err: err.message },
              'forwarded response cut short',
            );
            resolve();
          },
        );
      });

      // `on`, not `once`: a socket may report more than one error, and none may go unhandled.
      up.on('error', (err: NodeJS.ErrnoException) => {
        timer.cancel();
        if (state !== 'waiting') return; // after the head, the pipeline reports it
        transition('failed');
        if (err.code === 'ECLIENTGONE') {
          log.info(fields(), 'forward abandoned: the client went away');
          resolve();
          return;
        }
        const why = timedOut
          ? `, which did not answer within ${this.timeoutMs} ms`
          : `, which could not be reached (${err.code ?? err.message})`;
        log.warn(
          { ...fields(), api_url: url.origin, err: err.code ?? err.message },
          'api request not forwarded',
        );
        req.unpipe(up);
        reject(ownerUnavailable(target, why));
      });

      if (req.readableEnded) up.end(readBody);
      else req.pipe(up);
    });
  }
}
