import type { LiveCallStatus } from '../../store/types.ts';
import { type ApiContext, callNotFound, type Handlers } from '../api-context.ts';
import { completedCallObject, liveCallObject, queuedCallObject } from '../call-objects.ts';
import { ApiError, invalidParameters, notFound } from '../errors.ts';
import { metaA } from '../pagination.ts';

/** Spec 2.5: a queued-calls list holds at most 20 UUIDs. */
const QUEUED_LIST_MAX = 20;

/** "Queued" covers accepted and ringing calls, i.e. not answered yet (spec 2.3). */
const QUEUED: LiveCallStatus[] = ['queued', 'ringing'];

function clientAddress(addr: string | undefined): string | undefined {
  return addr?.replace(/^::ffff:/, '');
}

/** Spec 2.1-2.9: place calls, look them up, hang up, cancel, transfer. */
export function callRoutes(
  ctx: ApiContext,
): Handlers<'makeCall' | 'listCalls' | 'getCall' | 'transferCall' | 'hangupCall' | 'cancelRequest'> {
  const { store, control } = ctx.deps;
  return {
    async makeCall({ req, res, apiId, body }) {
      const { machineDetection, errorIfParentNotFound, ...request } = body;
      // Issue 6: machine_detection is accepted and answered "not supported" until it exists.
      if (machineDetection !== undefined)
        throw new ApiError(
          501,
          'NOT_IMPLEMENTED',
          'not implemented',
          'machine_detection is not supported yet',
        );
      if (errorIfParentNotFound && request.parentCallUuid !== undefined) {
        if (!(await store.calls.get(request.parentCallUuid)))
          throw invalidParameters({ parent_call_uuid: 'no live call has this UUID' });
      }
      const uuids = await control.makeCall({ ...request, sourceIp: clientAddress(req.socket.remoteAddress) });
      // One destination: a string; several: an array (the Plivo-compatible choice, spec 2.1).
      ctx.send(res, apiId, 200, {
        message: 'Call fired',
        request_uuid: uuids.length === 1 ? uuids[0] : uuids,
      });
    },

    async listCalls({ req, res, apiId, query }) {
      if (query.status !== undefined) {
        // Spec 2.4 / 2.5: UUIDs only, filtered as Plivo's live-call filters.
        const status = query.status === 'live' ? 'in-progress' : QUEUED;
        let calls = await store.calls.list({
          status,
          direction: query.direction,
          from: query.from,
          to: query.to,
        });
        if (query.status === 'queued')
          calls = calls.filter((c) => c.direction === 'outbound').slice(0, QUEUED_LIST_MAX);
        ctx.send(res, apiId, 200, { calls: calls.map((c) => c.call_uuid) });
        return;
      }
      // Spec 2.6: completed calls from the CDRs, Plivo list shape.
      const { data, total } = await store.cdrs.query(query.cdr, { limit: query.limit, offset: query.offset });
      ctx.send(res, apiId, 200, {
        meta: metaA(ctx.resourceUri('Call/'), req.query, query.limit, query.offset, total),
        objects: data.map((cdr) => completedCallObject(cdr, ctx.resourceUri(`Call/${cdr.uuid}/`))),
      });
    },

    async getCall({ res, apiId, params, query }) {
      const uuid = params.call_uuid;
      if (query.status === 'live') {
        const rec = await store.calls.get(uuid);
        if (rec?.call_status !== 'in-progress') throw callNotFound();
        ctx.send(res, apiId, 200, liveCallObject(rec));
      } else if (query.status === 'queued') {
        const rec = await store.calls.get(uuid);
        if (!rec || !QUEUED.includes(rec.call_status) || rec.direction !== 'outbound') throw callNotFound();
        ctx.send(res, apiId, 200, queuedCallObject(rec));
      } else {
        // Spec 2.2: without `status`, the finalized record or a 404.
        const cdr = await store.cdrs.get(uuid);
        if (!cdr) throw callNotFound();
        ctx.send(res, apiId, 200, completedCallObject(cdr, ctx.resourceUri(`Call/${cdr.uuid}/`)));
      }
    },

    async transferCall({ res, apiId, params, body }) {
      // Spec 2.9: queued or completed calls are a 404.
      await ctx.inProgressCall(params.call_uuid);
      if (!(await control.transfer(params.call_uuid, body))) throw callNotFound();
      ctx.send(res, apiId, 202, { message: 'call transferred', call_uuid: params.call_uuid });
    },

    async hangupCall({ res, params }) {
      // Spec 2.7: hangs up a live call, or cancels a queued one.
      await ctx.localCall(params.call_uuid);
      if (!(await control.hangup(params.call_uuid))) throw callNotFound();
      ctx.noContent(res);
    },

    async cancelRequest({ res, params }) {
      // Spec 2.8 (SDK / Plivo path): the request UUID equals the call UUID of its one call.
      await ctx.localCall(params.request_uuid);
      if (!(await control.cancelRequest(params.request_uuid))) throw notFound('Request');
      ctx.noContent(res);
    },
  };
}
