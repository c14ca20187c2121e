import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type MediaFetchError,
  MediaFetcher,
  type MediaFetcherOptions,
} from '../../../../src/media/source/media-fetcher.ts';

const root = mkdtempSync(join(tmpdir(), 'patchbay-fetch-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
function cacheDir(): string {
  return join(root, `c${++seq}`);
}

interface Hit {
  path: string;
  headers: IncomingMessage['headers'];
}

interface TestServer {
  url(path: string): string;
  hits: Hit[];
  /** Responses with status 304 sent. */
  notModified: number;
  /** Requests whose connection closed before the response ended. */
  aborted: number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server on 127.0.0.1, port chosen by the OS, that counts what it sees. */
async function serve(routes: Record<string, Handler>): Promise<TestServer> {
  const state = { hits: [] as Hit[], notModified: 0, aborted: 0 };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    state.hits.push({ path, headers: req.headers });
    res.on('close', () => {
      if (!res.writableFinished) state.aborted++;
    });
    res.on('finish', () => {
      if (res.statusCode === 304) state.notModified++;
    });
    const handler = routes[path.split('?')[0]];
    if (handler) handler(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    get hits() {
      return state.hits;
    },
    get notModified() {
      return state.notModified;
    },
    get aborted() {
      return state.aborted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function fetcher(opts: Partial<MediaFetcherOptions> = {}): MediaFetcher {
  return new MediaFetcher({ cacheDir: opts.cacheDir ?? cacheDir(), ...opts });
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<MediaFetchError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${code}`),
    (err: unknown) => {
      caught = err;
    },
  );
  assert.equal((caught as MediaFetchError).code, code, String(caught));
  return caught as MediaFetchError;
}

const AUDIO = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));

test('plain fetch: body in <cacheDir>/<sha256>.bin with metadata; user agent sent', async (t) => {
  const srv = await serve({
    '/a.wav': (_req, res) => res.writeHead(200, { 'content-type': 'audio/wav', etag: '"v1"' }).end(AUDIO),
  });
  t.after(() => srv.close());
  const dir = cacheDir();
  const f = fetcher({ cacheDir: dir, userAgent: 'PatchbayTest/1' });
  const media = await f.fetch(srv.url('/a.wav'));
  assert.equal(media.bytes, AUDIO.length);
  assert.equal(media.contentType, 'audio/wav');
  assert.equal(media.fromCache, false);
  assert.equal(media.revalidated, false);
  assert.deepEqual(readFileSync(media.file), AUDIO);
  const name = /^([0-9a-f]{64})\.bin$/.exec(media.file.slice(dir.length + 1));
  assert.ok(name, media.file);
  const meta = JSON.parse(readFileSync(join(dir, `${name[1]}.json`), 'utf8'));
  assert.equal(meta.url, srv.url('/a.wav'));
  assert.equal(meta.etag, '"v1"');
  assert.equal(meta.size, AUDIO.length);
  assert.equal(meta.contentType, 'audio/wav');
  assert.deepEqual(readdirSync(dir).sort(), [`${name[1]}.bin`, `${name[1]}.json`]);
  assert.equal(srv.hits[0].headers['user-agent'], 'PatchbayTest/1');
  assert.equal(f.cacheBytes, AUDIO.length);
});

test('max-age: a fresh entry is served without a request, also by a new fetcher on the same folder', async (t) => {
  const srv = await serve({
    '/m.mp3': (_req, res) =>
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'cache-control': 'public, max-age=60' }).end(AUDIO),
  });
  t.after(() => srv.close());
  const dir = cacheDir();
  const first = await fetcher({ cacheDir: dir }).fetch(srv.url('/m.mp3'));
  const f = fetcher({ cacheDir: dir });
  const again = await f.fetch(srv.url('/m.mp3'));
  const third = await f.fetch(`${srv.url('/m.mp3')}#fragment`);
  assert.equal(srv.hits.length, 1);
  for (const m of [again, third]) {
    assert.equal(m.fromCache, true);
    assert.equal(m.revalidated, false);
    assert.equal(m.file, first.file);
    assert.equal(m.bytes, AUDIO.length);
    assert.equal(m.contentType, 'audio/mpeg');
  }
});

test('max-age passed: revalidation with If-None-Match; 304 serves the cache and renews freshness', async (t) => {
  const srv = await serve({
    '/e.wav': (req, res) => {
      if (req.headers['if-none-match'] === '"e1"')
        res.writeHead(304, { 'cache-control': 'max-age=10' }).end();
      else res.writeHead(200, { etag: '"e1"', 'cache-control': 'max-age=10' }).end(AUDIO);
    },
  });
  t.after(() => srv.close());
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const f = fetcher({ now: () => clock });
  await f.fetch(srv.url('/e.wav'));
  clock += 9_000;
  assert.equal((await f.fetch(srv.url('/e.wav'))).fromCache, true);
  assert.equal(srv.hits.length, 1, 'still fresh after 9 s');
  clock += 2_000;
  const revalidated = await f.fetch(srv.url('/e.wav'));
  assert.equal(srv.hits.length, 2);
  assert.equal(srv.hits[1].headers['if-none-match'], '"e1"');
  assert.equal(srv.notModified, 1);
  assert.deepEqual(
    { fromCache: revalidated.fromCache, revalidated: revalidated.revalidated, bytes: revalidated.bytes },
    { fromCache: true, revalidated: true, bytes: AUDIO.length },
  );
  assert.deepEqual(readFileSync(revalidated.file), AUDIO);
  clock += 9_000;
  await f.fetch(srv.url('/e.wav'));
  assert.equal(srv.hits.length, 2, 'the 304 renewed max-age');
});

test('ETag without a lifetime: every fetch revalidates; a changed resource (200) replaces the entry', async (t) => {
  let version = 1;
  const srv = await serve({
    '/v.wav': (req, res) => {
      const etag = `"v${version}"`;
      if (req.headers['if-none-match'] === etag) res.writeHead(304).end();
      else res.writeHead(200, { etag, 'content-type': 'audio/wav' }).end(`body version ${version}`);
    },
  });
  t.after(() => srv.close());
  const f = fetcher();
  const first = await f.fetch(srv.url('/v.wav'));
  const second = await f.fetch(srv.url('/v.wav'));
  const third = await f.fetch(srv.url('/v.wav'));
  assert.equal(srv.hits.length, 3);
  assert.equal(srv.notModified, 2);
  assert.equal(srv.hits[0].headers['if-none-match'], undefined);
  assert.equal(second.revalidated && third.revalidated, true);
  assert.equal(second.contentType, 'audio/wav');
  version = 2;
  const changed = await f.fetch(srv.url('/v.wav'));
  assert.equal(changed.fromCache, false);
  assert.equal(changed.revalidated, false);
  assert.equal(changed.file, first.file);
  assert.equal(readFileSync(changed.file, 'utf8'), 'body version 2');
  assert.equal(f.cacheBytes, 'body version 2'.length);
  const after2 = await f.fetch(srv.url('/v.wav'));
  assert.equal(srv.hits.at(-1)?.headers['if-none-match'], '"v2"');
  assert.equal(after2.revalidated, true);
});

test('Last-Modified: revalidation with If-Modified-Since', async (t) => {
  const lastModified = 'Tue, 01 Jan 2030 10:00:00 GMT';
  const srv = await serve({
    '/lm.wav': (req, res) => {
      if (req.headers['if-modified-since'] === lastModified) res.writeHead(304).end();
      else res.writeHead(200, { 'last-modified': lastModified }).end(AUDIO);
    },
  });
  t.after(() => srv.close());
  const f = fetcher();
  await f.fetch(srv.url('/lm.wav'));
  const again = await f.fetch(srv.url('/lm.wav'));
  assert.equal(srv.hits[1].headers['if-modified-since'], lastModified);
  assert.equal(srv.notModified, 1);
  assert.equal(again.revalidated, true);
  assert.deepEqual(readFileSync(again.file), AUDIO);
});

test('Expires (against Date) gives a lifetime; an invalid Expires means stale', async (t) => {
  const srv = await serve({
    '/exp.wav': (_req, res) => {
      const date = new Date('2001-01-01T00:00:00Z');
      res
        .writeHead(200, {
          date: date.toUTCString(),
          expires: new Date(date.getTime() + 30_000).toUTCString(),
        })
        .end(AUDIO);
    },
    '/bad.wav': (_req, res) => res.writeHead(200, { expires: '0' }).end(AUDIO),
  });
  t.after(() => srv.close());
  const f = fetcher();
  await f.fetch(srv.url('/exp.wav'));
  assert.equal((await f.fetch(srv.url('/exp.wav'))).fromCache, true, 'fresh for 30 s despite the old Date');
  await f.fetch(srv.url('/bad.wav'));
  assert.equal((await f.fetch(srv.url('/bad.wav'))).fromCache, false);
  assert.equal(srv.hits.length, 3);
});

test('no-store: never kept; the caller still gets a file, deleted a little later', async (t) => {
  let noStore = false;
  const srv = await serve({
    '/ns.wav': (_req, res) =>
      res.writeHead(200, { 'cache-control': noStore ? 'no-store' : 'max-age=0', etag: '"x"' }).end(AUDIO),
  });
  t.after(() => srv.close());
  const dir = cacheDir();
  const f = fetcher({ cacheDir: dir, transientTtlMs: 100 });
  await f.fetch(srv.url('/ns.wav'));
  assert.equal(readdirSync(dir).length, 2, 'cached while allowed');
  noStore = true;
  const a = await f.fetch(srv.url('/ns.wav'));
  const b = await f.fetch(srv.url('/ns.wav'));
  assert.equal(srv.hits.length, 3);
  assert.equal(a.fromCache || b.fromCache, false);
  assert.deepEqual(readFileSync(a.file), AUDIO);
  assert.notEqual(a.file, b.file);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.bin') || n.endsWith('.json')),
    [],
    'the earlier entry is dropped',
  );
  assert.equal(f.cacheBytes, 0);
  await sleep(250);
  assert.equal(existsSync(a.file), false);
  assert.deepEqual(readdirSync(dir), []);
});

test('too large by Content-Length: rejected before the body is read', async (t) => {
  const srv = await serve({
    // Announces 5000 bytes, then sends none: reading the body would wait for the timeout.
    '/big.wav': (_req, res) => {
      res.writeHead(200, { 'content-length': 5000 });
      res.flushHeaders();
    },
  });
  t.after(() => srv.close());
  const dir = cacheDir();
  const t0 = performance.now();
  const err = await rejectsWith(
    fetcher({ cacheDir: dir, maxBytes: 4000, timeoutMs: 3000 }).fetch(srv.url('/big.wav')),
    'FETCH_TOO_LARGE',
  );
  assert.ok(performance.now() - t0 < 1000);
  assert.match(err.message, /5000/);
  assert.deepEqual(readdirSync(dir), []);
});

test('too large by streamed body (chunked, no length): aborted as soon as it passes the limit', async (t) => {
  const srv = await serve({
    '/endless': (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const chunk = Buffer.alloc(1024, 7);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => clearInterval(timer));
    },
  });
  t.after(() => srv.close());
  const dir = cacheDir();
  const t0 = performance.now();
  await rejectsWith(
    fetcher({ cacheDir: dir, maxBytes: 10_000, timeoutMs: 5000 }).fetch(srv.url('/endless')),
    'FETCH_TOO_LARGE',
  );
  assert.ok(performance.now() - t0 < 2000, 'not waiting for the timeout');
  for (let i = 0; i < 100 && srv.aborted === 0; i++) await sleep(10);
  assert.equal(srv.aborted, 1, 'the connection was dropped');
  assert.deepEqual(readdirSync(dir), [], 'the partial file is removed');
});

test('timeout: a body that never ends, and a server that never answers', async (t) => {
  const srv = await serve({
    '/stall': (_req, res) => {
      res.writeHead(200, { 'content-length': 10_000 });
      res.write(Buffer.alloc(100));
    },
    '/silent': () => {},
  });
  t.after(() => srv.close());
  const dir = cacheDir();
  const f = fetcher({ cacheDir: dir, timeoutMs: 300 });
  for (const path of ['/stall', '/silent']) {
    const t0 = performance.now();
    await rejectsWith(f.fetch(srv.url(path)), 'FETCH_TIMEOUT');
    const took = performance.now() - t0;
    assert.ok(took >= 290 && took < 2000, `${path}: ${took} ms`);
  }
  assert.deepEqual(readdirSync(dir), []);
});

test('HTTP 404 and 500: FETCH_HTTP_STATUS with the status', async (t) => {
  const srv = await serve({ '/boom': (_req, res) => res.writeHead(500).end('broken') });
  t.after(() => srv.close());
  const f = fetcher();
  const notFound = await rejectsWith(f.fetch(srv.url('/missing.wav')), 'FETCH_HTTP_STATUS');
  assert.equal(notFound.status, 404);
  assert.match(notFound.message, /404/);
  assert.equal((await rejectsWith(f.fetch(srv.url('/boom')), 'FETCH_HTTP_STATUS')).status, 500);
  await rejectsWith(f.fetch(srv.url('/missing.wav')), 'FETCH_HTTP_STATUS');
  assert.equal(srv.hits.length, 3, 'errors are not cached');
});

test('only absolute http: and https: URLs: FETCH_BAD_URL without any request', async () => {
  const f = fetcher({
    fetchImpl: () => {
      throw new Error('must not be called');
    },
  });
  for (const url of [
    'ftp://127.0.0.1/a.wav',
    'file:///etc/passwd',
    'data:audio/wav;base64,AAAA',
    '/relative.wav',
    'not a url',
    'http://user:pw@127.0.0.1/a.wav',
  ]) {
    await rejectsWith(f.fetch(url), 'FETCH_BAD_URL');
  }
});

test('concurrent fetches of one URL share one download', async (t) => {
  const srv = await serve({
    '/slow.wav': (_req, res) => {
      setTimeout(() => res.writeHead(200, { 'cache-control': 'no-cache' }).end(AUDIO), 100);
    },
  });
  t.after(() => srv.close());
  const f = fetcher();
  const all = await Promise.all([1, 2, 3].map(() => f.fetch(srv.url('/slow.wav'))));
  assert.equal(srv.hits.length, 1);
  assert.ok(all.every((m) => m.file === all[0].file && m.bytes === AUDIO.length));
});

test('connection refused: FETCH_FAILED', async () => {
  const srv = await serve({});
  const url = srv.url('/gone.wav');
  await srv.close();
  const err = await rejectsWith(fetcher().fetch(url), 'FETCH_FAILED');
  assert.match(err.message, /ECONNREFUSED/);
});

test('redirects are followed up to 5; a sixth, or one to another scheme, fails', async (t) => {
  const hop =
    (to: string): Handler =>
    (_req, res) =>
      res.writeHead(302, { location: to }).end();
  const srv = await serve({
    '/r1': hop('/r2'),
    '/r2': hop('/final.wav'),
    '/final.wav': (_req, res) => res.writeHead(200, { 'content-type': 'audio/wav' }).end(AUDIO),
    '/l1': hop('/l2'),
    '/l2': hop('/l3'),
    '/l3': hop('/l4'),
    '/l4': hop('/l5'),
    '/l5': hop('/l6'),
    '/l6': hop('/final.wav'),
    '/ftp': hop('ftp://127.0.0.1/x.wav'),
  });
  t.after(() => srv.close());
  const f = fetcher();
  const media = await f.fetch(srv.url('/r1'));
  assert.deepEqual(readFileSync(media.file), AUDIO);
  assert.deepEqual(
    srv.hits.map((h) => h.path),
    ['/r1', '/r2', '/final.wav'],
  );
  const tooMany = await rejectsWith(f.fetch(srv.url('/l1')), 'FETCH_FAILED');
  assert.match(tooMany.message, /redirects/);
  assert.equal(srv.hits.filter((h) => h.path === '/final.wav').length, 1, 'the sixth hop is not followed');
  await rejectsWith(f.fetch(srv.url('/ftp')), 'FETCH_BAD_URL');
});

test('LRU eviction above maxCacheBytes', async (t) => {
  const body = Buffer.alloc(100, 1);
  const ok: Handler = (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=600' }).end(body);
  const srv = await serve({ '/a': ok, '/b': ok, '/c': ok });
  t.after(() => srv.close());
  const dir = cacheDir();
  const f = fetcher({ cacheDir: dir, maxCacheBytes: 250 });
  const a = await f.fetch(srv.url('/a'));
  const b = await f.fetch(srv.url('/b'));
  assert.equal((await f.fetch(srv.url('/a'))).fromCache, true, 'a is now the most recent');
  const c = await f.fetch(srv.url('/c'));
  assert.equal(f.cacheBytes, 200);
  assert.equal(existsSync(b.file), false, 'b, least recently used, is evicted');
  assert.equal(existsSync(a.file) && existsSync(c.file), true);
  assert.equal(readdirSync(dir).length, 4);
  const hits = srv.hits.length;
  assert.equal((await f.fetch(srv.url('/c'))).fromCache, true);
  assert.equal(srv.hits.length, hits);
  assert.equal((await f.fetch(srv.url('/b'))).fromCache, false, 'b is downloaded again');
  assert.equal(existsSync(a.file), false, 'which evicts a');
});

test('a new fetcher applies maxCacheBytes to what is already on disk, oldest first', async (t) => {
  const srv = await serve({
    '/1': (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=600' }).end(Buffer.alloc(100)),
    '/2': (_req, res) => res.writeHead(200, { 'cache-control': 'max-age=600' }).end(Buffer.alloc(100)),
  });
  t.after(() => srv.close());
  const dir = cacheDir();
  const big = fetcher({ cacheDir: dir });
  const one = await big.fetch(srv.url('/1'));
  await sleep(20);
  const two = await big.fetch(srv.url('/2'));
  const small = fetcher({ cacheDir: dir, maxCacheBytes: 150 });
  assert.equal((await small.fetch(srv.url('/2'))).fromCache, true);
  assert.equal(existsSync(one.file), false);
  assert.equal(existsSync(two.file), true);
  assert.equal(small.cacheBytes, 100);
});

test('abort: FETCH_ABORTED and the connection is dropped; other callers of a shared download are unaffected', async (t) => {
  const srv = await serve({
    '/hang': (_req, res) => {
      res.writeHead(200);
      res.write('partial');
    },
    '/late.wav': (_req, res) => {
      setTimeout(() => res.writeHead(200).end(AUDIO), 150);
    },
  });
  t.after(() => srv.close());
  const f = fetcher({ timeoutMs: 5000 });
  const ac = new AbortController();
  const p = f.fetch(srv.url('/hang'), ac.signal);
  await sleep(100);
  ac.abort();
  await rejectsWith(p, 'FETCH_ABORTED');
  for (let i = 0; i < 100 && srv.aborted === 0; i++) await sleep(10);
  assert.equal(srv.aborted, 1);
  await rejectsWith(f.fetch(srv.url('/hang'), AbortSignal.abort()), 'FETCH_ABORTED');

  const leaver = new AbortController();
  const leaving = f.fetch(srv.url('/late.wav'), leaver.signal);
  const staying = f.fetch(srv.url('/late.wav'));
  await sleep(30);
  leaver.abort();
  await rejectsWith(leaving, 'FETCH_ABORTED');
  assert.equal((await staying).bytes, AUDIO.length);
});

test('a cached body deleted behind the cache is downloaded again', async (t) => {
  const srv = await serve({
    '/d.wav': (req, res) => {
      if (req.headers['if-none-match'] === '"d"') res.writeHead(304).end();
      else res.writeHead(200, { etag: '"d"' }).end(AUDIO);
    },
  });
  t.after(() => srv.close());
  const f = fetcher();
  const first = await f.fetch(srv.url('/d.wav'));
  rmSync(first.file);
  const again = await f.fetch(srv.url('/d.wav'));
  assert.equal(again.fromCache, false);
  assert.deepEqual(readFileSync(again.file), AUDIO);
  assert.equal(srv.hits.at(-1)?.headers['if-none-match'], undefined, 'asked unconditionally');
});
