import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import type { SipError } from '../../../../src/sip/errors.ts';
import { SipResponse } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { parseMessage, parseUri } from '../../../../src/sip/message/parser.ts';
import { RawPeer } from './raw-peer.ts';
import { advance, assertClean, SDP_A, SDP_B, uaPair } from './ua-pair.ts';

const is2xxInvite = (text: string) => text.startsWith('SIP/2.0 200') && /CSeq: \d+ INVITE/.test(text);

/** The 200 of a second UAS (To tag fork2, Contact on port 5090) to the INVITE sent as `text`. */
function forkedOk(text: string): SipResponse {
  const invite = parseMessage(Buffer.from(text, 'latin1'));
  const ok = new SipResponse(200, 'OK');
  ok.via = invite.via;
  ok.from = invite.from;
  ok.to = invite.to.clone();
  ok.to.tag = 'fork2';
  ok.callId = invite.callId;
  ok.cseq = invite.cseq;
  ok.contact = [new NameAddr(parseUri('sip:fork@127.0.0.1:5090'))];
  return ok;
}

/** Alice's call answered by Bob, and a raw peer on port 5090 standing for a second fork. */
async function answeredBesideFork() {
  const p = await uaPair();
  const fork = new RawPeer(p.net, 5090);
  fork.autoAnswer = 200;
  p.bob.onInvite(async (_req, uas) => {
    await uas.accept({ body: SDP_B });
  });
  const a = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
  await p.net.settle();
  return { p, fork, a };
}

/** Drops the first `n` messages that start with `prefix`. */
function dropFirst(prefix: string, n: number) {
  let left = n;
  return (text: string) => {
    if (left > 0 && text.startsWith(prefix)) {
      left--;
      return true;
    }
    return false;
  };
}

describe('2xx retransmission and the ACK (RFC 3261 13.3.1.4)', () => {
  test('the 2xx is retransmitted at T1, 2*T1 ... until the ACK arrives', async () => {
    const p = await uaPair();
    p.net.drop = dropFirst('ACK ', 2);
    const bob: { dialog?: Dialog } = {};
    p.bob.onInvite(async (_req, uas) => {
      bob.dialog = await uas.accept({ body: SDP_B });
    });
    await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
    await p.net.settle();
    assert.equal(p.net.wire.filter((w) => is2xxInvite(w.text)).length, 1);
    assert.equal(bob.dialog?.state, undefined, 'accept() waits for the ACK');
    await advance(p, 500, 500);
    assert.equal(p.net.wire.filter((w) => is2xxInvite(w.text)).length, 2);
    await advance(p, 999, 999);
    assert.equal(p.net.wire.filter((w) => is2xxInvite(w.text)).length, 2);
    await advance(p, 1, 1); // 1500 ms: interval doubled to 1000
    assert.equal(p.net.wire.filter((w) => is2xxInvite(w.text)).length, 3);
    const accepted = bob.dialog as Dialog | undefined;
    assert.ok(accepted);
    assert.equal(p.net.messages('ACK ').length, 3); // one per 2xx, the first two lost
    await advance(p, 10_000, 1000);
    assert.equal(p.net.wire.filter((w) => is2xxInvite(w.text)).length, 3, 'no retransmission after the ACK');
    await accepted.destroy();
    await assertClean(p);
  });

  test('no ACK within 64*T1: accept() rejects with TIMEOUT 408 and the callee sends BYE', async () => {
    const p = await uaPair();
    p.net.drop = (text) => text.startsWith('ACK ');
    const bob: { err?: SipError } = {};
    p.bob.onInvite(async (_req, uas) => {
      await uas.accept({ body: SDP_B }).catch((e: SipError) => {
        bob.err = e;
      });
    });
    const a = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
    const ends: string[] = [];
    a.on('destroy', (e) => ends.push(e.cause));
    await advance(p, 31_999, 500);
    assert.equal(bob.err?.code, undefined);
    assert.equal(p.net.messages('BYE ').length, 0);
    // 0, 0.5, 1.5, 3.5, 7.5, 11.5 ... 31.5 s: T1 doubling up to T2 = 4 s.
    assert.equal(p.net.wire.filter((w) => is2xxInvite(w.text)).length, 11);
    await advance(p, 1, 1);
    assert.equal(bob.err?.code, 'TIMEOUT');
    assert.equal(bob.err?.status, 408);
    assert.equal(p.net.messages('BYE ').length, 1);
    assert.match(p.net.messages('BYE ')[0].text, /^BYE sip:patchbay@127\.0\.0\.1:5070/);
    assert.deepEqual(ends, ['bye']);
    await assertClean(p);
  });

  test('a BYE before the ACK stops the retransmissions and is delivered after accept() resolves (15)', async () => {
    const p = await uaPair();
    p.net.drop = (text) => text.startsWith('ACK ');
    const bobEvents: string[] = [];
    p.bob.onInvite(async (_req, uas) => {
      const d = await uas.accept({ body: SDP_B });
      bobEvents.push(`accepted:${d.state}`);
      d.on('bye', () => bobEvents.push('bye'));
      d.on('destroy', (e) => bobEvents.push(`destroy:${e.cause}`));
    });
    const a = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
    await a.destroy();
    await advance(p, 8000, 500);
    assert.deepEqual(bobEvents, ['accepted:confirmed', 'bye', 'destroy:bye']);
    assert.equal(p.net.wire.filter((w) => is2xxInvite(w.text)).length, 1);
    await assertClean(p);
  });

  test('the callee destroy() before the ACK waits for it before sending BYE (15)', async () => {
    const p = await uaPair();
    p.net.drop = dropFirst('ACK ', 1);
    p.bob.onInvite((_req, uas) => {
      const early = uas.progress(180);
      uas.accept({ body: SDP_B }).catch(() => {});
      void early.destroy(); // confirmed by the 2xx, but the ACK has not come yet
    });
    const a = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
    const ends: string[] = [];
    a.on('destroy', (e) => ends.push(e.cause));
    await p.net.settle();
    assert.equal(p.net.messages('BYE ').length, 0);
    await advance(p, 500, 500); // 2xx again, ACK again (delivered this time)
    assert.equal(p.net.messages('BYE ').length, 1);
    const order = p.net.wire
      .filter((w) => /^(ACK|BYE) /.test(w.text) && !w.dropped)
      .map((w) => w.text.slice(0, 3));
    assert.deepEqual(order, ['ACK', 'BYE']);
    assert.deepEqual(ends, ['bye']);
    await assertClean(p);
  });
});

describe('requests for a dialog still being set up are held, not lost', () => {
  test('UAS: an INFO that arrives after the 2xx but before the ACK reaches the application', async () => {
    const p = await uaPair();
    p.net.drop = dropFirst('ACK ', 1);
    const seen: string[] = [];
    p.bob.onInvite(async (_req, uas) => {
      const d = await uas.accept({ body: SDP_B });
      seen.push('accepted');
      d.on('info', (req, res) => {
        seen.push(`info:${req.body.toString()}`);
        res.send(200, { body: 'from the app', contentType: 'text/plain' });
      });
    });
    const a = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
    const info = a.request({ method: 'INFO', body: 'early bird', contentType: 'text/plain' });
    await p.net.settle();
    assert.deepEqual(seen, [], 'held while the ACK is missing');
    await advance(p, 500, 500);
    const res = await info;
    assert.deepEqual(seen, ['accepted', 'info:early bird']);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'from the app');
    await a.destroy();
    await assertClean(p);
  });

  test('UAC: an INFO from the callee that overtakes the lost 183 and the 2xx waits for the dialog', async () => {
    const p = await uaPair();
    p.net.drop = (text) => text.startsWith('SIP/2.0 183');
    let infoRes: Promise<SipResponse> | undefined;
    let answer: (() => void) | undefined;
    p.bob.onInvite((_req, uas) => {
      const early = uas.progress(183, { body: SDP_B });
      infoRes = early.request({ method: 'INFO', body: 'ringing', contentType: 'text/plain' });
      answer = () => void uas.accept({ body: SDP_B });
    });
    const uac = p.alice.createUAC({ uri: p.bobUri, body: SDP_A });
    await p.net.settle();
    assert.ok(infoRes && answer);
    assert.equal(p.net.messages('SIP/2.0 481').length, 0, 'not refused');
    answer();
    const a = await uac.established;
    const seen: string[] = [];
    a.on('info', (req, res) => {
      seen.push(req.body.toString());
      res.send(200, { body: 'got it', contentType: 'text/plain' });
    });
    const res = await infoRes;
    assert.deepEqual(seen, ['ringing']);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'got it');
    await a.destroy();
    await assertClean(p);
  });

  test('UAC: a held request whose dialog never comes gets 481', async () => {
    const p = await uaPair();
    p.net.drop = (text) => text.startsWith('SIP/2.0 183');
    let infoRes: Promise<SipResponse> | undefined;
    p.bob.onInvite((_req, uas) => {
      const early = uas.progress(183);
      infoRes = early.request({ method: 'INFO' });
      setImmediate(() => uas.reject(486));
    });
    const err = (await p.alice.createUAC({ uri: p.bobUri }).established.catch((e: unknown) => e)) as SipError;
    assert.equal(err.status, 486);
    assert.equal((await infoRes)?.status, 481);
    await assertClean(p);
  });

  test('a forked 2xx after the first one is ACKed and BYEd (13.2.2.4)', async () => {
    const { p, fork, a } = await answeredBesideFork();
    // A second UAS behind a forking proxy answers the same INVITE with its own tag.
    const ok = forkedOk(p.net.messages('INVITE ')[0].text);
    await fork.send(ok, { address: '127.0.0.1', port: 5070 });
    await p.net.settle();
    const methods = fork.requests.map((r) => `${r.method}:${r.to.tag}`);
    assert.deepEqual(methods, ['ACK:fork2', 'BYE:fork2']);
    assert.equal(a.state, 'confirmed', 'the first dialog is untouched');
    await fork.send(ok, { address: '127.0.0.1', port: 5070 }); // retransmitted: ACK only
    await p.net.settle();
    assert.deepEqual(
      fork.requests.map((r) => r.method),
      ['ACK', 'BYE', 'ACK'],
    );
    await a.destroy();
    await assertClean(p);
  });

  test('after the dialog ended, its lingering INVITE still answers late 2xx: ACK again, or ACK and BYE a fork', async () => {
    const { p, fork, a } = await answeredBesideFork();
    await a.destroy();
    await p.net.settle();
    assert.equal(a.state, 'terminated');
    assert.ok(p.alice.transactionCount > 0, 'the INVITE transaction lingers (timer M)');
    const acks = () => p.net.messages('ACK ').filter((m) => !/To: .*tag=fork2/.test(m.text)).length;
    assert.equal(acks(), 1);

    // The callee's 2xx once more (its ACK lost, say): the same ACK goes out again.
    const twoXx = p.net.wire.find((w) => is2xxInvite(w.text));
    assert.ok(twoXx);
    await fork.send(twoXx.text, { address: '127.0.0.1', port: 5070 });
    await p.net.settle();
    assert.equal(acks(), 2, 'the retransmitted 2xx got its ACK');

    // A 2xx of another fork: ACK and BYE, as while the dialog lived.
    await fork.send(forkedOk(p.net.messages('INVITE ')[0].text), { address: '127.0.0.1', port: 5070 });
    await p.net.settle();
    assert.deepEqual(
      fork.requests.map((r) => `${r.method}:${r.to.tag}`),
      ['ACK:fork2', 'BYE:fork2'],
    );
    await assertClean(p);
  });
});
