/**
 * DialBridge, the connected `<Dial>`, with fake legs and a fake media engine: what ends it,
 * and what the transfer service may do meanwhile (hold the peer, put another leg on either
 * side, detach the peer), each checked against its state machine.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { DialVerb } from '../../../../schemas/xml/index.ts';
import { DialBridge, type DialBridgeDeps } from '../../../../src/callflow/dial/dial-bridge.ts';
import { parseVobizXml } from '../../../../src/callflow/parser/parse-vobiz-xml.ts';
import type { CallLeg, LegEnd } from '../../../../src/calls/call-leg.ts';
import type { Dialer } from '../../../../src/calls/dialer.ts';
import type { BridgeHandle } from '../../../../src/calls/transfer/transfer-types.ts';
import type { MediaBridge, MediaEndpoint, MediaEngine } from '../../../../src/media/media-engine.ts';
import { FakeEndpoint, type FakeVerbContext, fakeVerbContext } from '../../../helpers/fake-verb-context.ts';

function dialVerb(attrs = ''): DialVerb {
  const r = parseVobizXml(`<Response><Dial ${attrs}><User>sip:b@127.0.0.1:5999</User></Dial></Response>`);
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  const v = r.document.verbs[0];
  assert.equal(v?.verb, 'Dial');
  return v as DialVerb;
}

class FakeLeg extends EventEmitter<{ end: [end: LegEnd] }> implements CallLeg {
  readonly endpoint = new FakeEndpoint();
  ended: LegEnd | undefined;
  hangups = 0;
  readonly sipDialog = undefined;
  constructor(readonly name: string) {
    super();
  }
  async answer(): Promise<void> {}
  preAnswer(): void {}
  async hangup(): Promise<void> {
    this.hangups++;
    this.end('local');
  }
  end(by: LegEnd['by'] = 'remote'): void {
    if (this.ended) return;
    this.ended = { by, detail: `${this.name} ended` };
    this.emit('end', this.ended);
  }
}

interface Rig {
  ctx: FakeVerbContext;
  bridge: DialBridge;
  /** Media bridges made so far, in order; `destroyed` once destroyed. */
  media: Array<{ a: MediaEndpoint; b: MediaEndpoint; destroyed: boolean }>;
  /** The handle the transfer service got, and whether it was given back. */
  lent: { handle?: BridgeHandle; returned: boolean };
  b: FakeLeg;
  digits: string[];
}

function rig(attrs = ''): Rig {
  const ctx = fakeVerbContext();
  const media: Rig['media'] = [];
  const engine = {
    bridge(a: MediaEndpoint, b: MediaEndpoint): MediaBridge {
      const m = { a, b, destroyed: false };
      media.push(m);
      return {
        a,
        b,
        relaying: false,
        destroy: () => {
          m.destroyed = true;
        },
      };
    },
  } as unknown as MediaEngine;
  const lent: Rig['lent'] = { returned: false };
  const dialer = {
    transfers: {
      bridged(_uuid: string, handle: BridgeHandle) {
        lent.handle = handle;
        return () => {
          lent.returned = true;
        };
      },
    },
  } as unknown as Dialer;
  Object.defineProperty(ctx, 'engine', { value: engine });
  Object.defineProperty(ctx, 'dialer', { value: dialer });
  const b = new FakeLeg('B');
  const digits: string[] = [];
  const deps: DialBridgeDeps = { verb: dialVerb(attrs), ctx, onDigitsMatch: (m) => digits.push(m) };
  return { ctx, bridge: new DialBridge(deps, b), media, lent, b, digits };
}

/** The endpoints of the live media bridge. */
function live(r: Rig): [MediaEndpoint, MediaEndpoint] {
  const up = r.media.filter((m) => !m.destroyed);
  assert.equal(up.length, 1, 'exactly one media bridge is up');
  return [up[0]?.a as MediaEndpoint, up[0]?.b as MediaEndpoint];
}

describe('DialBridge', () => {
  test('the callee hangs up: over (callee), media unbridged, handle returned, the peer released', async () => {
    const r = rig();
    assert.deepEqual(live(r), [r.ctx.endpoint, r.b.endpoint]);
    const running = r.bridge.run();
    assert.equal(r.lent.handle, r.bridge);
    r.b.end();
    const out = await running;
    assert.equal(out.reason, 'callee');
    assert.equal(out.peer, r.b);
    assert.equal(r.bridge.state, 'over');
    assert.ok(r.media.every((m) => m.destroyed));
    assert.equal(r.lent.returned, true);
    assert.equal(r.ctx.fakeClock.armed, 0, 'the timeLimit timer is gone');
  });

  test('the caller leaves, or timeLimit: the peer gets hung up', async () => {
    const r = rig();
    const running = r.bridge.run();
    r.ctx.hangup();
    assert.equal((await running).reason, 'caller');
    assert.equal(r.b.hangups, 1);
    const t = rig('timeLimit="30"');
    const limited = t.bridge.run();
    t.ctx.fakeClock.advance(29_999);
    assert.equal(t.bridge.state, 'bridged');
    t.ctx.fakeClock.advance(1);
    assert.equal((await limited).reason, 'time-limit');
    assert.equal(t.b.hangups, 1);
  });

  test('a REFER from the peer holds it; its BYE no longer ends the Dial; the target takes its place', async () => {
    const r = rig();
    const running = r.bridge.run();
    r.bridge.holdPeer();
    assert.equal(r.bridge.state, 'peer-held');
    r.b.end(); // a blind transferor's BYE right after the 202
    assert.equal(r.bridge.state, 'peer-held');
    const c = new FakeLeg('C');
    r.bridge.replacePeer(c);
    assert.equal(r.bridge.state, 'bridged');
    assert.equal(r.bridge.peer, c);
    assert.deepEqual(live(r), [r.ctx.endpoint, c.endpoint]);
    c.end();
    const out = await running;
    assert.equal(out.reason, 'callee');
    assert.equal(out.peer, c);
  });

  test('the transfer fails: release() puts the peer back, and a peer gone meanwhile ends the Dial', async () => {
    const r = rig();
    const running = r.bridge.run();
    r.bridge.holdPeer().release();
    assert.equal(r.bridge.state, 'bridged');
    const held = r.bridge.holdPeer();
    r.b.end();
    held.release();
    assert.equal((await running).reason, 'callee');
    held.release(); // late: nothing happens
    assert.equal(r.bridge.state, 'over');
  });

  test("the caller's leg replaced: media and the key watch (hangupOnStar, digitsMatch) follow", async () => {
    const r = rig('hangupOnStar="true" digitsMatch="12"');
    const running = r.bridge.run();
    const a2 = new FakeLeg('A2');
    r.bridge.callLegReplaced(a2);
    assert.deepEqual(live(r), [a2.endpoint, r.b.endpoint]);
    r.ctx.fakeEndpoint.press('*'); // the old caller's key: nobody listens
    assert.equal(r.bridge.state, 'bridged');
    assert.equal(r.ctx.fakeEndpoint.dtmfListeners, 0);
    a2.endpoint.press('12');
    assert.deepEqual(r.digits, ['12']);
    a2.endpoint.press('*');
    assert.equal((await running).reason, 'star');
  });

  test('detachPeer: over (transferred) and the peer, now in another call, is not hung up', async () => {
    const r = rig();
    const running = r.bridge.run();
    r.bridge.detachPeer();
    const out = await running;
    assert.equal(out.reason, 'transferred');
    assert.equal(out.detachedBy, 'Vobiz');
    assert.equal(r.b.hangups, 0);
  });

  test('detachPeer by the API (REST 2.9 legs=bleg): unbridged at once, the source kept for the callbacks', async () => {
    const r = rig();
    const running = r.bridge.run();
    r.bridge.detachPeer('API Request');
    // Before run() resumes: the peer's new owner may play to it right away.
    assert.ok(
      r.media.every((m) => m.destroyed),
      'the media bridge is gone at once',
    );
    assert.equal(r.bridge.state, 'over');
    const out = await running;
    assert.deepEqual([out.reason, out.detachedBy, out.peer], ['transferred', 'API Request', r.b]);
    assert.equal(r.b.hangups, 0);
    assert.equal(r.lent.returned, true);
  });

  test('detachPeer just after the Dial ended otherwise, before run() let go: the peer still gets no BYE', async () => {
    const r = rig();
    const running = r.bridge.run();
    r.ctx.hangup();
    r.bridge.detachPeer('API Request');
    const out = await running;
    assert.equal(out.reason, 'caller');
    assert.equal(r.b.hangups, 0);
  });

  test('illegal moves throw a DialBridgeError with code STATE', async () => {
    const r = rig();
    const running = r.bridge.run();
    r.bridge.holdPeer();
    assert.throws(() => r.bridge.holdPeer(), { name: 'DialBridgeError', code: 'STATE' });
    r.ctx.hangup();
    await running;
    assert.throws(() => r.bridge.replacePeer(new FakeLeg('late')), { code: 'STATE' });
    assert.throws(() => r.bridge.callLegReplaced(new FakeLeg('late')), { code: 'STATE' });
    assert.throws(() => r.bridge.holdPeer(), { code: 'STATE' });
  });

  test('a call already over when the bridge starts ends it at once', async () => {
    const r = rig();
    r.ctx.hangup();
    assert.equal((await r.bridge.run()).reason, 'caller');
  });
});
