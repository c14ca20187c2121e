import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InboundLeg } from '../../../src/calls/inbound-leg.ts';
import type { Uas } from '../../../src/sip/ua/uas.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { assertRangeFree, testEngine } from '../../helpers/media-lab.ts';
import { uaPair } from '../sip/dialog/ua-pair.ts';

/** The caller's RTP socket: counts what Patchbay sends it. */
async function callerRtp(): Promise<{ socket: Socket; port: number; got: Buffer[] }> {
  const socket = createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { socket, port: socket.address().port, got };
}

function offer(port: number): string {
  return (
    'v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    `m=audio ${port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`
  );
}

/** The caller's INVITE reaches Patchbay's UA; resolves with the InboundLeg made of it. */
async function incoming(rtpPort: number) {
  const p = await uaPair();
  const engine = testEngine(8);
  let resolveLeg!: (leg: InboundLeg) => void;
  const legMade = new Promise<InboundLeg>((r) => {
    resolveLeg = r;
  });
  p.bob.onInvite(async (_req, uas: Uas) => {
    resolveLeg(await InboundLeg.create(uas, engine, silentLogger, 'test'));
  });
  const uac = p.alice.createUAC({ uri: p.bobUri, body: offer(rtpPort), contentType: 'application/sdp' });
  await p.net.settle();
  const leg = await legMade;
  return { p, engine, uac, leg };
}

describe('InboundLeg: nothing is sent to the caller before our answer went out', () => {
  test('ringing (180) sends no RTP; the 200 starts idle silence', async () => {
    const rtp = await callerRtp();
    const { p, engine, uac, leg } = await incoming(rtp.port);
    try {
      leg.ring();
      await p.net.settle();
      await sleep(200); // ten media periods
      assert.equal(rtp.got.length, 0, 'no packet while it rings: the caller has no answer yet');

      const answered = leg.answer();
      await p.net.settle(); // 200, then the caller's ACK
      await answered;
      assert.equal((await uac.established).state, 'confirmed');
      await sleep(200);
      assert.ok(rtp.got.length >= 5, `idle silence once answered, got ${rtp.got.length}`);
      assert.equal(rtp.got[0][1] & 0x7f, 0, 'PCMU');
    } finally {
      await leg.hangup();
      await p.net.settle();
      await engine.close();
      await assertRangeFree(engine.ports);
      rtp.socket.close();
      await p.alice.close();
      await p.bob.close();
    }
  });

  test('a 183 with the answer starts the media at once (early media)', async () => {
    const rtp = await callerRtp();
    const { p, engine, leg } = await incoming(rtp.port);
    try {
      await sleep(100);
      assert.equal(rtp.got.length, 0);
      leg.preAnswer();
      await p.net.settle();
      await sleep(200);
      assert.ok(rtp.got.length >= 5, `idle silence once early, got ${rtp.got.length}`);
    } finally {
      await leg.hangup();
      await p.net.settle();
      await engine.close();
      rtp.socket.close();
      await p.alice.close();
      await p.bob.close();
    }
  });
});
