import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Dialog } from '../../../../src/sip/dialog/dialog.ts';
import { uacDialogInit, uasDialogInit } from '../../../../src/sip/dialog/dialog-init.ts';
import { resolveTarget } from '../../../../src/sip/dialog/resolve-target.ts';
import { SipResponse } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import {
  FakeServerTx,
  type FakeUa,
  fakeUa,
  incomingInvite,
  inDialogFromPeer,
  SOURCE,
  sipUri,
} from './fakes.ts';

const lr = (host: string, port?: number) => new NameAddr(sipUri(undefined, host, port, [['lr', null]]));

/** A confirmed UAS dialog for incomingInvite(), handed to the application. */
function uasDialog(ua: FakeUa, recordRoute: NameAddr[] = []): Dialog {
  const invite = incomingInvite({ recordRoute });
  const ok = createResponse(invite, 200, { toTag: 'btag' });
  ok.contact = [ua.ctx.contact('udp', 'bob')];
  const d = new Dialog(ua.ctx, uasDialogInit(invite, ok, 'udp', ok.contact[0]));
  d.handOver();
  return d;
}

/** The 2xx a UAC receives for `invite`. */
function answer(
  invite: ReturnType<typeof incomingInvite>,
  recordRoute: NameAddr[],
  contact: Uri,
): SipResponse {
  const ok = createResponse(invite, 200, { toTag: 'btag' });
  ok.recordRoute = recordRoute;
  ok.contact = [new NameAddr(contact)];
  return ok;
}

describe('Dialog state (RFC 3261 12)', () => {
  test('UAS: route set in order, remote target from Contact, remote CSeq from the INVITE (12.1.1)', () => {
    const ua = fakeUa();
    const d = uasDialog(ua, [lr('p1.example'), lr('p2.example')]);
    assert.equal(d.role, 'uas');
    assert.equal(d.state, 'confirmed');
    assert.equal(d.callId, 'call-1');
    assert.deepEqual(d.id, { callId: 'call-1', localTag: 'btag', remoteTag: 'atag' });
    assert.equal(d.secure, false);
    assert.deepEqual(
      d.routeSet.map((r) => r.uri.host),
      ['p1.example', 'p2.example'],
    );
    assert.equal(d.remoteTarget.toString(), 'sip:alice@127.0.0.1:5070');
    assert.equal(d.remoteSeq, 10);
    assert.equal(d.localSeq, undefined);
    assert.equal(ua.dialogs.get(d.key), d);
    d.finish({ cause: 'shutdown' });
    assert.equal(ua.dialogs.size, 0);
  });

  test('UAS requests: CSeq starts at random, then +1 each; ACK and CANCEL reuse a number (12.2.1.1)', () => {
    const ua = fakeUa();
    const d = uasDialog(ua, [lr('p1.example')]);
    const info = d.createRequest('INFO');
    assert.equal(info.cseq.seq, 1 + Math.floor(0.5 * 0x7fff));
    const bye = d.createRequest('BYE');
    assert.equal(bye.cseq.seq, info.cseq.seq + 1);
    const ack = d.createRequest('ACK', undefined, 77);
    assert.equal(ack.cseq.seq, 77);
    assert.equal(d.localSeq, bye.cseq.seq);
    // From/To swapped relative to the INVITE; R-URI = remote target; Route = route set.
    assert.equal(info.from.tag, 'btag');
    assert.equal(info.to.tag, 'atag');
    assert.equal(info.uri.toString(), 'sip:alice@127.0.0.1:5070');
    assert.deepEqual(info.route.map(String), ['<sip:p1.example;lr>']);
    assert.equal(info.maxForwards, 70);
    assert.equal(info.contact.length, 0);
    assert.equal(d.createRequest('UPDATE').contact.length, 1); // target refresh carries Contact
    d.finish({ cause: 'shutdown' });
  });

  test('UAC: route set is the Record-Route reversed, local CSeq from the INVITE (12.1.2)', () => {
    const invite = incomingInvite({ seq: 5 });
    const ok = answer(invite, [lr('p2.example'), lr('p1.example')], sipUri('bob', '192.0.2.7', 5062));
    const init = uacDialogInit(invite, ok);
    assert.deepEqual(
      init.routeSet.map((r) => r.uri.host),
      ['p1.example', 'p2.example'],
    );
    assert.equal(init.remoteTarget.toString(), 'sip:bob@192.0.2.7:5062');
    assert.equal(init.localSeq, 5);
    assert.equal(init.remoteSeq, undefined);
    assert.equal(init.remoteUri.tag, 'btag');
    assert.equal(init.callIdOwner, true);
    assert.equal(init.secure, false);
    const sips = incomingInvite();
    sips.uri = new Uri({ scheme: 'sips', user: 'bob', host: 'example.com' });
    assert.equal(uacDialogInit(sips, ok).secure, true);
    assert.equal(uasDialogInit(sips, ok, 'tls', ok.contact[0]).secure, true);
    assert.equal(uasDialogInit(sips, ok, 'tcp', ok.contact[0]).secure, false);
  });

  test('loose routing: R-URI is the remote target, the next hop the first route', async () => {
    const ua = fakeUa();
    const invite = incomingInvite();
    const d = new Dialog(
      ua.ctx,
      uacDialogInit(invite, answer(invite, [lr('proxy.example', 5070)], sipUri('bob', '192.0.2.7'))),
    );
    const req = d.createRequest('INFO');
    assert.equal(req.uri.toString(), 'sip:bob@192.0.2.7');
    assert.deepEqual(req.route.map(String), ['<sip:proxy.example:5070;lr>']);
    assert.deepEqual(await d.nextHop(), { protocol: 'udp', address: '127.0.0.9', port: 5070 });
    d.finish({ cause: 'shutdown' });
  });

  test('strict routing: R-URI is the first route, Route the rest plus the remote target (12.2.1.1)', async () => {
    const ua = fakeUa();
    const invite = incomingInvite();
    const strict = new NameAddr(
      sipUri(undefined, 'strict.example', undefined, [
        ['method', 'INVITE'],
        ['transport', 'tcp'],
      ]),
    );
    const ok = answer(invite, [lr('p2.example'), strict], sipUri('bob', '192.0.2.7'));
    const d = new Dialog(ua.ctx, uacDialogInit(invite, ok));
    const req = d.createRequest('BYE');
    assert.equal(req.uri.toString(), 'sip:strict.example;transport=tcp'); // method= stripped
    assert.deepEqual(req.route.map(String), ['<sip:p2.example;lr>', '<sip:bob@192.0.2.7>']);
    assert.deepEqual(await d.nextHop(), { protocol: 'tcp', address: '127.0.0.8', port: 5060 });
    d.finish({ cause: 'shutdown' });
  });

  test('no route set: R-URI and next hop are the remote target', async () => {
    const ua = fakeUa();
    const invite = incomingInvite();
    const d = new Dialog(ua.ctx, uacDialogInit(invite, answer(invite, [], sipUri('bob', '192.0.2.7', 5099))));
    const req = d.createRequest('INFO');
    assert.equal(req.route.length, 0);
    assert.deepEqual(await d.nextHop(), { protocol: 'udp', address: '192.0.2.7', port: 5099 });
    d.finish({ cause: 'shutdown' });
  });

  test('a request with a lower CSeq than the last gets 500 and changes nothing (12.2.2)', () => {
    const ua = fakeUa();
    const d = uasDialog(ua);
    const t1 = new FakeServerTx(inDialogFromPeer('INFO', 12, 'btag'));
    d.receiveRequest(t1.request, t1);
    assert.equal(t1.last?.status, 200);
    assert.equal(d.remoteSeq, 12);
    const t2 = new FakeServerTx(inDialogFromPeer('INFO', 11, 'btag'));
    d.receiveRequest(t2.request, t2);
    assert.equal(t2.last?.status, 500);
    assert.equal(d.remoteSeq, 12);
    const t3 = new FakeServerTx(inDialogFromPeer('INFO', 20, 'btag'));
    d.receiveRequest(t3.request, t3);
    assert.equal(t3.last?.status, 200); // gaps are fine
    assert.equal(d.remoteSeq, 20);
    d.finish({ cause: 'shutdown' });
  });

  test('remote target refresh: an accepted re-INVITE with a new Contact moves the next request', async () => {
    const ua = fakeUa();
    const d = uasDialog(ua);
    d.localSdp = 'v=0\r\n';
    const reinvite = inDialogFromPeer('INVITE', 11, 'btag');
    reinvite.contact = [new NameAddr(sipUri('alice', '127.0.0.1', 6000))];
    const tx = new FakeServerTx(reinvite);
    d.receiveRequest(reinvite, tx);
    assert.equal(tx.last?.status, 200);
    assert.equal(tx.last?.contact[0].uri.toString(), 'sip:bob@127.0.0.1:5080'); // 12.2.2: our Contact
    assert.equal(d.remoteTarget.toString(), 'sip:alice@127.0.0.1:6000');
    // The 2xx is retransmitted statelessly until its ACK.
    ua.clock.advance(500);
    assert.equal(ua.transactions.statelessResponses.length, 1);
    const ack = inDialogFromPeer('ACK', 11, 'btag');
    d.receiveAck(ack);
    ua.clock.advance(5000);
    assert.equal(ua.transactions.statelessResponses.length, 1);
    assert.equal(ua.clock.armed, 0);
    const info = d.request({ method: 'INFO' });
    await new Promise((r) => setImmediate(r));
    const sent = ua.transactions.sent.at(-1);
    assert.equal(sent?.req.uri.toString(), 'sip:alice@127.0.0.1:6000');
    assert.deepEqual(sent?.target, { protocol: 'udp', address: '127.0.0.1', port: 6000 });
    sent?.user.onResponse(createResponse(sent.req, 200));
    assert.equal((await info).status, 200);
    d.finish({ cause: 'shutdown' });
  });

  test('a refused re-INVITE does not refresh the target', () => {
    const ua = fakeUa();
    const d = uasDialog(ua);
    d.on('modify', (_req, res) => res.send(488));
    const reinvite = inDialogFromPeer('INVITE', 11, 'btag');
    reinvite.contact = [new NameAddr(sipUri('alice', '127.0.0.1', 6000))];
    const tx = new FakeServerTx(reinvite);
    d.receiveRequest(reinvite, tx);
    assert.equal(tx.last?.status, 488);
    assert.equal(d.remoteTarget.toString(), 'sip:alice@127.0.0.1:5070');
    assert.equal(d.inviteLock.state, 'free');
    d.finish({ cause: 'shutdown' });
  });

  test('a 2xx to our UPDATE refreshes the target (12.2.1.2)', async () => {
    const ua = fakeUa();
    const d = uasDialog(ua);
    const update = d.request({ method: 'UPDATE' });
    await new Promise((r) => setImmediate(r));
    const sent = ua.transactions.sent.at(-1)!;
    const ok = createResponse(sent.req, 200);
    ok.contact = [new NameAddr(sipUri('alice', '127.0.0.1', 7000))];
    sent.user.onResponse(ok);
    await update;
    assert.equal(d.remoteTarget.toString(), 'sip:alice@127.0.0.1:7000');
    d.finish({ cause: 'shutdown' });
  });

  test('ACK for a 2xx: CSeq of the INVITE, route set, stateless; the same ACK for a retransmission', async () => {
    const ua = fakeUa();
    const invite = incomingInvite({ seq: 42 });
    const ok = answer(invite, [lr('proxy.example')], sipUri('bob', '192.0.2.7'));
    const d = new Dialog(ua.ctx, uacDialogInit(invite, ok));
    await d.sendAck(42);
    const [first] = ua.transactions.stateless;
    assert.equal(first.req.method, 'ACK');
    assert.deepEqual(first.req.cseq, { seq: 42, method: 'ACK' });
    assert.equal(first.req.uri.toString(), 'sip:bob@192.0.2.7');
    assert.deepEqual(first.req.route.map(String), ['<sip:proxy.example;lr>']);
    assert.equal(first.target.address, '127.0.0.9');
    assert.equal(d.localSeq, 42, 'the ACK takes no new CSeq');
    d.resendAck(ok);
    assert.equal(ua.transactions.stateless.length, 2);
    assert.equal(ua.transactions.stateless[1].req, first.req);
    const other = new SipResponse(200, 'OK');
    other.cseq = { seq: 41, method: 'INVITE' };
    d.resendAck(other);
    assert.equal(ua.transactions.stateless.length, 2, 'not for another INVITE');
    d.finish({ cause: 'shutdown' });
  });

  test("'destroy' is emitted once; state moves are checked", () => {
    const ua = fakeUa();
    const d = uasDialog(ua);
    const ends: string[] = [];
    d.on('destroy', (e) => ends.push(e.cause));
    d.finish({ cause: 'bye' });
    d.finish({ cause: 'local' });
    assert.deepEqual(ends, ['bye']);
    assert.throws(() => d.confirm(new SipResponse(200, 'OK')), /illegal transition terminated -> confirmed/);
  });

  test('requests after the end get 481; held ones too', () => {
    const ua = fakeUa();
    const invite = incomingInvite();
    const ok = createResponse(invite, 200, { toTag: 'btag' });
    const d = new Dialog(ua.ctx, uasDialogInit(invite, ok, 'udp', ua.ctx.contact('udp')));
    const held = new FakeServerTx(inDialogFromPeer('INFO', 11, 'btag'));
    d.receiveRequest(held.request, held);
    assert.equal(held.responses.length, 0, 'held until handed over');
    d.finish({ cause: 'shutdown' });
    assert.equal(held.last?.status, 481);
    const late = new FakeServerTx(inDialogFromPeer('INFO', 12, 'btag'));
    d.receiveRequest(late.request, late);
    assert.equal(late.last?.status, 481);
  });

  test('requests pending an answer when the dialog ends get 487 (15.1.2)', () => {
    const ua = fakeUa();
    const d = uasDialog(ua);
    let late: (() => void) | undefined;
    d.on('info', (_req, res) => {
      late = () => res.send(200);
    });
    const tx = new FakeServerTx(inDialogFromPeer('INFO', 11, 'btag'));
    d.receiveRequest(tx.request, tx);
    const bye = new FakeServerTx(inDialogFromPeer('BYE', 12, 'btag'));
    d.receiveRequest(bye.request, bye);
    assert.equal(bye.last?.status, 200);
    assert.equal(tx.last?.status, 487);
    late?.(); // ignored, not thrown
    assert.equal(tx.responses.length, 1);
    assert.equal(ua.clock.armed, 0);
  });

  test('unknown in-dialog methods get 405 with Allow', () => {
    const ua = fakeUa();
    const d = uasDialog(ua);
    const tx = new FakeServerTx(inDialogFromPeer('SUBSCRIBE', 11, 'btag'));
    d.receiveRequest(tx.request, tx);
    assert.equal(tx.last?.status, 405);
    assert.match(tx.last?.get('Allow') ?? '', /INVITE, ACK, CANCEL, BYE/);
    d.finish({ cause: 'shutdown' });
  });
});

describe('resolveTarget (next hop, RFC 3263 simplified)', () => {
  const lookup = async (host: string) => {
    if (host === 'gw.example') return '127.0.0.5';
    throw new Error('NXDOMAIN');
  };
  test('IP literals, transport parameter, default ports, names through the lookup', async () => {
    assert.deepEqual(await resolveTarget(sipUri('a', '127.0.0.1'), lookup), {
      protocol: 'udp',
      address: '127.0.0.1',
      port: 5060,
    });
    assert.deepEqual(await resolveTarget(sipUri('a', '::1', 5070, [['transport', 'TCP']]), lookup), {
      protocol: 'tcp',
      address: '::1',
      port: 5070,
    });
    assert.deepEqual(await resolveTarget(new Uri({ scheme: 'sips', host: 'gw.example' }), lookup), {
      protocol: 'tls',
      address: '127.0.0.5',
      port: 5061,
    });
    assert.deepEqual(
      await resolveTarget(sipUri('a', 'gw.example', undefined, [['maddr', '127.0.0.6']]), lookup),
      {
        protocol: 'udp',
        address: '127.0.0.6',
        port: 5060,
      },
    );
  });
  test('failures are TRANSPORT errors with 503', async () => {
    await assert.rejects(resolveTarget(sipUri('a', 'nowhere.example'), lookup), {
      code: 'TRANSPORT',
      status: 503,
    });
    await assert.rejects(resolveTarget(new Uri({ scheme: 'tel', user: '+15551234' }), lookup), {
      code: 'TRANSPORT',
      status: 503,
    });
  });
});

void SOURCE;
