import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import type { z } from 'zod';
import { restApi } from '../../../src/api/rest-api.ts';
import { expressPath, ROUTES, type Route } from '../../../src/api/route-table.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { AUTH, AUTH_ID, AUTH_TOKEN, apiFixture, cdr, NODE_ID, recording } from '../../helpers/api-fakes.ts';

const FILE = join(import.meta.dirname, '..', '..', '..', 'openapi.yaml');
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

interface Parameter {
  name: string;
  in: string;
  example?: unknown;
}
interface MediaType {
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, unknown>;
}
type PathItem = Partial<Record<(typeof METHODS)[number], Operation>> & { parameters?: Parameter[] };
interface Doc {
  paths: Record<string, PathItem>;
  components: { securitySchemes: Record<string, { type: string; in: string; name: string }> };
}

let doc: Doc;

const key = (method: string, path: string, op?: string) => `${method.toUpperCase()} ${path} ${op ?? ''}`;

function operations(d: Doc): { method: string; path: string; op: Operation; item: PathItem }[] {
  const out: { method: string; path: string; op: Operation; item: PathItem }[] = [];
  for (const [path, item] of Object.entries(d.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (op) out.push({ method: m, path, op, item });
    }
  }
  return out;
}

function routeOf(operationId: string | undefined): Route {
  const r = ROUTES.find((x) => x.operationId === operationId);
  assert.ok(r, `operation ${operationId} is in the route table`);
  return r;
}

function bodyExamples(op: Operation): unknown[] {
  const media = op.requestBody?.content['application/json'];
  if (!media) return [];
  const list: unknown[] = media.example !== undefined ? [media.example] : [];
  for (const ex of Object.values(media.examples ?? {})) list.push(ex.value);
  return list;
}

function queryExample(op: Operation, item: PathItem): Record<string, string> {
  const q: Record<string, string> = {};
  for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
    if (p.in === 'query' && p.example !== undefined) q[p.name] = String(p.example);
  }
  return q;
}

before(async () => {
  // validate() parses, resolves every $ref and checks the document against the OpenAPI schema.
  doc = (await SwaggerParser.validate(FILE)) as unknown as Doc;
});

describe('openapi.yaml', () => {
  test('is a valid OpenAPI document with the two credential headers as security schemes', () => {
    const s = doc.components.securitySchemes;
    assert.deepEqual(s.AuthID, { ...s.AuthID, type: 'apiKey', in: 'header', name: 'X-Auth-ID' });
    assert.deepEqual(s.AuthToken, { ...s.AuthToken, type: 'apiKey', in: 'header', name: 'X-Auth-Token' });
  });

  test('lists exactly the (method, path, operationId) set of the route table', () => {
    const inFile = operations(doc).map((o) => key(o.method, o.path, o.op.operationId));
    const inTable = ROUTES.map((r) => key(r.method, r.path, r.operationId));
    assert.deepEqual([...inFile].sort(), [...inTable].sort());
    assert.equal(new Set(inTable).size, inTable.length, 'no route twice in the table');
  });

  test('the router mounts exactly the route table (plus one 405 catch-all per path)', () => {
    const f = apiFixture();
    after(() => f.close());
    const router = restApi({
      authId: AUTH_ID,
      authToken: AUTH_TOKEN,
      store: f.store,
      control: f.control,
      recordings: f.files,
      log: silentLogger,
      nodeId: NODE_ID,
    }) as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    const served: string[] = [];
    const catchAll = new Set<string>();
    for (const layer of router.stack) {
      if (!layer.route) continue;
      for (const m of Object.keys(layer.route.methods)) {
        if (m === '_all') catchAll.add(layer.route.path);
        else served.push(key(m, layer.route.path));
      }
    }
    assert.deepEqual(served.sort(), ROUTES.map((r) => key(r.method, expressPath(r.path))).sort());
    assert.deepEqual([...catchAll].sort(), [...new Set(ROUTES.map((r) => expressPath(r.path)))].sort());
  });

  test('every body route has an example, and every example validates against its zod schema', () => {
    let checked = 0;
    for (const { op, item } of operations(doc)) {
      const route = routeOf(op.operationId);
      if ('body' in route) {
        const examples = bodyExamples(op);
        if (op.requestBody?.required)
          assert.ok(examples.length > 0, `${op.operationId} has a request example`);
        for (const ex of examples) {
          const r = (route.body as z.ZodType).safeParse(ex);
          assert.ok(r.success, `${op.operationId} example ${JSON.stringify(ex)}: ${r.error?.message}`);
          checked++;
        }
      } else {
        assert.equal(op.requestBody, undefined, `${op.operationId} takes no body`);
      }
      if ('query' in route) {
        const r = (route.query as z.ZodType).safeParse(queryExample(op, item));
        assert.ok(r.success, `${op.operationId} query examples: ${r.error?.message}`);
      }
    }
    const bodyRoutes = ROUTES.filter((r) => 'body' in r).length;
    assert.ok(checked >= bodyRoutes, `${checked} body examples for ${bodyRoutes} body routes`);
  });

  test('every documented operation is served: its example request gets its documented 2xx', async () => {
    const LIVE = randomUUID();
    const CDR_ID = randomUUID();
    const REC_ID = '0b7c2a8e-58f4-4b55-9d0e-7a1f3c2d4e5f';
    const APP_ID = '12345678901234567';
    const STOP_URL = `http://127.0.0.1:8080/api/v1/Account/MA_XXXXXXXX/Recording/${REC_ID}.wav`;
    for (const { method, path, op, item } of operations(doc)) {
      // A fresh world per request: deletes and hangups must not affect the next one.
      const f = apiFixture();
      try {
        await f.addCall({ call_uuid: LIVE });
        const stream = await f.control.startStream(LIVE, {
          serviceUrl: 'ws://127.0.0.1:1/s',
          audioTrack: 'both',
          bidirectional: false,
          contentType: 'audio/x-l16;rate=8000',
          streamTimeout: 60,
          statusCallbackMethod: 'POST',
          extraHeaders: {},
        });
        f.control.calls.get(LIVE)?.recordings.push(STOP_URL);
        await f.store.cdrs.add(cdr({ uuid: CDR_ID }));
        await f.store.recordings.add(recording({ recording_id: REC_ID }));
        writeFileSync(f.files.path(REC_ID), Buffer.from('RIFF0000WAVE'));
        await f.store.applications.create({
          app_id: APP_ID,
          app_name: 'seeded',
          answer_url: 'http://127.0.0.1:1/a',
          answer_method: 'POST',
          hangup_url: 'http://127.0.0.1:1/a',
          hangup_method: 'POST',
          fallback_answer_url: null,
          fallback_method: 'POST',
          message_url: null,
          message_method: 'POST',
          default_number_app: false,
          default_endpoint_app: false,
          sub_account: null,
          application_type: 'XML',
          default_app: false,
          enabled: true,
          log_incoming_message: true,
          public_uri: false,
          sip_transfer_url: null,
          sip_transfer_method: 'POST',
          sip_uri: `sip:${APP_ID}@x`,
          created_at: '2026-01-01 00:00:00.000000+00:00',
          updated_at: '2026-01-01 00:00:00.000000+00:00',
        });
        const values: Record<string, string> = {
          auth_id: AUTH_ID,
          call_uuid: LIVE,
          request_uuid: LIVE,
          stream_id: stream?.stream_id ?? '',
          recording_id: REC_ID,
          app_id: APP_ID,
          number: '%2B14155550100',
          call_id: CDR_ID,
        };
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => values[name]);
        const expected = Number(Object.keys(op.responses).find((c) => c.startsWith('2')));
        const bodies = bodyExamples(op);
        for (const body of bodies.length > 0 ? bodies : [undefined]) {
          let req = request(f.app)[method as 'get' | 'post' | 'delete'](url).query(queryExample(op, item));
          if (routeOf(op.operationId).operationId !== 'downloadRecording') req = req.set(AUTH);
          if (body !== undefined) req = req.send(body as object);
          const res = await req;
          assert.equal(res.status, expected, `${method.toUpperCase()} ${path}: ${res.status} ${res.text}`);
        }
      } finally {
        f.close();
      }
    }
  });
});
