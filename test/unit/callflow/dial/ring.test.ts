/**
 * Parallel ringing (ringAll) with fake B-legs on a FakeClock: who wins, what the losers get,
 * why each attempt ended, redirects; and the target helpers (auth, 3xx Contacts, X-VH-
 * headers, a target that cannot be called).
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { DialVerb, UserTarget } from '../../../../schemas/xml/index.ts';
import { ringAll } from '../../../../src/callflow/dial/ring.ts';
import {
  type Attempt,
  authOf,
  customHeaders,
  placeAttempt,
  redirected,
} from '../../../../src/callflow/dial/targets.ts';
import { parseVobizXml } from '../../../../src/callflow/parser/parse-vobiz-xml.ts';
import type { LegEnd } from '../../../../src/calls/call-leg.ts';
import { DialError, type Dialer, RedirectBudget } from '../../../../src/calls/dialer.ts';
import type { OutboundLeg } from '../../../../src/calls/outbound-leg.ts';
import { parseUri } from '../../../../src/sip/message/parser.ts';
import type { Uri } from '../../../../src/sip/message/uri.ts';
import { type FakeVerbContext, fakeVerbContext } from '../../../helpers/fake-verb-context.ts';

function dial(body: string, attrs = ''): DialVerb {
  const r = parseVobizXml(`<Response><Dial ${attrs}>${body}</Dial></Response>`);
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  return r.document.verbs[0] as DialVerb;
}

/** A B-leg the test answers, rejects (optionally with 3xx Contacts) or lets ring. */
class FakeBLeg extends EventEmitter<{ ringing: [early: boolean]; end: [end: LegEnd] }> {
  state: 'calling' | 'ringing' | 'answered' | 'ended' = 'calling';
  ended: LegEnd | undefined;
  redirects: Uri[] = [];
  hangups = 0;
  readonly answered: Promise<void>;
  private settle!: { ok: () => void; fail: (e: Error) => void };
  constructor(readonly name: string) {
    super();
    this.answered = new Promise((ok, fail) => {
      this.settle = { ok, fail };
    });
    this.answered.catch(() => {});
  }
  answer(): void {
    this.state = 'answered';
    this.settle.ok();
  }
  reject(status: number, contacts: string[] = []): void {
    this.redirects = contacts.map(parseUri);
    this.state = 'ended';
    this.ended = { by: 'remote', status, detail: `${status}` };
    this.settle.fail(new Error(String(status)));
  }
  async hangup(): Promise<void> {
    this.hangups++;
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.ended = { by: 'local', status: 487, detail: 'cancelled or BYE' };
    this.settle.fail(new Error('487'));
  }
}

const asLeg = (l: FakeBLeg) => l as unknown as OutboundLeg;

interface RingRig {
  ctx: FakeVerbContext;
  attempts: Attempt[];
  legs: FakeBLeg[];
  placed: Attempt[];
  answeredCalls: string[];
  run(opts?: {
    timeoutSec?: number;
    confirm?: (leg: FakeBLeg) => Promise<boolean>;
  }): Promise<OutboundLeg | undefined>;
}

function ringRig(n: number): RingRig {
  const ctx = fakeVerbContext();
  const verb = dial(Array.from({ length: n }, (_, i) => `<User>sip:b${i}@127.0.0.1</User>`).join(''));
  const legs = verb.targets.map((_, i) => new FakeBLeg(`b${i}`));
  const attempts: Attempt[] = verb.targets.map((target, i) => ({
    target,
    hop: 0,
    leg: asLeg(legs[i] as FakeBLeg),
  }));
  const placed: Attempt[] = [];
  const answeredCalls: string[] = [];
  return {
    ctx,
    attempts,
    legs,
    placed,
    answeredCalls,
    run: (opts = {}) =>
      ringAll({
        attempts,
        ...(opts.timeoutSec !== undefined ? { timeoutSec: opts.timeoutSec } : {}),
        redirects: new RedirectBudget(verb.targets.map((t) => (t as UserTarget).uri)),
        ctx,
        place: async (a) => {
          const leg = new FakeBLeg(`redirect-${placed.length}`);
          legs.push(leg);
          a.leg = asLeg(leg);
          placed.push(a);
        },
        onRinging: () => {},
        onAnswered: (leg) => answeredCalls.push((leg as unknown as FakeBLeg).name),
        confirm: (leg) => (opts.confirm ? opts.confirm(leg as unknown as FakeBLeg) : Promise.resolve(true)),
      }),
  };
}

describe('ringAll: parallel ringing', () => {
  test('the first to answer wins; the others are cancelled', async () => {
    const r = ringRig(3);
    const ringing = r.run();
    r.legs[1]?.answer();
    const winner = await ringing;
    assert.equal(winner, asLeg(r.legs[1] as FakeBLeg));
    assert.deepEqual(
      r.legs.map((l) => l.hangups),
      [1, 0, 1],
    );
    assert.deepEqual(r.answeredCalls, ['b1']);
  });

  test('all fail: no winner; each attempt keeps its SIP status', async () => {
    const r = ringRig(2);
    const ringing = r.run();
    r.legs[0]?.reject(486);
    r.legs[1]?.reject(480);
    assert.equal(await ringing, undefined);
    assert.deepEqual(
      r.attempts.map((a) => a.end),
      [{ status: 486 }, { status: 480 }],
    );
  });

  test('the ring timer: no winner, the attempts end as ringTimeout, every leg is cancelled', async () => {
    const r = ringRig(2);
    const ringing = r.run({ timeoutSec: 5 });
    r.ctx.fakeClock.advance(4999);
    r.ctx.fakeClock.advance(1);
    assert.equal(await ringing, undefined);
    assert.deepEqual(
      r.attempts.map((a) => a.end),
      [{ ringTimeout: true }, { ringTimeout: true }],
    );
    assert.deepEqual(
      r.legs.map((l) => l.hangups),
      [1, 1],
    );
  });

  test('the caller leaves while it rings: every attempt ends as callerGone', async () => {
    const r = ringRig(2);
    const ringing = r.run();
    r.ctx.hangup();
    assert.equal(await ringing, undefined);
    assert.deepEqual(
      r.attempts.map((a) => a.end),
      [{ callerGone: true }, { callerGone: true }],
    );
  });

  test('a callee that does not confirm is dropped; another one can still win', async () => {
    const r = ringRig(2);
    const ringing = r.run({ confirm: async (leg) => leg.name === 'b1' });
    r.legs[0]?.answer();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(r.attempts[0]?.end, { error: 'confirm' });
    assert.equal(r.legs[0]?.hangups, 1);
    r.legs[1]?.answer();
    assert.equal(await ringing, asLeg(r.legs[1] as FakeBLeg));
  });

  test('a 3xx: its Contact is called (one hop further) and can win; loops and other schemes are not', async () => {
    const r = ringRig(1);
    const ringing = r.run();
    r.legs[0]?.reject(302, ['sip:b0@127.0.0.1', 'mailto:x@example.com', 'sip:moved@127.0.0.1:5070']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(r.placed.length, 1);
    const next = r.placed[0] as Attempt;
    assert.equal(next.hop, 1);
    assert.deepEqual(
      [next.target.kind, (next.target as UserTarget).uri],
      ['User', 'sip:moved@127.0.0.1:5070'],
    );
    r.legs[1]?.answer();
    assert.equal(await ringing, asLeg(r.legs[1] as FakeBLeg));
    assert.equal(r.attempts.length, 2);
  });

  test('nothing placed: no winner at once', async () => {
    const r = ringRig(1);
    (r.attempts[0] as Attempt).end = { error: 'routing' };
    assert.equal(await r.run(), undefined);
  });
});

describe('Dial targets', () => {
  test('digest credentials only with sipAuthUsername; a tel: Contact becomes a Number, a SIP one a User', () => {
    const v = dial(
      '<User sipAuthUsername="alice" sipAuthPassword="s3cret" sipHeaders="a=1">sip:x@127.0.0.1</User><Number>+14155550100</Number>',
    );
    assert.deepEqual(authOf(v.targets[0] as UserTarget), { username: 'alice', password: 's3cret' });
    assert.equal(authOf(v.targets[1] as UserTarget), undefined);
    const tel = redirected(v.targets[0] as UserTarget, parseUri('tel:+4930123'));
    assert.deepEqual([tel.kind, tel.kind === 'Number' ? tel.number : ''], ['Number', '+4930123']);
    const sip = redirected(v.targets[1] as UserTarget, parseUri('sip:bob@127.0.0.1:5070?Subject=x'));
    assert.deepEqual([sip.kind, sip.kind === 'User' ? sip.uri : ''], ['User', 'sip:bob@127.0.0.1:5070']);
    assert.deepEqual(customHeaders({ a: '1', b: '2' }, { a: '3' }), { 'X-VH-a': '3', 'X-VH-b': '2' });
  });

  test('placeAttempt: the INVITE carries the X-VH- headers and credentials; a failure ends the attempt', async () => {
    const v = dial(
      '<User sipAuthUsername="alice" sipHeaders="Team=red">sip:x@127.0.0.1</User>',
      'sipHeaders="Campaign=spring"',
    );
    const calls: unknown[] = [];
    const ctx = fakeVerbContext();
    let fail: Error | undefined;
    const dialer = {
      async dial(target: unknown, caller: unknown) {
        calls.push({ target, caller });
        if (fail) throw fail;
        return asLeg(new FakeBLeg('x'));
      },
    } as unknown as Dialer;
    const deps = { dialer, log: ctx.log };
    const a: Attempt = { target: v.targets[0] as UserTarget, hop: 0 };
    await placeAttempt(a, v, { id: '4930123' }, deps);
    assert.ok(a.leg && !a.end);
    assert.deepEqual(calls[0], {
      target: {
        kind: 'User',
        address: 'sip:x@127.0.0.1',
        headers: { 'X-VH-Campaign': 'spring', 'X-VH-Team': 'red' },
        auth: { username: 'alice', password: '' },
      },
      caller: { id: '4930123' },
    });
    fail = new DialError('NO_TRUNK', 'no trunk');
    const routing: Attempt = { target: v.targets[0] as UserTarget, hop: 0 };
    await placeAttempt(routing, v, { id: 'x' }, deps);
    assert.deepEqual(routing.end, { error: 'routing' });
    fail = new Error('no RTP port');
    const media: Attempt = { target: v.targets[0] as UserTarget, hop: 0 };
    await placeAttempt(media, v, { id: 'x' }, deps);
    assert.deepEqual(media.end, { error: 'media' });
  });
});
