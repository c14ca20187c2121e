import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SipError } from '../../../../src/sip/errors.ts';
import type { SipRequest } from '../../../../src/sip/message/message.ts';
import { TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.ts';
import type { ServerTransaction } from '../../../../src/sip/transaction/types.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import {
  FakeSender,
  outgoing,
  RecordingCore,
  RecordingUser,
  request,
  response,
  settle,
  sibling,
  source,
  T1,
  target,
} from './fixtures.ts';

function setup() {
  const clock = new FakeClock();
  const sender = new FakeSender(clock);
  const core = new RecordingCore();
  const layer = new TransactionLayer({ sender, clock });
  layer.setCore(core);
  /** Lets every timer run out, then checks that nothing is left behind. */
  const drain = () => {
    clock.advance(2 * 64 * T1);
    assert.equal(layer.size, 0, 'every transaction terminated and dropped');
    assert.equal(clock.armed, 0, 'every timer cancelled');
  };
  return { clock, sender, core, layer, drain };
}

/** The server transaction the core got for the n-th new request. */
function serverTx(core: RecordingCore, n = 0): ServerTransaction {
  return core.requests[n].tx;
}

describe('client side: sendRequest and response matching (17.1.3)', () => {
  test('a request without Via gets one: empty host for the transport to fill, rport, a fresh z9hG4bK branch', () => {
    const { layer, sender, drain } = setup();
    const options = outgoing('OPTIONS');
    const register = outgoing('REGISTER');
    layer.sendRequest(options, target('udp'), new RecordingUser());
    layer.sendRequest(register, target('tcp'), new RecordingUser());
    const [a, b] = [options.via[0], register.via[0]];
    assert.equal(options.via.length, 1);
    assert.equal(a.host, '');
    assert.equal(a.transport, 'UDP');
    assert.equal(b.transport, 'TCP');
    assert.ok(a.rportRequested);
    assert.match(a.branch ?? '', /^z9hG4bK[0-9a-z.]+$/);
    assert.notEqual(a.branch, b.branch);
    assert.equal(sender.requests[0].msg, options);
    assert.deepEqual(sender.requests[0].where, target('udp'));
    assert.equal(layer.size, 2);
    layer.receiveResponse(response(options, 200), source());
    layer.receiveResponse(response(register, 200), source('tcp'));
    drain();
  });

  test('the CANCEL keeps the INVITE branch yet is its own transaction; responses go by CSeq method', () => {
    const { layer, sender, core, drain } = setup();
    const invite = outgoing('INVITE');
    const inviteUser = new RecordingUser();
    const inviteTx = layer.sendRequest(invite, target(), inviteUser);
    layer.receiveResponse(response(invite, 180), source());

    const cancel = sibling(invite, 'CANCEL');
    const cancelUser = new RecordingUser();
    const cancelTx = layer.sendRequest(cancel, target(), cancelUser);
    assert.equal(cancel.via[0].branch, invite.via[0].branch, 'RFC 3261 9.1: same branch as the INVITE');
    assert.notEqual(cancelTx, inviteTx);
    assert.equal(layer.size, 2);

    layer.receiveResponse(response(cancel, 200), source());
    assert.deepEqual(cancelUser.statuses(), [200]);
    layer.receiveResponse(response(invite, 487), source());
    assert.deepEqual(inviteUser.statuses(), [180, 487]);
    assert.deepEqual(sender.requestTimes('ACK'), [0], 'the INVITE transaction acknowledged the 487');
    assert.deepEqual(core.strays, []);
    drain();
  });

  test('a 2xx retransmitted after timer M ended Accepted goes to core.onStrayResponse, as does an unknown branch', () => {
    const { layer, core, clock, drain } = setup();
    const invite = outgoing('INVITE');
    const user = new RecordingUser();
    layer.sendRequest(invite, target(), user);
    layer.receiveResponse(response(invite, 200), source());
    layer.receiveResponse(response(invite, 200), source());
    assert.deepEqual(user.statuses(), [200, 200]);
    clock.advance(64 * T1);
    assert.equal(layer.size, 0);

    const late = response(invite, 200);
    layer.receiveResponse(late, source());
    const other = response(request('OPTIONS'), 200);
    layer.receiveResponse(other, source());
    assert.deepEqual(core.strays, [late, other]);
    assert.deepEqual(user.statuses(), [200, 200]);
    drain();
  });

  test('ACK is never a client transaction, and a branch+method in use is refused', () => {
    const { layer, drain } = setup();
    assert.throws(
      () => layer.sendRequest(outgoing('ACK'), target(), new RecordingUser()),
      (e: unknown) => e instanceof SipError && e.code === 'STATE',
    );
    const bye = outgoing('BYE');
    layer.sendRequest(bye, target(), new RecordingUser());
    assert.throws(
      () => layer.sendRequest(bye, target(), new RecordingUser()),
      (e: unknown) => e instanceof SipError && e.code === 'STATE',
    );
    layer.receiveResponse(response(bye, 200), source());
    drain();
  });

  test('sendStateless adds a Via as sendRequest does; sendResponseStateless goes straight to the transport', async () => {
    const { layer, sender, drain } = setup();
    const ack = outgoing('ACK');
    await layer.sendStateless(ack, target('tcp'));
    assert.equal(ack.via[0].transport, 'TCP');
    assert.match(ack.via[0].branch ?? '', /^z9hG4bK/);
    const ok = response(request('INVITE'), 200);
    await layer.sendResponseStateless(ok, source());
    assert.equal(sender.responses[0].msg, ok);
    assert.equal(layer.size, 0);
    drain();
  });

  test('a transport error reaches the TU as onError, and the transaction is dropped', async () => {
    const { layer, sender, drain } = setup();
    sender.fail = () => true;
    const user = new RecordingUser();
    layer.sendRequest(outgoing('INVITE'), target('tcp'), user);
    await settle();
    assert.equal(user.errors[0].code, 'TRANSPORT');
    assert.equal(user.terminated, 1);
    assert.equal(layer.size, 0);
    drain();
  });
});

describe('server side: request matching (17.2.3)', () => {
  test('a retransmission (same branch, sent-by and method) is absorbed: the core sees it once, the last response goes again', () => {
    const { layer, core, sender, drain } = setup();
    const bye = request('BYE', { branch: 'z9hG4bKbye1' });
    layer.receiveRequest(bye, source());
    serverTx(core).respond(response(bye, 200));
    layer.receiveRequest(request('BYE', { branch: 'z9hG4bKbye1' }), source());
    assert.equal(core.requests.length, 1);
    assert.deepEqual(sender.statuses(), [200, 200]);
    assert.equal(layer.size, 1);
    drain();
  });

  test('the same branch from another sent-by, or with another method, is another transaction', () => {
    const { layer, core, drain } = setup();
    layer.receiveRequest(request('OPTIONS', { branch: 'z9hG4bKsame' }), source());
    layer.receiveRequest(request('OPTIONS', { branch: 'z9hG4bKsame', viaPort: 5070 }), source());
    layer.receiveRequest(request('OPTIONS', { branch: 'z9hG4bKsame', viaHost: '192.0.2.11' }), source());
    layer.receiveRequest(request('INFO', { branch: 'z9hG4bKsame' }), source());
    assert.equal(core.requests.length, 4);
    assert.equal(layer.size, 4);
    for (const { req, tx } of core.requests) tx.respond(response(req, 200));
    drain();
  });

  test('sent-by compares with the default port filled in and the host case-insensitively', () => {
    const { layer, core, drain } = setup();
    layer.receiveRequest(request('OPTIONS', { branch: 'z9hG4bKdp', viaHost: 'UA.example.test' }), source());
    layer.receiveRequest(
      request('OPTIONS', { branch: 'z9hG4bKdp', viaHost: 'ua.example.test', viaPort: 5060 }),
      source(),
    );
    assert.equal(core.requests.length, 1);
    serverTx(core).respond(response(core.requests[0].req, 200));
    drain();
  });

  test('the ACK of a 300-699 response matches the INVITE transaction and stays in it', () => {
    const { layer, core, sender, drain } = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKinv1' });
    layer.receiveRequest(invite, source());
    const tx = serverTx(core);
    tx.respond(response(invite, 486, 'uas'));
    layer.receiveRequest(sibling(invite, 'ACK', 'uas'), source());
    assert.equal(tx.state, 'confirmed');
    assert.deepEqual(core.acks, [], 'not passed to the core');
    layer.receiveRequest(sibling(invite, 'ACK', 'uas'), source());
    assert.deepEqual(core.acks, [], 'a retransmitted ACK is absorbed too');
    assert.deepEqual(sender.statuses(), [486], 'the 486 came first: no 100 Trying');
    drain();
  });

  test('the ACK of a 2xx (its own branch) goes to core.onAck, and so does an ACK reaching an Accepted transaction', () => {
    const { layer, core, drain } = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKinv2' });
    layer.receiveRequest(invite, source());
    const tx = serverTx(core);
    tx.respond(response(invite, 200, 'uas'));
    const ack = sibling(invite, 'ACK', 'uas');
    ack.via[0].branch = 'z9hG4bKack2';
    layer.receiveRequest(ack, source());
    const sameBranch = sibling(invite, 'ACK', 'uas');
    layer.receiveRequest(sameBranch, source());
    assert.deepEqual(core.acks, [ack, sameBranch], 'RFC 6026 8.6: in Accepted the ACK is for the TU');
    assert.equal(tx.state, 'accepted');
    drain();
  });

  test('RFC 2543 requests (no magic cookie) match on Request-URI, tags, Call-ID, CSeq and top Via', () => {
    const { layer, core, sender, drain } = setup();
    const invite = request('INVITE', { branch: '', callId: 'old@2543' });
    layer.receiveRequest(invite, source());
    layer.receiveRequest(request('INVITE', { branch: '', callId: 'old@2543' }), source());
    assert.equal(core.requests.length, 1, 'the retransmission matched');
    assert.deepEqual(sender.statuses(), [100], 'the retransmission gets the 100 at once');

    layer.receiveRequest(request('INVITE', { branch: '', callId: 'old@2543', cseq: 2 }), source());
    layer.receiveRequest(request('INVITE', { branch: '', callId: 'old@2543', fromTag: 'other' }), source());
    layer.receiveRequest(request('INVITE', { branch: 'notacookie', callId: 'old@2543' }), source());
    assert.equal(core.requests.length, 4, 'another CSeq, From tag or Via branch is another transaction');

    const tx = serverTx(core);
    tx.respond(response(invite, 603, 'tag2543'));
    layer.receiveRequest(sibling(invite, 'ACK', 'someone-else'), source());
    assert.equal(tx.state, 'completed', 'an ACK with another To tag does not match');
    assert.equal(core.acks.length, 1);
    layer.receiveRequest(sibling(invite, 'ACK', 'tag2543'), source());
    assert.equal(tx.state, 'confirmed', 'the ACK carries the To tag of the response the transaction sent');
    assert.equal(core.acks.length, 1);
    for (const { req, tx: t } of core.requests.slice(1)) t.respond(response(req, 500));
    drain();
  });

  test('a request without Via is dropped: there is nowhere to answer', () => {
    const { layer, core, sender, drain } = setup();
    const req = request('OPTIONS');
    req.via = [];
    layer.receiveRequest(req, source());
    assert.equal(core.requests.length, 0);
    assert.equal(sender.responses.length, 0);
    drain();
  });
});

describe('CANCEL (RFC 3261 9.2)', () => {
  function ringing(toTag?: string) {
    const s = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKring' });
    if (toTag) s.core.onNew = (req, tx) => tx.respond(response(req, 180, toTag));
    s.layer.receiveRequest(invite, source());
    return { ...s, invite, inviteTx: serverTx(s.core) };
  }

  test('CANCEL of a ringing INVITE: 200 to the CANCEL, the core is told, the INVITE gets 487 with the 180 To tag', () => {
    const { layer, core, sender, invite, inviteTx, drain } = ringing('ring');
    const cancel = sibling(invite, 'CANCEL');
    layer.receiveRequest(cancel, source());

    assert.deepEqual(sender.statuses(), [180, 200, 487]);
    const ok = sender.responses[1].msg;
    const terminated = sender.responses[2].msg;
    assert.equal(ok.cseq.method, 'CANCEL');
    assert.equal(ok.to.tag, 'ring');
    assert.equal(terminated.cseq.method, 'INVITE');
    assert.equal(terminated.to.tag, 'ring');
    assert.equal(core.cancels.length, 1);
    assert.equal(core.cancels[0].invite, inviteTx);
    assert.equal(core.requests.length, 1, 'a matched CANCEL is not a new request for the core');
    assert.equal(inviteTx.state, 'completed');

    layer.receiveRequest(sibling(invite, 'CANCEL'), source());
    assert.deepEqual(sender.statuses(), [180, 200, 487, 200], 'a retransmitted CANCEL gets its 200 again');
    assert.equal(core.cancels.length, 1);
    layer.receiveRequest(sibling(invite, 'ACK', 'ring'), source());
    assert.equal(inviteTx.state, 'confirmed');
    drain();
  });

  test('with no tagged provisional yet, the 200 and the 487 share one fresh To tag', () => {
    const { layer, sender, invite, drain } = ringing();
    layer.receiveRequest(sibling(invite, 'CANCEL'), source());
    assert.deepEqual(sender.statuses(), [200, 487]);
    const tag = sender.responses[0].msg.to.tag;
    assert.ok(tag);
    assert.equal(sender.responses[1].msg.to.tag, tag);
    drain();
  });

  test('a core that answers the INVITE in onCancel prevents the 487', () => {
    const { layer, core, sender, invite, drain } = ringing('ring');
    core.onCancelled = (_cancel, tx) => tx.respond(response(tx.request, 486, 'ring'));
    layer.receiveRequest(sibling(invite, 'CANCEL'), source());
    assert.deepEqual(sender.statuses(), [180, 200, 486]);
    drain();
  });

  test('a CANCEL that matches nothing gets 481 and never reaches the core', () => {
    const { layer, core, sender, drain } = setup();
    layer.receiveRequest(request('CANCEL', { branch: 'z9hG4bKnobody' }), source());
    assert.deepEqual(sender.statuses(), [481]);
    assert.ok(sender.responses[0].msg.to.tag);
    assert.equal(core.requests.length, 0);
    assert.equal(core.cancels.length, 0);
    drain();
  });

  test('a CANCEL after the final response gets 200 and changes nothing', () => {
    const { layer, core, sender, invite, inviteTx, drain } = ringing('ring');
    inviteTx.respond(response(invite, 200, 'ring'));
    layer.receiveRequest(sibling(invite, 'CANCEL'), source());
    assert.deepEqual(sender.statuses(), [180, 200, 200]);
    assert.equal(sender.responses[2].msg.cseq.method, 'CANCEL');
    assert.equal(core.cancels.length, 0);
    assert.equal(inviteTx.state, 'accepted');
    drain();
  });

  test('an RFC 2543 CANCEL matches the INVITE by its fields', () => {
    const { layer, core, sender, drain } = setup();
    const invite = request('INVITE', { branch: '', callId: 'c2543' });
    layer.receiveRequest(invite, source());
    layer.receiveRequest(sibling(invite, 'CANCEL'), source());
    assert.deepEqual(sender.statuses(), [200, 487]);
    assert.equal(core.cancels.length, 1);
    drain();
  });
});

describe('the layer and its core', () => {
  test('without a core, a new request gets 503', () => {
    const clock = new FakeClock();
    const sender = new FakeSender(clock);
    const layer = new TransactionLayer({ sender, clock });
    layer.receiveRequest(request('INVITE'), source());
    assert.deepEqual(sender.statuses(), [503]);
    clock.advance(64 * T1);
    assert.equal(layer.size, 0);
    assert.equal(clock.armed, 0);
  });

  test('a core that throws gets its request answered 500; nothing escapes to the transport', () => {
    const { layer, core, sender, drain } = setup();
    core.onNew = () => {
      throw new Error('core bug');
    };
    assert.doesNotThrow(() => layer.receiveRequest(request('INVITE'), source()));
    assert.deepEqual(sender.statuses(), [500]);
    drain();
  });

  test('T1, T2 and T4 are configurable: with T1 = 100 ms timer B fires at 6.4 s', () => {
    const clock = new FakeClock();
    const sender = new FakeSender(clock);
    const layer = new TransactionLayer({ sender, clock, timers: { T1: 100 } });
    const user = new RecordingUser();
    layer.sendRequest(outgoing('INVITE'), target(), user);
    clock.advance(6399);
    assert.deepEqual(sender.requestTimes('INVITE'), [0, 100, 300, 700, 1500, 3100, 6300]);
    assert.equal(user.errors.length, 0);
    clock.advance(1);
    assert.equal(user.errors[0].code, 'TIMEOUT');
    assert.equal(layer.size, 0);
    assert.equal(clock.armed, 0);
  });

  test('close() ends every transaction, tells the users, and cancels every timer', () => {
    const { layer, core, clock } = setup();
    const user = new RecordingUser();
    layer.sendRequest(outgoing('INVITE'), target(), user);
    layer.receiveRequest(request('INVITE'), source());
    let serverEnd: SipError | undefined;
    serverTx(core).onTerminated((err) => {
      serverEnd = err;
    });
    const done = request('MESSAGE');
    layer.receiveRequest(done, source());
    serverTx(core, 1).respond(response(done, 200));
    assert.equal(layer.size, 3);
    assert.ok(clock.armed > 0);

    layer.close();
    assert.equal(layer.size, 0);
    assert.equal(clock.armed, 0);
    assert.deepEqual(
      user.errors.map((e) => e.code),
      ['TERMINATED'],
    );
    assert.equal(serverEnd?.code, 'TERMINATED');
  });

  test('a full UDP INVITE dialog start leaves nothing behind: 180 (no 100: the TU was quicker), 200, ACK to the core', () => {
    const { layer, core, sender, drain } = setup();
    const invite: SipRequest = request('INVITE');
    core.onNew = (req, tx) => {
      tx.respond(response(req, 180, 'uas'));
      tx.respond(response(req, 200, 'uas'));
    };
    layer.receiveRequest(invite, source());
    layer.receiveRequest(invite, source());
    const ack = sibling(invite, 'ACK', 'uas');
    ack.via[0].branch = 'z9hG4bKack';
    layer.receiveRequest(ack, source());
    assert.deepEqual(sender.statuses(), [180, 200]);
    assert.deepEqual(core.acks, [ack]);
    drain();
  });
});
