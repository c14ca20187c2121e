/**
 * Real calls between Patchbay's SIP stack and SIPp over loopback, UDP and TCP:
 * SIPp calling a test UAS built on the UA API, and Patchbay's UAC calling SIPp.
 * After every test no transaction, dialog or connection may be left.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { SipError } from '../../../src/sip/errors.ts';
import { LocalSdpSession } from '../../../src/sip/sdp/local-sdp-session.ts';
import { UdpTransport } from '../../../src/sip/transport/udp.ts';
import { UserAgent } from '../../../src/sip/ua/user-agent.ts';
import { LossyTransport } from '../../helpers/lossy-transport.ts';
import { freePort, runSipp } from '../../helpers/sipp.ts';
import { CAPS, loopbackOnly, serveTestUas, waitUntil } from '../../helpers/test-uas.ts';

type Proto = 'udp' | 'tcp';

/** Short timers so that transactions end quickly (timers D, H, J = 1.6 s). */
const TIMERS = { T1: 25, T2: 400, T4: 500, D: 1600 };

const agents: UserAgent[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.close()));
});

async function startUa(proto: Proto): Promise<{ ua: UserAgent; port: number }> {
  const ua = await UserAgent.start({
    listen: [`${proto}:127.0.0.1:0`],
    timers: TIMERS,
    egress: loopbackOnly,
  });
  agents.push(ua);
  return { ua, port: ua.listening[0].port };
}

/** Waits until the stack is back to nothing but its listening socket, then closes it. */
async function settle(ua: UserAgent): Promise<void> {
  await waitUntil(() => ua.transactionCount === 0, 10000, 'transactions to end');
  await waitUntil(() => ua.dialogCount === 0, 2000, 'dialogs to end');
  await waitUntil(() => ua.socketCount === 1, 8000, 'connections to close');
  await ua.close();
}

function target(proto: Proto, port: number): string {
  return `sip:service@127.0.0.1:${port}${proto === 'tcp' ? ';transport=tcp' : ''}`;
}

for (const proto of ['udp', 'tcp'] as const) {
  describe(`SIPp UAC -> Patchbay UAS over ${proto}`, () => {
    test('INVITE, 180, 200, ACK, BYE from the caller: three calls', async () => {
      const { ua, port } = await startUa(proto);
      const log = serveTestUas(ua, { ringMs: 30 });
      const sipp = runSipp({
        scenario: 'uac-invite-bye.xml',
        remote: `127.0.0.1:${port}`,
        transport: proto,
        port: await freePort(),
        calls: 3,
        rate: 10,
        pauseMs: 100,
      });
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      assert.equal(log.invites.length, 3);
      assert.equal(log.confirmed, 3);
      await waitUntil(() => log.ended.length === 3, 2000, 'three BYEs');
      assert.deepEqual(log.ended, ['bye', 'bye', 'bye']);
      assert.deepEqual(log.failures, []);
      await settle(ua);
    });

    test('CANCEL before the answer gets 200 and the INVITE 487', async () => {
      const { ua, port } = await startUa(proto);
      const log = serveTestUas(ua, { noAnswer: true });
      const sipp = runSipp({
        scenario: 'uac-cancel.xml',
        remote: `127.0.0.1:${port}`,
        transport: proto,
        port: await freePort(),
        pauseMs: 200,
      });
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      assert.equal(log.cancelled, 1);
      assert.equal(log.confirmed, 0);
      await settle(ua);
    });

    test('re-INVITE in the dialog is answered with a new SDP answer', async () => {
      const { ua, port } = await startUa(proto);
      const log = serveTestUas(ua);
      const sipp = runSipp({
        scenario: 'uac-reinvite.xml',
        remote: `127.0.0.1:${port}`,
        transport: proto,
        port: await freePort(),
      });
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      assert.equal(log.reinvites, 1);
      await waitUntil(() => log.ended.length === 1, 2000, 'the BYE');
      await settle(ua);
    });

    test('BYE from the Patchbay side', async () => {
      const { ua, port } = await startUa(proto);
      const log = serveTestUas(ua, { byeAfterMs: 100 });
      const sipp = runSipp({
        scenario: 'uac-invite-await-bye.xml',
        remote: `127.0.0.1:${port}`,
        transport: proto,
        port: await freePort(),
      });
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      assert.equal(log.confirmed, 1);
      assert.equal(log.ended.length, 1);
      await settle(ua);
    });
  });

  describe(`Patchbay UAC -> SIPp UAS over ${proto}`, () => {
    async function call(scenario: string, opts: { keys?: Record<string, string>; pauseMs?: number } = {}) {
      const { ua } = await startUa(proto);
      const sippPort = await freePort();
      const sipp = runSipp({
        scenario,
        transport: proto,
        port: sippPort,
        keys: opts.keys,
        pauseMs: opts.pauseMs,
      });
      await sipp.ready;
      const offer = new LocalSdpSession({ address: CAPS.address }).createOffer(CAPS).sdp;
      return { ua, sipp, sippPort, offer };
    }

    test('answered with 200: ACK, then our BYE', async () => {
      const { ua, sipp, sippPort, offer } = await call('uas-answer.xml');
      const uac = ua.createUAC({ uri: target(proto, sippPort), body: offer });
      const dialog = await uac.established;
      assert.equal(dialog.state, 'confirmed');
      await dialog.destroy();
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      await settle(ua);
    });

    test('the callee hangs up: its BYE ends the dialog', async () => {
      const { ua, sipp, sippPort, offer } = await call('uas-answer-bye.xml', { pauseMs: 100 });
      const dialog = await ua.createUAC({ uri: target(proto, sippPort), body: offer }).established;
      const end = await new Promise<string>((resolve) => dialog.once('destroy', (e) => resolve(e.cause)));
      assert.equal(end, 'bye');
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      await settle(ua);
    });

    test('486 Busy Here rejects the call with its status', async () => {
      const { ua, sipp, sippPort, offer } = await call('uas-busy.xml');
      const err = (await ua.createUAC({ uri: target(proto, sippPort), body: offer }).established.then(
        () => assert.fail('the call was answered'),
        (e: unknown) => e,
      )) as SipError;
      assert.equal(err.code, 'REJECTED');
      assert.equal(err.status, 486);
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      await settle(ua);
    });

    test('no answer: CANCEL after the 180, the INVITE ends with 487', async () => {
      const { ua, sipp, sippPort, offer } = await call('uas-noanswer.xml');
      const uac = ua.createUAC(
        { uri: target(proto, sippPort), body: offer },
        { onProvisional: () => uac.cancel() },
      );
      const err = (await uac.established.then(
        () => assert.fail('the call was answered'),
        (e: unknown) => e,
      )) as SipError;
      assert.equal(err.code, 'CANCELLED');
      assert.equal(err.status, 487);
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      await settle(ua);
    });

    test('401 challenge answered with digest credentials', async () => {
      const { ua, sipp, sippPort, offer } = await call('uas-auth.xml', {
        keys: { authuser: 'alice', authpass: 's3cret' },
      });
      const uac = ua.createUAC({
        uri: target(proto, sippPort),
        body: offer,
        auth: { username: 'alice', password: 's3cret' },
      });
      const dialog = await uac.established;
      await dialog.destroy();
      const r = await sipp.done;
      assert.equal(r.code, 0, r.errors);
      await settle(ua);
    });
  });
}

/** Under loss, timer B (64*T1) must outlast SIPp's own 500 ms retransmission schedule. */
const LOSSY_TIMERS = { T1: 100, T2: 400, T4: 500, D: 6400 };

describe('lossy UDP: 10% of datagrams dropped both ways', () => {
  test('SIPp UAC -> Patchbay UAS: every call completes through retransmissions', async () => {
    const inner = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const lossy = new LossyTransport(inner, { loss: 0.1, seed: 4475 });
    const ua = await UserAgent.start({ transports: [lossy], timers: LOSSY_TIMERS, egress: loopbackOnly });
    agents.push(ua);
    const log = serveTestUas(ua);
    const calls = 20;
    const sipp = runSipp({
      scenario: 'uac-invite-bye.xml',
      remote: `127.0.0.1:${inner.local.port}`,
      port: await freePort(),
      calls,
      rate: 10,
      timeoutSec: 60,
    });
    const r = await sipp.done;
    assert.equal(r.code, 0, r.errors);
    assert.ok(lossy.stats.sendDropped + lossy.stats.receiveDropped > 0, 'the wrapper dropped datagrams');
    await waitUntil(() => log.ended.length === calls, 5000, 'every BYE');
    await settle(ua);
  });

  test('Patchbay UAC -> SIPp UAS: every call completes through retransmissions', async () => {
    const inner = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const lossy = new LossyTransport(inner, { loss: 0.1, seed: 3261 });
    const ua = await UserAgent.start({ transports: [lossy], timers: LOSSY_TIMERS, egress: loopbackOnly });
    agents.push(ua);
    const calls = 10;
    const sippPort = await freePort();
    const sipp = runSipp({ scenario: 'uas-answer-lossy.xml', port: sippPort, calls, timeoutSec: 60 });
    await sipp.ready;
    const offer = new LocalSdpSession({ address: CAPS.address }).createOffer(CAPS).sdp;
    for (let i = 0; i < calls; i++) {
      const dialog = await ua.createUAC({ uri: target('udp', sippPort), body: offer }).established;
      await dialog.destroy();
    }
    const r = await sipp.done;
    assert.equal(r.code, 0, r.errors);
    assert.ok(lossy.stats.sendDropped + lossy.stats.receiveDropped > 0, 'the wrapper dropped datagrams');
    await settle(ua);
  });
});

describe('IPv6 loopback', () => {
  test('SIPp UAC -> Patchbay UAS over UDP on [::1]', async () => {
    const ua = await UserAgent.start({ listen: ['udp:[::1]:0'], timers: TIMERS, egress: loopbackOnly });
    agents.push(ua);
    const log = serveTestUas(ua);
    const port = ua.listening[0].port;
    const sipp = runSipp({
      scenario: 'uac-invite-bye.xml',
      host: '::1',
      remote: `[::1]:${port}`,
      port: await freePort('::1'),
    });
    const r = await sipp.done;
    assert.equal(r.code, 0, r.errors);
    assert.equal(log.confirmed, 1);
    assert.equal(log.invites[0].via[0].host, '::1');
    await waitUntil(() => log.ended.length === 1, 2000, 'the BYE');
    await settle(ua);
  });

  test('Patchbay UAC -> SIPp UAS over TCP on [::1]', async () => {
    const ua = await UserAgent.start({ listen: ['tcp:[::1]:0'], timers: TIMERS, egress: loopbackOnly });
    agents.push(ua);
    const sippPort = await freePort('::1');
    const sipp = runSipp({ scenario: 'uas-answer.xml', host: '::1', transport: 'tcp', port: sippPort });
    await sipp.ready;
    const offer = new LocalSdpSession({ address: '::1' }).createOffer({ ...CAPS, address: '::1' }).sdp;
    const dialog = await ua.createUAC({ uri: `sip:service@[::1]:${sippPort};transport=tcp`, body: offer })
      .established;
    assert.equal(dialog.remoteTarget.host, '::1');
    await dialog.destroy();
    const r = await sipp.done;
    assert.equal(r.code, 0, r.errors);
    await settle(ua);
  });
});
