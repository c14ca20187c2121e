import type { CdrFilter, CdrRecord, CdrSummary } from '../../store/types.ts';
import type { ApiContext, Handlers } from '../api-context.ts';
import { ApiError } from '../errors.ts';

/**
 * Spec 4.6 CDR object: the store's record plus the fields Patchbay has no source for (billing,
 * carrier, campaign, trunk), with neutral values so that clients reading all 43 keys find them.
 * The internal numeric `id` is left out: CDRs are addressed by `uuid`.
 */
function cdrObject(cdr: CdrRecord) {
  return {
    ...cdr,
    campaign_id: null,
    carrier_ip: '',
    cost: 0,
    currency: '',
    customer_endpoint: '',
    failure_code: null,
    failure_reason: null,
    origination_region: '',
    region: '',
    streaming_cost: 0,
    terminated_to: '',
    total_cost: 0,
    trunk_id: null,
  };
}

type CdrObject = ReturnType<typeof cdrObject>;

/** CSV columns: the CDR object's fields in the spec's (alphabetical) order. */
const CSV_COLUMNS = [
  'account_id',
  'answer_time',
  'billsec',
  'bridge_uuid',
  'call_direction',
  'caller_id_name',
  'caller_id_number',
  'campaign_id',
  'carrier_ip',
  'codec',
  'context',
  'cost',
  'created_at',
  'currency',
  'customer_endpoint',
  'destination_number',
  'duration',
  'end_time',
  'failure_code',
  'failure_reason',
  'hangup_cause',
  'hangup_cause_code',
  'hangup_cause_name',
  'hangup_disposition',
  'hangup_source',
  'jitter',
  'mos',
  'network_addr',
  'origination_region',
  'packet_loss',
  'parent_call_uuid',
  'progress_time',
  'region',
  'ring_time',
  'sip_call_id',
  'sip_user_agent',
  'start_time',
  'streaming_cost',
  'terminated_to',
  'total_cost',
  'trunk_id',
  'updated_at',
  'uuid',
] as const satisfies readonly (keyof CdrObject)[];

const EMPTY_SUMMARY: CdrSummary = {
  totalCalls: 0,
  answeredCalls: 0,
  answerRate: 0,
  avgCallDuration: '0s',
  total_duration_seconds: 0,
  total_billable_seconds: 0,
  total_cost: 0,
  last_call_at: null,
};

const EXPORT_PAGE = 500;

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Spec 4.6: list / search (style D with summary), recent, export (CSV), get one. */
export function cdrRoutes(
  ctx: ApiContext,
): Handlers<'listCdrs' | 'searchCdrs' | 'recentCdrs' | 'exportCdrs' | 'getCdr'> {
  const { store, authId } = ctx.deps;

  async function page(filter: CdrFilter, campaignId: string | undefined, page: number, perPage: number) {
    // No call is part of a campaign here: a campaign filter matches nothing.
    if (campaignId !== undefined) return { data: [], total: 0, summary: EMPTY_SUMMARY };
    return store.cdrs.query(filter, { limit: perPage, offset: (page - 1) * perPage });
  }

  async function styleD(q: { filter: CdrFilter; campaignId?: string; page: number; perPage: number }) {
    const { data, total, summary } = await page(q.filter, q.campaignId, q.page, q.perPage);
    const pages = Math.ceil(total / q.perPage);
    return {
      account_id: authId,
      count: data.length,
      data: data.map(cdrObject),
      pagination: {
        page: q.page,
        per_page: q.perPage,
        total,
        pages,
        has_next: q.page < pages,
        has_prev: q.page > 1,
      },
      summary,
      success: true,
    };
  }

  return {
    async listCdrs({ res, apiId, query }) {
      ctx.send(res, apiId, 200, await styleD(query));
    },

    async searchCdrs({ res, apiId, query }) {
      ctx.send(res, apiId, 200, { ...(await styleD(query)), filters: query.echo });
    },

    async recentCdrs({ res, apiId, query }) {
      const { data } = await store.cdrs.query({}, { limit: query.limit, offset: 0 });
      ctx.send(res, apiId, 200, {
        account_id: authId,
        count: data.length,
        data: data.map(cdrObject),
        success: true,
      });
    },

    async exportCdrs({ res, query }) {
      const rows: CdrObject[] = [];
      for (let n = 1; ; n++) {
        const { data, total } = await page(query.filter, query.campaignId, n, EXPORT_PAGE);
        rows.push(...data.map(cdrObject));
        if (data.length < EXPORT_PAGE || rows.length >= total) break;
      }
      // The header row is fixed, so an empty export still has it.
      const lines = [
        CSV_COLUMNS.join(','),
        ...rows.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(',')),
      ];
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .attachment('cdr.csv')
        .send(lines.join('\r\n') + '\r\n');
    },

    async getCdr({ res, apiId, params }) {
      const cdr = await store.cdrs.get(params.call_id);
      if (!cdr) throw new ApiError(404, 'NOT_FOUND', 'CDR not found', undefined, { success: false });
      ctx.send(res, apiId, 200, { data: cdrObject(cdr), success: true });
    },
  };
}
