/**
 * REST 2.9 legs=bleg|both below the HTTP layer: LiveControl.transfer's checks and order, and
 * BLegCalls taking a Dial's peer out of its bridge (through the real TransferHub) to run
 * bleg_url as a call of its own - with fake legs, a fake bridge and scripted webhooks.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { BLegCalls } from '../../../src/callflow/bleg-calls.ts';
import { CallControlError, type TransferRequest } from '../../../src/callflow/call-control.ts';
import type { CallFlow, CallFlowDeps } from '../../../src/callflow/call-flow.ts';
import { LiveCalls } from '../../../src/callflow/live-calls.ts';
import { LiveControl } from '../../../src/callflow/live-control.ts';
import type { OutboundCalls } from '../../../src/callflow/outbound-calls.ts';
import { Call } from '../../../src/calls/call.ts';
import type { CallLeg, LegEnd } from '../../../src/calls/call-leg.ts';
import type { Dialer } from '../../../src/calls/dialer.ts';
import type { HangupSource } from '../../../src/calls/hangup-cause.ts';
import type { Application } from '../../../src/calls/routing.ts';
import { TransferHub } from '../../../src/calls/transfer/transfer-hub.ts';
import type { BridgeHandle } from '../../../src/calls/transfer/transfer-types.ts';
import type { MediaEngine } from '../../../src/media/media-engine.ts';
import type { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { MemoryStore } from '../../../src/store/memory-store.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { WebhookError } from '../../../src/webhooks/errors.ts';
import type { WebhookClient } from '../../../src/webhooks/webhook-client.ts';
import type { FetchedDocument, NotifyResult, WebhookRequest } from '../../../src/webhooks/webhook-types.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { FakeEndpoint } from '../../helpers/fake-verb-context.ts';

class FakeLeg extends EventEmitter<{ end: [end: LegEnd] }> implements CallLeg {
  readonly endpoint = Object.assign(new FakeEndpoint(), {
    stats: () => ({ packetsReceived: 0, jitterMs: 0, fractionLost: 0 }) as never,
  });
  ended: LegEnd | undefined;
  hangups = 0;
  readonly sipDialog = undefined;
  async answer(): Promise<void> {}
  preAnswer(): void {}
  async hangup(): Promise<void> {
    this.hangups++;
    this.end('local');
  }
  end(by: LegEnd['by'] = 'remote'): void {
    if (this.ended) return;
    this.ended = { by, detail: 'ended' };
    this.emit('end', this.ended);
  }
}

/** Documents answered per URL (a function may wait); notifications kept. */
class FakeWebhooks {
  readonly fetched: WebhookRequest[] = [];
  readonly notified: WebhookRequest[] = [];
  constructor(private readonly reply: (req: WebhookRequest) => Promise<string>) {}
  async fetchDocument(req: WebhookRequest): Promise<FetchedDocument> {
    this.fetched.push(req);
    const text = await this.reply(req);
    return { text, status: 200, contentType: 'application/xml', durationMs: 1, attempts: 1, url: req.url };
  }
  async notify(req: WebhookRequest): Promise<NotifyResult> {
    this.notified.push(req);
    return { ok: true, status: 200, attempts: 1, durationMs: 1 };
  }
}

const APP: Application = {
  name: 'app',
  answerUrl: 'http://127.0.0.1:9/answer',
  answerMethod: 'POST',
  hangupUrl: 'http://127.0.0.1:9/hangup',
  hangupMethod: 'POST',
  fallbackMethod: 'POST',
};
const BLEG_URL = 'http://127.0.0.1:9/bleg';

interface Rig {
  hub: TransferHub;
  store: MemoryStore;
  live: LiveCalls;
  webhooks: FakeWebhooks;
  bLegs: BLegCalls;
  a: Call;
  aLeg: FakeLeg;
}

function rig(reply: (req: WebhookRequest) => Promise<string>): Rig {
  const dialer = {} as Dialer;
  const hub = new TransferHub({
    ua: {} as UserAgent,
    engine: {} as MediaEngine,
    dialer,
    clock: new FakeClock(),
    log: silentLogger,
    acceptRefer: false,
  });
  dialer.transfers = hub;
  const webhooks = new FakeWebhooks(reply);
  const deps: CallFlowDeps = {
    webhooks: webhooks as unknown as WebhookClient,
    dialer,
    engine: {} as MediaEngine,
    recordings: { allocate: () => assert.fail('no recordings here') },
    settings: { gatherActionOnEmpty: false },
    clock: new FakeClock(),
    authId: 'MA_TEST',
  };
  const store = new MemoryStore();
  const live = new LiveCalls(store, 'node-a', silentLogger);
  const aLeg = new FakeLeg();
  const a = new Call(
    { from: '14155550100', to: '14155550199', user: '14155550199', callerName: 'Ann', customHeaders: {} },
    aLeg,
    silentLogger,
    {
      answeredAt: new Date(),
    },
  );
  hub.watch(a, {});
  return { hub, store, live, webhooks, bLegs: new BLegCalls(deps, live, silentLogger), a, aLeg };
}

/** A connected Dial's bridge as the hub sees it: records how it was detached. */
function bridge(r: Rig, peer: CallLeg): { detached: HangupSource[] } {
  const seen = { detached: [] as HangupSource[] };
  const handle: BridgeHandle = {
    peer,
    callLegReplaced: () => assert.fail('not expected'),
    holdPeer: () => assert.fail('not expected'),
    replacePeer: () => assert.fail('not expected'),
    detachPeer: (by) => {
      seen.detached.push(by ?? 'Vobiz');
    },
  };
  r.hub.bridged(r.a.uuid, handle);
  return seen;
}

/** Lets the B-leg calls run their course (no timers: fake clock, scripted webhooks). */
async function settle(r: Rig): Promise<void> {
  for (let i = 0; i < 500 && r.live.size > 0; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(r.live.size, 0, 'the B-leg call is over');
}

const badRequest = (pattern: RegExp) => (err: unknown) =>
  err instanceof CallControlError && err.code === 'BAD_REQUEST' && pattern.test(err.message);

describe('BLegCalls: a Dial B-leg given a document of its own', () => {
  test('no connected Dial: 400 naming the missing B-leg, nothing taken or listed', () => {
    const r = rig(async () => '<Response/>');
    assert.throws(
      () => r.bLegs.start(r.a, APP, { url: BLEG_URL, method: 'POST' }),
      badRequest(/no connected B-leg/),
    );
    const b = new FakeLeg();
    b.end();
    bridge(r, b);
    assert.throws(
      () => r.bLegs.start(r.a, APP, { url: BLEG_URL, method: 'POST' }),
      badRequest(/no connected B-leg/),
    );
    assert.equal(r.live.size, 0);
    assert.equal(r.webhooks.fetched.length, 0);
  });

  test('the peer leaves the bridge still up and runs bleg_url as a live outbound call, then a CDR', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = rig(async () => {
      await held;
      return '<Response><Hangup/></Response>';
    });
    const b = new FakeLeg();
    const seen = bridge(r, b);
    assert.equal(r.hub.peerOf(r.a.uuid), b);
    const uuid = r.bLegs.start(r.a, APP, { url: BLEG_URL, method: 'GET' });
    assert.deepEqual(seen.detached, ['API Request'], 'the Dial is told who took its peer');
    assert.equal(r.hub.peerOf(r.a.uuid), undefined, 'the A-leg has no B-leg any more');
    assert.equal(b.hangups, 0, 'no BYE to the B-leg');
    // Listed at once, as an answered outbound call whose parent is the A-leg.
    const rec = await r.store.calls.get(uuid);
    assert.equal(rec?.direction, 'outbound');
    assert.equal(rec?.call_status, 'in-progress');
    assert.equal(rec?.parent_call_uuid, r.a.uuid);
    assert.ok(r.live.get(uuid)?.flow, 'steerable through the API');
    await new Promise((resolve) => setImmediate(resolve));
    const [fetch] = r.webhooks.fetched;
    assert.equal(fetch?.url, BLEG_URL);
    assert.equal(fetch?.method, 'GET');
    assert.equal(fetch?.purpose, 'transfer');
    assert.equal(fetch?.params.CallUUID, uuid);
    assert.equal(fetch?.params.Direction, 'outbound');
    assert.equal(fetch?.params.CallStatus, 'in-progress');
    assert.equal(fetch?.params.Event, undefined, 'no StartApp: it is a transfer');
    // The document hangs up: the B-leg gets its BYE, the A-leg is untouched.
    release();
    await settle(r);
    assert.equal(b.hangups, 1);
    assert.equal(r.aLeg.hangups, 0);
    assert.equal(r.a.end, undefined);
    assert.equal(r.live.size, 0);
    const hangup = r.webhooks.notified.find((n) => n.purpose === 'hangup');
    assert.equal(hangup?.url, APP.hangupUrl, "the A application's hangup URL");
    assert.equal(hangup?.params.CallUUID, uuid);
    assert.equal(hangup?.params.HangupSource, 'Answer XML');
    const cdr = await r.store.cdrs.get(uuid);
    assert.equal(cdr?.call_direction, 'outbound');
    assert.equal(cdr?.parent_call_uuid, r.a.uuid);
    assert.ok(cdr?.answer_time, 'answered from the start');
  });

  test('a bleg_url that cannot be had ends the B-leg with 7013 (Error Reaching Transfer URL)', async () => {
    const r = rig(async (req) => {
      throw new WebhookError('HTTP_STATUS', 'HTTP 500', { url: req.url, status: 500 });
    });
    const b = new FakeLeg();
    bridge(r, b);
    const uuid = r.bLegs.start(r.a, APP, { url: BLEG_URL, method: 'POST' });
    await settle(r);
    assert.equal(b.hangups, 1);
    const cdr = await r.store.cdrs.get(uuid);
    assert.equal(cdr?.hangup_cause_code, 7013);
    assert.equal(cdr?.hangup_source, 'Error');
  });
});

describe('LiveControl.transfer (REST 2.9)', () => {
  interface Fixture {
    control: LiveControl;
    order: string[];
    uuid: string;
    started: Array<{ url: string; method: string }>;
  }

  function fixture(opts: { answered?: boolean; noBLeg?: boolean } = {}): Fixture {
    const order: string[] = [];
    const started: Fixture['started'] = [];
    const live = new LiveCalls(new MemoryStore(), 'node-a', silentLogger);
    const uuid = 'a-leg-uuid';
    const entry = live.add({
      call_uuid: uuid,
      request_uuid: uuid,
      direction: 'inbound',
      from: '1',
      to: '2',
      caller_name: '',
      call_status: 'in-progress',
      initiated_at: new Date().toISOString(),
    });
    entry.call = { uuid, answered: opts.answered ?? true, end: undefined } as unknown as Call;
    entry.flow = {
      application: APP,
      transfer: (url: string) => {
        order.push(`a ${url}`);
        return true;
      },
    } as unknown as CallFlow;
    const outbound = {
      bLegs: {
        start: (_call: Call, app: Application, doc: { url: string; method: string }) => {
          assert.equal(app, APP);
          if (opts.noBLeg) throw new CallControlError('BAD_REQUEST', 'legs: the call has no connected B-leg');
          order.push(`b ${doc.url}`);
          started.push(doc);
          return 'b-leg-uuid';
        },
      },
    } as unknown as OutboundCalls;
    const control = new LiveControl({
      live,
      outbound,
      engine: {} as MediaEngine,
      recordings: { allocate: () => assert.fail('no recordings') },
      webhooks: {} as WebhookClient,
      clock: new FakeClock(),
      log: silentLogger,
    });
    return { control, order, uuid, started };
  }

  const req = (over: Partial<TransferRequest>): TransferRequest => ({
    legs: 'aleg',
    alegMethod: 'POST',
    blegMethod: 'POST',
    ...over,
  });

  test('aleg: only the A-leg moves; bleg: only the B-leg; both: the B-leg first (the cut Dial would hang it up)', async () => {
    const f = fixture();
    assert.equal(
      await f.control.transfer(
        f.uuid,
        req({ legs: 'aleg', alegUrl: 'http://x.test/a', blegUrl: 'http://x.test/b' }),
      ),
      true,
    );
    assert.deepEqual(f.order, ['a http://x.test/a']);
    f.order.length = 0;
    assert.equal(
      await f.control.transfer(f.uuid, req({ legs: 'bleg', blegUrl: 'http://x.test/b', blegMethod: 'GET' })),
      true,
    );
    assert.deepEqual(f.order, ['b http://x.test/b']);
    assert.deepEqual(f.started, [{ url: 'http://x.test/b', method: 'GET' }]);
    f.order.length = 0;
    assert.equal(
      await f.control.transfer(
        f.uuid,
        req({ legs: 'both', alegUrl: 'http://x.test/a', blegUrl: 'http://x.test/b' }),
      ),
      true,
    );
    assert.deepEqual(f.order, ['b http://x.test/b', 'a http://x.test/a']);
  });

  test('a missing URL is a 400 before anything moves; an unknown or unanswered call is not found', async () => {
    const f = fixture();
    await assert.rejects(
      f.control.transfer(f.uuid, req({ legs: 'both', alegUrl: 'http://x.test/a' })),
      badRequest(/bleg_url/),
    );
    await assert.rejects(f.control.transfer(f.uuid, req({ legs: 'aleg' })), badRequest(/aleg_url/));
    assert.deepEqual(f.order, []);
    assert.equal(await f.control.transfer('nope', req({ alegUrl: 'http://x.test/a' })), false);
    const ringing = fixture({ answered: false });
    assert.equal(
      await ringing.control.transfer(ringing.uuid, req({ legs: 'bleg', blegUrl: 'http://x.test/b' })),
      false,
    );
    assert.deepEqual(ringing.order, []);
  });

  test('both on a call with no connected B-leg: 400, and the A-leg keeps its document', async () => {
    const f = fixture({ noBLeg: true });
    await assert.rejects(
      f.control.transfer(
        f.uuid,
        req({ legs: 'both', alegUrl: 'http://x.test/a', blegUrl: 'http://x.test/b' }),
      ),
      badRequest(/no connected B-leg/),
    );
    assert.deepEqual(f.order, []);
  });
});
