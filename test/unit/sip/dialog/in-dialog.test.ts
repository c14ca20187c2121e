import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sendAndWait } from '../../../../src/sip/dialog/client-request.ts';
import type { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import type { SipError } from '../../../../src/sip/errors.ts';
import type { SipRequest } from '../../../../src/sip/message/message.ts';
import { parseMessage } from '../../../../src/sip/message/parser.ts';
import { buildCancel } from '../../../../src/sip/ua/invite-requests.ts';
import { advance, assertClean, SDP_A, SDP_B, type UaPair, uaPair } from './ua-pair.ts';

const SDP_A2 = SDP_A.replace('20000', '20002');
const SDP_B2 = SDP_B.replace('30000', '30002');

/** A call from Alice to Bob, both dialogs confirmed. */
async function call(p: UaPair): Promise<{ a: Dialog; b: Dialog }> {
  let b: Dialog | undefined;
  p.bob.onInvite(async (_req, uas) => {
    b = await uas.accept({ body: SDP_B });
  });
  const a = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
  await p.net.settle();
  assert.ok(b);
  return { a, b };
}

describe('requests inside a dialog', () => {
  test('modify() sends a re-INVITE; the default answer is the current local SDP', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    const answer = await a.modify(SDP_A2);
    assert.equal(answer, SDP_B);
    assert.equal(a.localSdp, SDP_A2);
    assert.equal(b.remoteSdp, SDP_A2);
    await p.net.settle();
    assert.equal(p.net.messages('ACK ').length, 2); // the re-INVITE's 2xx was ACKed too
    await a.destroy();
    await assertClean(p);
  });

  test("a 'modify' listener answers the re-INVITE", async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    b.on('modify', (req, res) => {
      assert.equal(req.body.toString(), SDP_A2);
      res.send(200, { body: SDP_B2 });
    });
    assert.equal(await a.modify(SDP_A2), SDP_B2);
    assert.equal(b.localSdp, SDP_B2);
    assert.equal(a.remoteSdp, SDP_B2);
    await b.destroy();
    await assertClean(p);
  });

  test('a refused re-INVITE rejects with its status and leaves the session', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    b.on('modify', (_req, res) => res.send(488));
    const err = (await a.modify(SDP_A2).catch((e: unknown) => e)) as SipError;
    assert.equal(err.code, 'REJECTED');
    assert.equal(err.status, 488);
    assert.equal(a.state, 'confirmed');
    assert.equal(a.localSdp, SDP_A);
    await a.destroy();
    await assertClean(p);
  });

  test('glare: both re-INVITE at once, both get 491, the retries succeed after the back-off (14.1)', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    // random() = 0.5: Alice owns the Call-ID -> 2100 + 95*10 = 3050 ms; Bob -> 100*10 = 1000 ms.
    const fromA = a.modify(SDP_A2);
    const fromB = b.modify(SDP_B2);
    await p.net.settle();
    assert.equal(p.net.messages('SIP/2.0 491').length, 2);
    await advance(p, 999, 111);
    assert.equal(p.net.messages('INVITE ').length, 3, 'no retry before the back-off');
    await advance(p, 1, 1);
    assert.equal(p.net.messages('INVITE ').length, 4, "Bob's retry at 1000 ms");
    assert.equal(await fromB, SDP_A); // Alice answers with her current SDP
    await advance(p, 2049, 2049);
    assert.equal(p.net.messages('INVITE ').length, 4);
    await advance(p, 1, 1);
    assert.equal(p.net.messages('INVITE ').length, 5, "Alice's retry at 3050 ms");
    assert.equal(await fromA, SDP_B2);
    assert.equal(a.localSdp, SDP_A2);
    assert.equal(b.localSdp, SDP_B2);
    await a.destroy();
    await assertClean(p);
  });

  test('an incoming re-INVITE while an earlier one is unanswered gets 500 with Retry-After (14.2)', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    let answer: (() => void) | undefined;
    b.on('modify', (_req, res) => {
      answer = () => res.send(200, { body: SDP_B });
    });
    const first = a.modify(SDP_A2);
    await p.net.settle();
    // A second INVITE from Alice while Bob has not answered the first: Alice's own lock
    // would hold it back, so it is built and sent by hand.
    const second = a.createRequest('INVITE', { body: SDP_A2 });
    const target = await a.nextHop();
    const res = await sendAndWait(a.ctx.transactions, second, target);
    assert.equal(res.status, 500);
    const retryAfter = Number(res.get('Retry-After'));
    assert.ok(retryAfter >= 0 && retryAfter <= 10);
    answer?.();
    assert.equal(await first, SDP_B);
    await a.destroy();
    await assertClean(p);
  });

  test('a CANCELled re-INVITE gets 487 in place of the application, and frees the dialog', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    let late: (() => void) | undefined;
    b.on('modify', (_req, res) => {
      late = () => res.send(200, { body: SDP_B2 });
    });
    const fromA = a.modify(SDP_A2);
    await p.net.settle();
    const reinvite = parseMessage(Buffer.from(p.net.messages('INVITE ')[1].text, 'latin1')) as SipRequest;
    const cancel = await sendAndWait(a.ctx.transactions, buildCancel(reinvite), await a.nextHop());
    assert.equal(cancel.status, 200);
    await assert.rejects(fromA, { code: 'REJECTED', status: 487 });
    late?.(); // too late: ignored
    b.removeAllListeners('modify');
    assert.equal(await b.modify(SDP_B2), SDP_A);
    await a.destroy();
    await assertClean(p);
  });

  test('INFO, OPTIONS, NOTIFY: default 200; REFER without a listener: 501', async () => {
    const p = await uaPair();
    const { a } = await call(p);
    const info = await a.request({
      method: 'INFO',
      body: 'Signal=5\r\n',
      contentType: 'application/dtmf-relay',
    });
    assert.equal(info.status, 200);
    const options = await a.request({ method: 'OPTIONS' });
    assert.equal(options.status, 200);
    assert.match(options.get('Allow') ?? '', /INVITE/);
    const notify = await a.request({
      method: 'NOTIFY',
      headers: { Event: 'refer', 'Subscription-State': 'active' },
    });
    assert.equal(notify.status, 200);
    const refer = await a.request({ method: 'REFER', headers: { 'Refer-To': '<sip:carol@127.0.0.1>' } });
    assert.equal(refer.status, 501);
    const message = await a.request({ method: 'MESSAGE', body: 'hi', contentType: 'text/plain' });
    assert.equal(message.status, 501);
    // 12.2.1.1: one CSeq more per request.
    const seqs = p.net.wire
      .filter((w) => /^(INFO|OPTIONS|NOTIFY|REFER|MESSAGE) /.test(w.text))
      .map((w) => Number(/CSeq: (\d+)/.exec(w.text)?.[1]));
    assert.deepEqual(
      seqs.map((s) => s - seqs[0]),
      [0, 1, 2, 3, 4],
    );
    await a.destroy();
    await assertClean(p);
  });

  test('events named after the methods carry (req, res); the application answers', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    const seen: string[] = [];
    b.on('info', (req, res) => {
      seen.push(`info:${req.body.toString()}`);
      res.send(200, { body: 'ok', contentType: 'text/plain' });
    });
    b.on('refer', (req, res) => {
      seen.push(`refer:${req.get('Refer-To')}`);
      res.send(202);
    });
    b.on('notify', (req, res) => {
      seen.push(`notify:${req.get('Event')}`);
      res.send(200);
    });
    b.on('options', (_req, res) => {
      seen.push('options');
      setTimeout(() => res.send(200), 1); // answered later
    });
    b.on('message', (req, res) => {
      seen.push(`message:${req.body.toString()}`);
      res.send(200);
    });
    const info = await a.request({ method: 'INFO', body: 'x', contentType: 'text/plain' });
    assert.equal(info.body.toString(), 'ok');
    assert.equal(
      (await a.request({ method: 'REFER', headers: { 'Refer-To': '<sip:carol@h>' } })).status,
      202,
    );
    assert.equal((await a.request({ method: 'NOTIFY', headers: { Event: 'refer' } })).status, 200);
    assert.equal((await a.request({ method: 'OPTIONS' })).status, 200);
    assert.equal((await a.request({ method: 'MESSAGE', body: 'm', contentType: 'text/plain' })).status, 200);
    assert.deepEqual(seen, ['info:x', 'refer:<sip:carol@h>', 'notify:refer', 'options', 'message:m']);
    await b.destroy();
    await assertClean(p);
  });

  test('a request the application never answers gets 500 after 60*T1, inside timer F', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    b.on('info', () => {});
    let status = 0;
    a.request({ method: 'INFO' }).then(
      (r) => {
        status = r.status;
      },
      () => {},
    );
    await advance(p, 29_900, 100);
    assert.equal(status, 0);
    await advance(p, 100, 100);
    assert.equal(status, 500);
    assert.equal(a.state, 'confirmed');
    await a.destroy();
    await assertClean(p);
  });

  test('request() refuses INVITE, ACK, CANCEL, BYE and a terminated dialog', async () => {
    const p = await uaPair();
    const { a } = await call(p);
    for (const method of ['INVITE', 'ACK', 'CANCEL', 'BYE']) {
      await assert.rejects(a.request({ method }), (e: SipError) => e.code === 'STATE');
    }
    await a.destroy();
    await assert.rejects(a.request({ method: 'INFO' }), (e: SipError) => e.code === 'TERMINATED');
    await assert.rejects(a.modify(SDP_A2), (e: SipError) => e.code === 'STATE');
    await assertClean(p);
  });

  test('a 481 to an in-dialog request ends the dialog (12.2.1.2)', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    // Bob forgets the dialog without telling Alice.
    b.finish({ cause: 'shutdown' });
    const ends: string[] = [];
    a.on('destroy', (e) => ends.push(`${e.cause}:${e.status}`));
    const res = await a.request({ method: 'INFO' });
    assert.equal(res.status, 481);
    assert.deepEqual(ends, ['request-failed:481']);
    assert.equal(a.state, 'terminated');
    await assertClean(p);
  });

  test('no answer to an in-dialog request: TIMEOUT 408, the dialog ends with a BYE', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    p.net.drop = (text) => text.startsWith('INFO ');
    const ends: string[] = [];
    a.on('destroy', (e) => ends.push(`${e.cause}:${e.status}`));
    const bobEnds: string[] = [];
    b.on('destroy', (e) => bobEnds.push(e.cause));
    let err: SipError | undefined;
    a.request({ method: 'INFO' }).catch((e: SipError) => {
      err = e;
    });
    await advance(p, 33_000, 1000);
    assert.equal(err?.code, 'TIMEOUT');
    assert.equal(err?.status, 408);
    assert.deepEqual(ends, ['request-failed:408']);
    assert.deepEqual(bobEnds, ['bye']);
    await assertClean(p);
  });

  test('unknown dialog: a request with a To tag that matches nothing gets 481 (12.2.2)', async () => {
    const p = await uaPair();
    const { a, b } = await call(p);
    await b.destroy();
    await p.net.settle();
    // Alice already forgot too; send by hand on the dead dialog's identifiers.
    const req = a.createRequest('INFO');
    const res = await sendAndWait(a.ctx.transactions, req, await a.nextHop());
    assert.equal(res.status, 481);
    assert.equal(p.bob.stats.noDialog, 1);
    await assertClean(p);
  });
});
