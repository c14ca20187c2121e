import { randomInt } from 'node:crypto';
import { type ApplicationRecord, StoreError } from '../../store/types.ts';
import type { ApiContext, Handlers } from '../api-context.ts';
import { ApiError, invalidParameters } from '../errors.ts';
import { metaA } from '../pagination.ts';
import { zonedMicrosTime } from '../time-format.ts';

/** Spec 1.9: app_id is a numeric string, 17 digits in the examples. */
function newAppId(): string {
  let id = String(randomInt(1, 10));
  while (id.length < 17) id += String(randomInt(0, 10));
  return id;
}

/** A phone number (URL-encoded `+` arrives decoded) or a SIP user name. */
const NUMBER = /^\+?[0-9A-Za-z._-]{1,64}$/;

const appNotFound = (appId: string) =>
  new ApiError(404, 'NOT_FOUND', 'Application not found', undefined, { app_id: appId });

/**
 * Spec 4.1: applications, and attaching numbers to them. Numbers are stored without a leading
 * `+` (the Request-URI user of an inbound INVITE, as store.applications.route() is asked).
 */
export function applicationRoutes(
  ctx: ApiContext,
): Handlers<
  | 'createApplication'
  | 'listApplications'
  | 'getApplication'
  | 'updateApplication'
  | 'deleteApplication'
  | 'attachNumber'
  | 'detachNumber'
> {
  const apps = ctx.deps.store.applications;
  const sipDomain = ctx.deps.sipDomain ?? 'app.patchbay.local';
  const appObject = (app: ApplicationRecord) => ({
    ...app,
    resource_uri: ctx.resourceUri(`Application/${app.app_id}/`),
  });
  const numberKey = (raw: string) => {
    if (!NUMBER.test(raw))
      throw invalidParameters({
        number: `expected a phone number or SIP user, got ${JSON.stringify(raw.slice(0, 60))}`,
      });
    return raw.replace(/^\+/, '');
  };

  return {
    async createApplication({ res, apiId, body }) {
      const stamp = zonedMicrosTime(ctx.now());
      for (let attempt = 0; ; attempt++) {
        const app_id = newAppId();
        const app: ApplicationRecord = {
          ...body,
          app_id,
          sip_uri: `sip:${app_id}@${sipDomain}`,
          created_at: stamp,
          updated_at: stamp,
        };
        try {
          await apps.create(app);
          ctx.send(res, apiId, 201, { app_id, message: 'created' });
          return;
        } catch (err) {
          // A 1-in-10^16 collision: draw again.
          if (!(err instanceof StoreError && err.code === 'CONFLICT') || attempt >= 2) throw err;
        }
      }
    },

    async listApplications({ req, res, apiId, query }) {
      const { objects, total } = await apps.list({ limit: query.limit, offset: query.offset });
      ctx.send(res, apiId, 200, {
        meta: metaA(ctx.resourceUri('Application/'), req.query, query.limit, query.offset, total),
        objects: objects.map(appObject),
      });
    },

    async getApplication({ res, apiId, params }) {
      const app = await apps.get(params.app_id);
      if (!app) throw appNotFound(params.app_id);
      ctx.send(res, apiId, 200, appObject(app));
    },

    async updateApplication({ res, apiId, params, body }) {
      const updated = await apps.update(params.app_id, { ...body, updated_at: zonedMicrosTime(ctx.now()) });
      if (!updated) throw appNotFound(params.app_id);
      ctx.send(res, apiId, 200, { message: 'changed' });
    },

    async deleteApplication({ res, params }) {
      const appId = params.app_id;
      if (!(await apps.get(appId))) throw appNotFound(appId);
      const inUse = async () => {
        const n = (await apps.numbersOf(appId)).length;
        return new ApiError(
          409,
          'CONFLICT',
          'Cannot delete application',
          `Application is currently in use by ${n} phone numbers`,
        );
      };
      if ((await apps.numbersOf(appId)).length > 0) throw await inUse();
      try {
        if (!(await apps.remove(appId))) throw appNotFound(appId);
      } catch (err) {
        // A number attached between the check and the removal.
        if (err instanceof StoreError && err.code === 'CONFLICT') throw await inUse();
        throw err;
      }
      ctx.noContent(res);
    },

    async attachNumber({ res, apiId, params, body }) {
      const key = numberKey(params.number);
      const app = await apps.get(body.application_id);
      if (!app) throw appNotFound(body.application_id);
      // Re-attaching overwrites (spec 4.1).
      await apps.attachNumber(key, app.app_id);
      ctx.send(res, apiId, 200, {
        message: 'Number attached to application',
        number: params.number,
        application: appObject(app),
      });
    },

    async detachNumber({ res, params }) {
      // Idempotent: detaching a number that routes nowhere is still a success.
      await apps.detachNumber(numberKey(params.number));
      ctx.noContent(res);
    },
  };
}
