/**
 * Applications in Redis: JSON under `app:{id}`, the sorted set `apps` (score: created_at in
 * epoch ms), `apps:default` (the apps with default_app, same score: route picks the oldest),
 * the hash `numbers` (number -> app_id) and the set `app:{id}:numbers`. Each change that
 * touches several keys is one Lua script, so that it is atomic (no attach to an app being
 * deleted, no delete while a number is attached). Application writes are configuration: when
 * Redis is away they fail with UNAVAILABLE (the API answers an error) instead of queueing.
 * `route()` answers from the last routing it saw while Redis is away, so inbound calls to
 * known numbers keep working through an outage.
 */
import { type ApplicationPatch, applyPatch, duplicateApp, inUse, noSuchApp } from '../application-rules.ts';
import { applicationKey } from '../filters.ts';
import { normalizePage } from '../order.ts';
import { type ApplicationRecord, type ApplicationStore, type Page, StoreError } from '../types.ts';
import type { RedisKeys } from './keys.ts';
import type { RedisLink } from './redis-link.ts';

const CREATE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] == '1' then redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3]) end
return 1`;

/** Compare-and-set: -1 gone, 0 changed since it was read, 1 written. */
const UPDATE = `
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[3] == '1' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5]) else redis.call('ZREM', KEYS[2], ARGV[5]) end
return 1`;

/** 0 absent, -n in use by n numbers, 1 removed. */
const REMOVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('SCARD', KEYS[2])
if n > 0 then return -n end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1`;

/** Re-attaching moves the number: it leaves the previous app's set. */
const ATTACH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old and old ~= ARGV[2] then redis.call('SREM', ARGV[3] .. 'app:' .. old .. ':numbers', ARGV[1]) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
return 1`;

const DETACH = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', ARGV[2] .. 'app:' .. old .. ':numbers', ARGV[1])
return 1`;

/** {'number', json} | {'default', json} | {'none'}. */
const ROUTE = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if id then
  local j = redis.call('GET', ARGV[2] .. 'app:' .. id)
  if j then return {'number', j} end
end
local d = redis.call('ZRANGE', KEYS[2], 0, 0)
if d[1] then
  local j = redis.call('GET', ARGV[2] .. 'app:' .. d[1])
  if j then return {'default', j} end
end
return {'none'}`;

const CAS_ATTEMPTS = 10;
const ROUTE_CACHE_MAX = 10_000;

export class RedisApplications implements ApplicationStore {
  /** number -> its attached app, as last seen (used only while Redis is away). */
  private readonly routeCache = new Map<string, ApplicationRecord>();
  /** The default app as last seen: null when there was none, undefined when unknown. */
  private lastDefault: ApplicationRecord | null | undefined;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: RedisKeys,
  ) {}

  async create(app: ApplicationRecord): Promise<void> {
    const { score, id } = applicationKey(app);
    const k = this.keys;
    const done = await this.link.read((r) =>
      r.eval(CREATE, 3, k.app(id), k.apps(), k.defaultApps(), JSON.stringify(app), score, id, flag(app)),
    );
    if (Number(done) !== 1) throw duplicateApp(id);
    this.forgetRoutes();
  }

  async get(appId: string): Promise<ApplicationRecord | undefined> {
    return this.link.read(async (r) => parse(await r.get(this.keys.app(appId))));
  }

  async list(page: Page): Promise<{ objects: ApplicationRecord[]; total: number }> {
    const { offset, limit } = normalizePage(page);
    return this.link.read(async (r) => {
      const total = await r.zcard(this.keys.apps());
      if (limit === 0 || offset >= total) return { objects: [], total };
      const ids = await r.zrange(this.keys.apps(), offset, offset + limit - 1);
      const recs = await this.link.getJson<ApplicationRecord>(ids.map((id) => this.keys.app(id)));
      return { objects: recs.filter((x): x is ApplicationRecord => x !== undefined), total };
    });
  }

  async update(appId: string, patch: ApplicationPatch): Promise<ApplicationRecord | undefined> {
    const k = this.keys;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const result = await this.link.read(async (r) => {
        const cur = await r.get(k.app(appId));
        if (cur === null) return { done: true, app: undefined };
        const next = applyPatch(JSON.parse(cur) as ApplicationRecord, patch);
        const { score } = applicationKey(next);
        const args = [cur, JSON.stringify(next), flag(next), score, appId];
        const rc = Number(await r.eval(UPDATE, 2, k.app(appId), k.defaultApps(), ...args));
        return { done: rc !== 0, app: rc === 1 ? next : undefined };
      });
      if (result.done) {
        this.forgetRoutes();
        return result.app;
      }
    }
    throw new StoreError('CONFLICT', `application ${appId} kept changing during the update`);
  }

  async remove(appId: string): Promise<boolean> {
    const k = this.keys;
    const rc = Number(
      await this.link.read((r) =>
        r.eval(REMOVE, 4, k.app(appId), k.appNumbers(appId), k.apps(), k.defaultApps(), appId),
      ),
    );
    if (rc < 0) throw inUse(-rc);
    this.forgetRoutes();
    return rc === 1;
  }

  async attachNumber(number: string, appId: string): Promise<void> {
    const k = this.keys;
    const rc = await this.link.read((r) =>
      r.eval(ATTACH, 3, k.app(appId), k.numberRoutes(), k.appNumbers(appId), number, appId, k.prefix),
    );
    if (Number(rc) !== 1) throw noSuchApp(appId);
    this.routeCache.delete(number);
  }

  async detachNumber(number: string): Promise<boolean> {
    const k = this.keys;
    const rc = await this.link.read((r) => r.eval(DETACH, 1, k.numberRoutes(), number, k.prefix));
    this.routeCache.delete(number);
    return Number(rc) === 1;
  }

  async numbersOf(appId: string): Promise<string[]> {
    const numbers = await this.link.read((r) => r.smembers(this.keys.appNumbers(appId)));
    return numbers.sort();
  }

  async route(number: string): Promise<ApplicationRecord | undefined> {
    let reply: unknown;
    try {
      reply = await this.link.read((r) =>
        r.eval(ROUTE, 2, this.keys.numberRoutes(), this.keys.defaultApps(), number, this.keys.prefix),
      );
    } catch (err) {
      const known = this.routeCache.get(number) ?? this.lastDefault;
      if (known === undefined) throw err;
      return known === null ? undefined : structuredClone(known);
    }
    const [how, json] = reply as [string, string | undefined];
    const app = parse(json ?? null);
    if (how === 'number' && app) this.remember(number, app);
    else {
      this.routeCache.delete(number);
      this.lastDefault = app ?? null;
    }
    return app;
  }

  private remember(number: string, app: ApplicationRecord): void {
    this.routeCache.delete(number);
    this.routeCache.set(number, app);
    if (this.routeCache.size > ROUTE_CACHE_MAX) {
      const oldest = this.routeCache.keys().next().value;
      if (oldest !== undefined) this.routeCache.delete(oldest);
    }
  }

  private forgetRoutes(): void {
    this.routeCache.clear();
    this.lastDefault = undefined;
  }
}

function flag(app: ApplicationRecord): string {
  return app.default_app ? '1' : '0';
}

function parse(json: string | null): ApplicationRecord | undefined {
  return json === null ? undefined : (JSON.parse(json) as ApplicationRecord);
}
