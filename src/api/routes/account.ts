import type { ApiContext, Handlers } from '../api-context.ts';

/**
 * Spec 1.8: `GET /Account/{auth_id}/concurrency`. Every call that has not ended counts
 * (queued and ringing calls hold a channel too). `max_concurrent` comes from the deps; 0 means
 * no limit is enforced, and utilization is then 0.
 */
export function accountRoutes(ctx: ApiContext): Handlers<'getConcurrency'> {
  const { store, authId } = ctx.deps;
  const max = ctx.deps.maxConcurrent ?? 0;
  return {
    async getConcurrency({ res, apiId }) {
      const live = (await store.calls.list()).length;
      ctx.send(res, apiId, 200, {
        account_id: authId,
        concurrent_calls: live,
        max_concurrent: max,
        utilization_pct: max > 0 ? Math.round((100 * live) / max) : 0,
        request_id: apiId,
      });
    },
  };
}
