import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipRequest } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { parseMessage, parseUri } from '../../../../src/sip/message/parser.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import { Via } from '../../../../src/sip/message/via.ts';
import { RawPeer } from './raw-peer.ts';
import { advance, assertClean, SDP_A, SDP_B, uaPair } from './ua-pair.ts';

const ALICE = { address: '127.0.0.1', port: 5070 };

describe('route set and remote target over the wire', () => {
  test('requests follow the Record-Route; a re-INVITE with a new Contact moves the target', async () => {
    const p = await uaPair();
    const callee = new RawPeer(p.net, 5090); // the far end, first at :5090
    const proxy = new RawPeer(p.net, 5095); // a record-routing proxy: records what reaches it
    proxy.autoAnswer = 200;
    const moved = new RawPeer(p.net, 5091); // the far end after its move
    const uac = p.alice.createUAC({ uri: 'sip:carol@127.0.0.1:5090', body: SDP_A });
    await p.net.settle();
    const invite = callee.requests[0];
    const ok = createResponse(invite, 200, { toTag: 'carol1' });
    ok.recordRoute = [new NameAddr(parseUri('sip:127.0.0.1:5095;lr'))];
    ok.contact = [new NameAddr(parseUri('sip:carol@127.0.0.1:5090'))];
    ok.contentType = 'application/sdp';
    ok.body = Buffer.from(SDP_B);
    await callee.send(ok, ALICE);
    const d = await uac.established;
    await p.net.settle();
    // 13.2.2.4 / 12.2.1.1: the ACK goes to the first route, R-URI = remote target, Route = route set.
    assert.deepEqual(
      proxy.requests.map((r) => r.method),
      ['ACK'],
    );
    assert.equal(proxy.requests[0].uri.toString(), 'sip:carol@127.0.0.1:5090');
    assert.deepEqual(proxy.requests[0].route.map(String), ['<sip:127.0.0.1:5095;lr>']);

    // The far end moves: a re-INVITE with Contact :5091, carried by the proxy (Record-Route kept).
    const reinvite = new SipRequest('INVITE', d.localContact.uri.clone());
    reinvite.via = [
      new Via({
        transport: 'UDP',
        host: '127.0.0.1',
        port: 5090,
        params: new Map([['branch', 'z9hG4bKre1']]),
      }),
    ];
    reinvite.from = d.remoteUri.clone();
    reinvite.to = d.localUri.clone();
    reinvite.callId = d.callId;
    reinvite.cseq = { seq: 1, method: 'INVITE' };
    reinvite.maxForwards = 70;
    reinvite.contact = [new NameAddr(parseUri('sip:carol@127.0.0.1:5091'))];
    reinvite.contentType = 'application/sdp';
    reinvite.body = Buffer.from(SDP_B);
    await callee.send(reinvite, ALICE);
    await p.net.settle();
    const answer = callee.responses.find((r) => r.status === 200 && r.cseq.method === 'INVITE');
    assert.ok(answer, 'Alice answered the re-INVITE');
    assert.equal(answer.body.toString(), SDP_A, 'with her current SDP');
    assert.equal(d.remoteTarget.toString(), 'sip:carol@127.0.0.1:5091');
    const ack = new SipRequest('ACK', d.localContact.uri.clone());
    ack.via = [
      new Via({
        transport: 'UDP',
        host: '127.0.0.1',
        port: 5090,
        params: new Map([['branch', 'z9hG4bKre2']]),
      }),
    ];
    ack.from = reinvite.from;
    ack.to = answer.to;
    ack.callId = d.callId;
    ack.cseq = { seq: 1, method: 'ACK' };
    ack.maxForwards = 70;
    await callee.send(ack, ALICE);
    await p.net.settle();

    // The next request: still through the proxy (the route set never changes, 12.2), to the new target.
    const info = await d.request({ method: 'INFO' });
    assert.equal(info.status, 200);
    const sent = proxy.requests.at(-1)!;
    assert.equal(sent.method, 'INFO');
    assert.equal(sent.uri.toString(), 'sip:carol@127.0.0.1:5091');
    assert.equal(moved.requests.length, 0);
    // A lower CSeq from the far end now gets 500 (12.2.2).
    const stale = parseMessage(reinvite.toBuffer()) as SipRequest;
    stale.method = 'INFO';
    stale.cseq = { seq: 0, method: 'INFO' };
    stale.via[0].branch = 'z9hG4bKstale';
    stale.body = Buffer.alloc(0);
    stale.contentType = undefined;
    await callee.send(stale, ALICE);
    await p.net.settle();
    assert.equal(callee.responses.at(-1)?.status, 500);
    await d.destroy();
    assert.equal(proxy.requests.at(-1)?.method, 'BYE');
    await assertClean(p);
  });

  test('a 2xx retransmitted after the INVITE transaction ended gets the ACK again (stray, 13.2.2.4)', async () => {
    const p = await uaPair();
    p.bob.onInvite(async (_req, uas) => {
      await uas.accept({ body: SDP_B });
    });
    const d = await p.alice.createUAC({ uri: p.bobUri, body: SDP_A }).established;
    await advance(p, 33_000, 1000); // timer M: the INVITE client transaction is gone
    assert.equal(p.alice.transactionCount, 0);
    const replay = new RawPeer(p.net, 5099);
    const ok = p.net.wire.find((w) => w.text.startsWith('SIP/2.0 200') && w.text.includes(' INVITE\r\n'));
    assert.ok(ok);
    const acks = p.net.messages('ACK ').length;
    await replay.send(ok.text, ALICE);
    await p.net.settle();
    assert.equal(p.net.messages('ACK ').length, acks + 1);
    assert.equal(p.net.messages('ACK ').at(-1)?.text, p.net.messages('ACK ')[0].text);
    await d.destroy();
    await assertClean(p);
  });
});
