import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../../util/log.ts';

export type MediaFetchErrorCode =
  | 'FETCH_BAD_URL' // not an absolute http: or https: URL
  | 'FETCH_TOO_LARGE' // Content-Length or the streamed body over maxBytes
  | 'FETCH_TIMEOUT' // connect plus the whole body took longer than timeoutMs
  | 'FETCH_HTTP_STATUS' // the final response was not 2xx (or 304 to our revalidation)
  | 'FETCH_FAILED' // network, TLS, too many redirects, or the cache could not be written
  | 'FETCH_ABORTED'; // the caller's AbortSignal fired

export class MediaFetchError extends Error {
  readonly code: MediaFetchErrorCode;
  /** The HTTP status, for FETCH_HTTP_STATUS. */
  readonly status?: number;

  constructor(code: MediaFetchErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'MediaFetchError';
    this.code = code;
    this.status = status;
  }
}

export interface FetchedMedia {
  file: string;
  bytes: number;
  contentType?: string;
  /** Served from the disk cache (fresh, or confirmed by a 304). */
  fromCache: boolean;
  /** The server answered 304 to a conditional request. */
  revalidated: boolean;
}

export interface MediaFetcherOptions {
  cacheDir: string;
  /** Largest body accepted. Default 50 MiB. */
  maxBytes?: number;
  /** Connect plus the whole body, redirects included. Default 15 s. */
  timeoutMs?: number;
  /** Least-recently-used entries are deleted above this. Default 512 MiB. */
  maxCacheBytes?: number;
  fetchImpl?: typeof fetch;
  logger?: Logger;
  userAgent?: string;
  /** Default 5. */
  maxRedirects?: number;
  /** How long a `no-store` download stays on disk for its caller before deletion. Default 60 s. */
  transientTtlMs?: number;
  /** Wall clock (ms since the epoch) for freshness; tests inject one. Default Date.now. */
  now?: () => number;
}

/** The `<hex>.json` next to each `<hex>.bin`: what revalidation and freshness need. */
interface CacheMeta {
  url: string;
  size: number;
  contentType?: string;
  etag?: string;
  lastModified?: string;
  cacheControl?: string;
  expires?: string;
  date?: string;
  /** Ms since the epoch; the entry is served without a request before it. 0: always revalidate. */
  expiresAt: number;
}

interface Entry {
  meta: CacheMeta;
  lastUsed: number;
}

interface Download {
  key: string;
  promise: Promise<FetchedMedia>;
  waiters: number;
  controller: AbortController;
}

const KEY_RE = /^[0-9a-f]{64}$/;
/** Leftover temporary files older than this are swept at start. */
const STALE_TMP_MS = 3600_000;

/**
 * Downloads `<Play>` media (vobizxml.md 2.2) to files, with a private HTTP cache on disk
 * keyed by URL (RFC 9111): fresh entries are served without a request, stale ones are
 * revalidated with their validators. One download per URL at a time.
 */
export class MediaFetcher {
  private readonly cacheDir: string;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly maxCacheBytes: number;
  private readonly fetchImpl: typeof fetch;
  private readonly logger: Logger;
  private readonly userAgent: string;
  private readonly maxRedirects: number;
  private readonly transientTtlMs: number;
  private readonly now: () => number;
  private readonly index = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Download>();
  private totalBytes = 0;
  private lastStamp = 0;
  private init: Promise<void> | undefined;

  constructor(opts: MediaFetcherOptions) {
    this.cacheDir = opts.cacheDir;
    this.maxBytes = opts.maxBytes ?? 50 * 1024 * 1024;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.maxCacheBytes = opts.maxCacheBytes ?? 512 * 1024 * 1024;
    this.fetchImpl = opts.fetchImpl ?? globalThis.fetch;
    this.logger = opts.logger ?? silentLogger;
    this.userAgent = opts.userAgent ?? 'Patchbay media fetcher';
    this.maxRedirects = opts.maxRedirects ?? 5;
    this.transientTtlMs = opts.transientTtlMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Bytes of the cached bodies. */
  get cacheBytes(): number {
    return this.totalBytes;
  }

  async fetch(url: string, signal?: AbortSignal): Promise<FetchedMedia> {
    const target = parseMediaUrl(url);
    if (signal?.aborted) throw aborted();
    const key = createHash('sha256').update(target.href).digest('hex');
    let job = this.inFlight.get(key);
    if (job === undefined) {
      const controller = new AbortController();
      const created: Download = {
        key,
        waiters: 0,
        controller,
        promise: this.load(key, target, controller).finally(() => this.forget(created)),
      };
      this.inFlight.set(key, created);
      job = created;
    }
    return this.wait(job, signal);
  }

  private forget(job: Download): void {
    if (this.inFlight.get(job.key) === job) this.inFlight.delete(job.key);
  }

  /** One caller's view of a shared download; the download is aborted when its last caller leaves. */
  private wait(job: Download, signal?: AbortSignal): Promise<FetchedMedia> {
    job.waiters++;
    return new Promise<FetchedMedia>((resolve, reject) => {
      const onAbort = (): void => {
        if (--job.waiters === 0) {
          this.forget(job);
          job.controller.abort(aborted());
        }
        reject(aborted());
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      job.promise.then(
        (media) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(media);
        },
        (err: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  private async load(key: string, url: URL, controller: AbortController): Promise<FetchedMedia> {
    const timer = setTimeout(
      () =>
        controller.abort(
          new MediaFetchError('FETCH_TIMEOUT', `${url.href}: no complete answer in ${this.timeoutMs} ms`),
        ),
      this.timeoutMs,
    );
    try {
      await this.ready();
      return await this.fromCacheOrNetwork(key, url, controller);
    } catch (err) {
      const reason: unknown = controller.signal.reason;
      if (controller.signal.aborted && reason instanceof MediaFetchError) throw reason;
      if (err instanceof MediaFetchError) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new MediaFetchError('FETCH_FAILED', `${url.href}: ${detail}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async fromCacheOrNetwork(
    key: string,
    url: URL,
    controller: AbortController,
  ): Promise<FetchedMedia> {
    const bin = join(this.cacheDir, `${key}.bin`);
    let entry = this.index.get(key);
    // RFC 9111 4.2: a fresh stored response is used without contacting the server.
    if (entry && entry.meta.expiresAt > this.now()) {
      if (await this.touch(key, entry)) return served(bin, entry.meta, false);
      entry = undefined;
    }
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'audio/*, */*;q=0.5' };
    // RFC 9110 13.1.2, 13.1.3: revalidate with the stored validators.
    if (entry?.meta.etag) headers['if-none-match'] = entry.meta.etag;
    if (entry?.meta.lastModified) headers['if-modified-since'] = entry.meta.lastModified;
    const res = await this.request(url, headers, controller.signal);

    if (res.status === 304 && entry) {
      await res.body?.cancel().catch(() => {});
      if (await this.touch(key, entry)) {
        // RFC 9111 4.3.4: the 304's headers update the stored ones.
        const meta = { ...entry.meta };
        for (const [field, name] of META_HEADERS) meta[field] = res.headers.get(name) ?? meta[field];
        meta.expiresAt = expiryOf((name) => metaHeader(meta, name), this.now());
        entry.meta = meta;
        await this.writeMeta(key, meta);
        return served(bin, meta, true);
      }
      // The stored body vanished under us: ask again, unconditionally this time.
      return this.fromCacheOrNetwork(key, url, controller);
    }
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => {});
      throw new MediaFetchError(
        'FETCH_HTTP_STATUS',
        `${url.href}: HTTP ${res.status} ${res.statusText}`,
        res.status,
      );
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (declared > this.maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge(url, declared, this.maxBytes);
    }

    const tmp = join(this.cacheDir, `${key}.${randomBytes(6).toString('hex')}.tmp`);
    const bytes = await this.saveBody(res, tmp, url, controller);
    const contentType = res.headers.get('content-type') ?? undefined;
    if (hasDirective(res.headers.get('cache-control'), 'no-store')) {
      // RFC 9111 5.2.2.5: not kept; the caller gets a file that is deleted a little later.
      if (entry) await this.remove(key);
      setTimeout(() => unlink(tmp).catch(() => {}), this.transientTtlMs).unref();
      return { file: tmp, bytes, contentType, fromCache: false, revalidated: false };
    }
    const meta: CacheMeta = { url: url.href, size: bytes, contentType, expiresAt: 0 };
    for (const [field, name] of META_HEADERS) meta[field] = res.headers.get(name) ?? undefined;
    meta.expiresAt = expiryOf((name) => res.headers.get(name), this.now());
    await rename(tmp, bin);
    await this.writeMeta(key, meta);
    const old = this.index.get(key);
    this.totalBytes += bytes - (old?.meta.size ?? 0);
    this.index.set(key, { meta, lastUsed: this.stamp() });
    await this.evict(key);
    this.logger.debug({ url: url.href, bytes }, 'media fetched');
    return { file: bin, bytes, contentType, fromCache: false, revalidated: false };
  }

  /** Follows up to maxRedirects redirects itself, so that each hop is checked. */
  private async request(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const res = await this.fetchImpl(current, { headers, signal, redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status > 399 || res.status === 304 || location === null) return res;
      await res.body?.cancel().catch(() => {});
      if (hop >= this.maxRedirects) {
        throw new MediaFetchError('FETCH_FAILED', `${url.href}: more than ${this.maxRedirects} redirects`);
      }
      current = parseMediaUrl(new URL(location, current).href);
    }
  }

  /** Streams the body into `tmp`, stopping as soon as it grows past maxBytes. */
  private async saveBody(res: Response, tmp: string, url: URL, controller: AbortController): Promise<number> {
    const fh = await open(tmp, 'w');
    let bytes = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body) {
          bytes += chunk.byteLength;
          if (bytes > this.maxBytes) {
            const err = tooLarge(url, bytes, this.maxBytes);
            controller.abort(err);
            throw err;
          }
          await fh.write(chunk);
        }
      }
      await fh.close();
      return bytes;
    } catch (err) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }

  /** Marks an entry used (also on disk, so the order survives a restart); false when its file is gone. */
  private async touch(key: string, entry: Entry): Promise<boolean> {
    entry.lastUsed = this.stamp();
    try {
      const t = entry.lastUsed / 1000;
      await utimes(join(this.cacheDir, `${key}.bin`), t, t);
      return true;
    } catch {
      await this.remove(key);
      return false;
    }
  }

  /** Strictly increasing, so that uses within one millisecond keep their order. */
  private stamp(): number {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 0.001);
    return this.lastStamp;
  }

  private async writeMeta(key: string, meta: CacheMeta): Promise<void> {
    const tmp = join(this.cacheDir, `${key}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(tmp, JSON.stringify(meta));
    await rename(tmp, join(this.cacheDir, `${key}.json`));
  }

  private async remove(key: string): Promise<void> {
    const entry = this.index.get(key);
    if (entry) {
      this.index.delete(key);
      this.totalBytes -= entry.meta.size;
    }
    await unlink(join(this.cacheDir, `${key}.json`)).catch(() => {});
    await unlink(join(this.cacheDir, `${key}.bin`)).catch(() => {});
  }

  /** Deletes least-recently-used entries until the cache fits; never `keep` nor a download under way. */
  private async evict(keep: string): Promise<void> {
    if (this.totalBytes <= this.maxCacheBytes) return;
    const victims = [...this.index]
      .filter(([key]) => key !== keep && !this.inFlight.has(key))
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [key] of victims) {
      if (this.totalBytes <= this.maxCacheBytes) break;
      this.logger.debug({ url: this.index.get(key)?.meta.url }, 'media cache eviction');
      await this.remove(key);
    }
  }

  /** Once: creates the folder and loads the index from disk, sweeping debris of interrupted writes. */
  private ready(): Promise<void> {
    this.init ??= this.scan().catch((err: Error) => {
      this.init = undefined;
      throw new MediaFetchError('FETCH_FAILED', `media cache ${this.cacheDir}: ${err.message}`);
    });
    return this.init;
  }

  private async scan(): Promise<void> {
    await mkdir(this.cacheDir, { recursive: true });
    const names = await readdir(this.cacheDir);
    const present = new Set(names);
    for (const name of names) {
      const path = join(this.cacheDir, name);
      const key = name.slice(0, -5);
      if (name.endsWith('.tmp')) {
        const st = await stat(path).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > STALE_TMP_MS) await unlink(path).catch(() => {});
      } else if (name.endsWith('.json') && KEY_RE.test(key)) {
        const st = present.has(`${key}.bin`) ? await stat(join(this.cacheDir, `${key}.bin`)) : undefined;
        const meta = await readFile(path, 'utf8').then(parseMeta, () => undefined);
        if (st && meta && meta.size === st.size) {
          this.index.set(key, { meta, lastUsed: st.mtimeMs });
          this.totalBytes += meta.size;
        } else await this.remove(key);
      } else if (name.endsWith('.bin') && !present.has(`${name.slice(0, -4)}.json`)) {
        await unlink(path).catch(() => {});
      }
    }
    await this.evict('');
  }
}

/** Stored response headers: CacheMeta field -> header name. */
const META_HEADERS = [
  ['etag', 'etag'],
  ['lastModified', 'last-modified'],
  ['cacheControl', 'cache-control'],
  ['expires', 'expires'],
  ['date', 'date'],
] as const;

function metaHeader(meta: CacheMeta, name: string): string | null {
  const pair = META_HEADERS.find(([, n]) => n === name);
  return (pair && meta[pair[0]]) ?? null;
}

/**
 * RFC 9111 4.2.1: freshness lifetime from max-age (less Age), else Expires - Date. no-cache
 * (5.2.2.4), an invalid Expires (5.3) or no explicit lifetime at all mean "revalidate every
 * time": this cache does no heuristic freshness (4.2.2). s-maxage is for shared caches.
 */
function expiryOf(get: (name: string) => string | null, now: number): number {
  const cc = get('cache-control');
  if (hasDirective(cc, 'no-cache') || hasDirective(cc, 'no-store')) return 0;
  const maxAge = /(?:^|[\s,])max-age\s*=\s*"?(\d+)/i.exec(cc ?? '');
  if (maxAge) {
    const age = Number.parseInt(get('age') ?? '0', 10) || 0;
    return now + (Number(maxAge[1]) - age) * 1000;
  }
  const expires = get('expires');
  if (expires === null) return 0;
  const until = Date.parse(expires);
  if (Number.isNaN(until)) return 0;
  const date = Date.parse(get('date') ?? '');
  return now + until - (Number.isNaN(date) ? now : date);
}

function hasDirective(cacheControl: string | null, name: string): boolean {
  if (cacheControl === null) return false;
  return cacheControl.split(',').some((d) => d.trim().split('=')[0].trim().toLowerCase() === name);
}

function parseMeta(text: string): CacheMeta | undefined {
  try {
    const meta = JSON.parse(text) as CacheMeta;
    return typeof meta.size === 'number' && typeof meta.expiresAt === 'number' ? meta : undefined;
  } catch {
    return undefined;
  }
}

function parseMediaUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new MediaFetchError('FETCH_BAD_URL', `not an absolute URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new MediaFetchError(
      'FETCH_BAD_URL',
      `only http: and https: media URLs are fetched, not ${parsed.protocol}`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new MediaFetchError('FETCH_BAD_URL', 'media URLs with credentials are not fetched');
  }
  parsed.hash = '';
  return parsed;
}

function served(file: string, meta: CacheMeta, revalidated: boolean): FetchedMedia {
  return { file, bytes: meta.size, contentType: meta.contentType, fromCache: true, revalidated };
}

function tooLarge(url: URL, bytes: number, max: number): MediaFetchError {
  return new MediaFetchError('FETCH_TOO_LARGE', `${url.href}: body of ${bytes}+ bytes exceeds ${max}`);
}

function aborted(): MediaFetchError {
  return new MediaFetchError('FETCH_ABORTED', 'media fetch aborted');
}
