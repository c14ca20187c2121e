// Property tests: serialize -> parse keeps every field, serialize(parse(serialize(m))) is
// byte-identical to serialize(m), and no input makes the parser throw anything else than
// a MessageParseError (whose partial request, when present, can always be answered).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isEager, type SipMessage, SipRequest, SipResponse } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import type { Params } from '../../../../src/sip/message/params.ts';
import { MessageParseError, parseMessage } from '../../../../src/sip/message/parser.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { Via } from '../../../../src/sip/message/via.ts';

const RUNS = 300;

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const paramName = fc.stringMatching(/^[a-z0-9][a-z0-9\-._!~*']{0,8}$/);
const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6());
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const escaped = '%[0-9A-F]{2}';
const user = fc.stringMatching(new RegExp(`^(?:[A-Za-z0-9\\-_.!~*'()&=+$,;?/]|${escaped}){1,15}$`));
const password = fc.option(
  fc.stringMatching(new RegExp(`^(?:[A-Za-z0-9\\-_.!~*'()&=+$,]|${escaped}){0,8}$`)),
  {
    nil: undefined,
  },
);
const uriParamValue = fc.option(
  fc.stringMatching(new RegExp(`^(?:[A-Za-z0-9\\-_.!~*'()\\[\\]/:&+$]|${escaped}){1,10}$`)),
  {
    nil: null,
  },
);
const hnv = `(?:[A-Za-z0-9\\-_.!~*'()\\[\\]/?:+$]|${escaped})`;
const uriHeaders = fc.uniqueArray(
  fc.tuple(fc.stringMatching(new RegExp(`^${hnv}{1,8}$`)), fc.stringMatching(new RegExp(`^${hnv}{0,10}$`))),
  { maxLength: 2, selector: ([k]) => k },
);

function paramsOf<V>(value: fc.Arbitrary<V>, maxLength = 3): fc.Arbitrary<Map<string, V>> {
  return fc
    .uniqueArray(fc.tuple(paramName, value), { maxLength, selector: ([k]) => k })
    .map((e) => new Map(e));
}

const sipUri = (withHeaders: boolean) =>
  fc
    .record({
      scheme: fc.constantFrom('sip', 'sips'),
      user: fc.option(user, { nil: undefined }),
      password,
      host,
      port,
      params: paramsOf(uriParamValue),
      headers: withHeaders ? uriHeaders.map((e) => new Map(e)) : fc.constant(new Map<string, string>()),
    })
    .map((r) => new Uri({ ...r, password: r.user === undefined ? undefined : r.password }));

const telUri = fc
  .record({ number: fc.stringMatching(/^\+?[0-9][0-9\-.()]{0,12}$/), params: paramsOf(uriParamValue, 2) })
  .map((r) => new Uri({ scheme: 'tel', user: r.number, params: r.params }));

const quotedString = fc
  .array(
    fc.oneof(fc.stringMatching(/^[\x20\x21\x23-\x5b\x5d-\x7e]$/), fc.stringMatching(/^\\[\x20-\x7e]$/)),
    {
      maxLength: 8,
    },
  )
  .map((parts) => `"${parts.join('')}"`);
const genValue = fc.oneof(
  fc.constant(null),
  fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~:[\]]{1,10}$/),
  quotedString,
);
const headerParams: fc.Arbitrary<Params> = paramsOf(genValue);

const displayName = fc.option(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)),
  { nil: undefined },
);

const nameAddr = fc
  .record({ uri: fc.oneof(sipUri(true), telUri), displayName, params: headerParams })
  .map((r) => new NameAddr(r.uri, { displayName: r.displayName, params: r.params }));

const via = fc
  .record({
    transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'),
    host,
    port,
    branch: token,
    rport: fc.option(fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }), { nil: undefined }),
    received: fc.option(fc.ipV4(), { nil: undefined }),
  })
  .map((r) => {
    const params: Params = new Map([['branch', `z9hG4bK${r.branch}`]]);
    if (r.rport !== undefined) params.set('rport', r.rport === null ? null : String(r.rport));
    if (r.received !== undefined) params.set('received', r.received);
    return new Via({ transport: r.transport, host: r.host, port: r.port, params });
  });

const rawValue = fc
  .string({ unit: 'binary', maxLength: 30 })
  .map((s) => s.replace(/[\r\n]/g, '').replace(/^[ \t]+|[ \t]+$/g, ''));
const rawHeader = fc.tuple(
  fc.oneof(
    fc.constantFrom('Subject', 'Allow', 'Supported', 'User-Agent', 'Accept', 'Warning'),
    token.map((t) => `X-${t}`),
  ),
  rawValue,
);

const common = {
  via: fc.array(via, { minLength: 1, maxLength: 3 }),
  maxForwards: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  from: nameAddr,
  to: nameAddr,
  callId: fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]{1,20}(@[a-z0-9.-]{1,10})?$/),
  seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  contact: fc.array(nameAddr, { maxLength: 2 }),
  route: fc.array(nameAddr, { maxLength: 2 }),
  recordRoute: fc.array(nameAddr, { maxLength: 2 }),
  contentType: fc.option(fc.stringMatching(/^[a-z]{1,8}\/[a-z0-9.+-]{1,10}(;[a-z]{1,6}=[a-z0-9]{1,6})?$/), {
    nil: undefined,
  }),
  raw: fc.array(rawHeader, { maxLength: 4 }),
  body: fc.uint8Array({ maxLength: 200 }),
};

type Common = {
  [K in keyof typeof common]: (typeof common)[K] extends fc.Arbitrary<infer T> ? T : never;
};

function fill<M extends SipMessage>(m: M, c: Common, method: string): M {
  m.via = c.via;
  m.maxForwards = c.maxForwards;
  m.from = c.from;
  m.to = c.to;
  m.callId = c.callId;
  m.cseq = { seq: c.seq, method };
  m.contact = c.contact;
  m.route = c.route;
  m.recordRoute = c.recordRoute;
  m.contentType = c.contentType;
  for (const [name, value] of c.raw) m.add(name, value);
  m.body = Buffer.from(c.body);
  return m;
}

const request = fc
  .record({ method: token, uri: fc.oneof(sipUri(false), telUri), ...common })
  .map((r) => fill(new SipRequest(r.method, r.uri), r, r.method));

const response = fc
  .record({
    status: fc.integer({ min: 100, max: 699 }),
    reason: fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !/[\r\n]/.test(s)),
    method: token,
    ...common,
  })
  .map((r) => fill(new SipResponse(r.status, r.reason), r, r.method));

const names = (list: NameAddr[]) => list.map(String);
const raw = (m: SipMessage) => m.headers.filter((h) => !isEager(h.name)).map((h) => [h.name, h.value]);

function sameFields(a: SipMessage, b: SipMessage): void {
  if (a.isRequest()) {
    assert.ok(b.isRequest());
    assert.equal(b.method, a.method);
    assert.equal(b.uri.toString(), a.uri.toString());
  } else {
    assert.ok(!b.isRequest());
    assert.equal((b as SipResponse).status, (a as SipResponse).status);
    assert.equal((b as SipResponse).reason, (a as SipResponse).reason);
  }
  assert.deepEqual(b.via.map(String), a.via.map(String));
  assert.equal(b.from.toString(), a.from.toString());
  assert.equal(b.from.displayName, a.from.displayName);
  assert.equal(b.to.toString(), a.to.toString());
  assert.equal(b.to.displayName, a.to.displayName);
  assert.equal(b.callId, a.callId);
  assert.deepEqual(b.cseq, a.cseq);
  assert.equal(b.maxForwards, a.maxForwards);
  assert.deepEqual(names(b.contact), names(a.contact));
  assert.deepEqual(names(b.route), names(a.route));
  assert.deepEqual(names(b.recordRoute), names(a.recordRoute));
  assert.equal(b.contentType, a.contentType);
  assert.deepEqual(raw(b), raw(a));
  assert.deepEqual([...b.body], [...a.body]);
}

describe('round trip (fast-check)', () => {
  test('requests: parse(serialize(m)) has the same fields; serializing again is byte-identical', () => {
    fc.assert(
      fc.property(request, (m) => {
        const wire = m.toBuffer();
        for (const datagram of [true, false]) {
          const back = parseMessage(wire, { datagram });
          sameFields(m, back);
          assert.deepEqual(back.toBuffer(), wire);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('responses: the same', () => {
    fc.assert(
      fc.property(response, (m) => {
        const wire = m.toBuffer();
        const back = parseMessage(wire);
        sameFields(m, back);
        assert.deepEqual(back.toBuffer(), wire);
      }),
      { numRuns: RUNS },
    );
  });
});

/**
 * parseMessage returns a message whose every field can be read (the lazily built ones were
 * checked at parse time, so building them cannot fail), or throws a MessageParseError whose
 * partial can be answered.
 */
function robust(data: Buffer): void {
  let m: SipMessage;
  try {
    m = parseMessage(data);
  } catch (err) {
    if (!(err instanceof MessageParseError)) throw err;
    assert.match(err.message, /^[\x20-\x7e]+$/);
    if (err.partial) {
      const res = createResponse(err.partial, err.status, { reason: err.message });
      const back = parseMessage(res.toBuffer());
      assert.equal(back.isRequest(), false);
    }
    return;
  }
  if (m.isRequest()) String(m.uri);
  for (const v of m.via) assert.equal(v.branch, v.params.get('branch') ?? undefined);
  for (const na of [m.from, m.to, ...m.contact, ...m.route, ...m.recordRoute]) {
    if (!na.wildcard) String(na.uri);
    assert.equal(na.tag, na.params.get('tag') ?? undefined);
  }
  for (const h of m.headers) assert.equal(typeof h.value, 'string');
  assert.ok(m.body.length <= data.length);
  parseMessage(m.toBuffer());
}

describe('robustness (fast-check)', () => {
  test('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => robust(Buffer.from(bytes))),
      { numRuns: RUNS },
    );
  });

  test('valid messages with bytes replaced, inserted or cut', () => {
    const edits = fc.array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom('replace', 'insert', 'cut'),
        byte: fc.constantFrom(
          0x00,
          0x09,
          0x0a,
          0x0d,
          0x20,
          0x22,
          0x2c,
          0x3a,
          0x3b,
          0x3c,
          0x3e,
          0x40,
          0x5c,
          0x80,
          0xff,
        ),
      }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(request, edits, (m, list) => {
        let bytes = [...m.toBuffer()];
        for (const e of list) {
          const at = e.at % (bytes.length + 1);
          if (e.kind === 'replace' && at < bytes.length) bytes[at] = e.byte;
          else if (e.kind === 'insert') bytes.splice(at, 0, e.byte);
          else bytes = bytes.slice(0, at);
        }
        robust(Buffer.from(bytes));
      }),
      { numRuns: RUNS },
    );
  });
});
