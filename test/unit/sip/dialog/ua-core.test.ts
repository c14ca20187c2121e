import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RawPeer } from './raw-peer.ts';
import { assertClean, uaPair } from './ua-pair.ts';

const TORTURE = join(fileURLToPath(new URL('.', import.meta.url)), '../../../../../shared/torture/rfc4475');

/** A torture message with its Via replaced by one pointing at the raw peer (never at 192.0.2.x). */
function torture(file: string, peerPort: number): Buffer {
  const bytes = readFileSync(join(TORTURE, file));
  const text = bytes.toString('latin1');
  const viaStart = text.search(/\r\nVia: /i) + 2;
  const viaEnd = text.indexOf('\r\n', viaStart);
  const via = `Via: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=z9hG4bK-${file.replace(/\W/g, '')}`;
  return Buffer.from(text.slice(0, viaStart) + via + text.slice(viaEnd), 'latin1');
}

/** A request outside any dialog from the raw peer on 127.0.0.1:5090. */
function raw(method: string, extra = '', opts: { uri?: string; toTag?: string; body?: string } = {}): string {
  const body = opts.body ?? '';
  return (
    `${method} ${opts.uri ?? 'sip:bob@127.0.0.1:5080'} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK${method}${Math.random().toString(36).slice(2)}\r\n` +
    'From: <sip:raw@127.0.0.1:5090>;tag=r1\r\n' +
    `To: <sip:bob@127.0.0.1:5080>${opts.toTag ? `;tag=${opts.toTag}` : ''}\r\n` +
    `Call-ID: raw-${method}\r\n` +
    `CSeq: 1 ${method}\r\n` +
    'Max-Forwards: 70\r\n' +
    'Contact: <sip:raw@127.0.0.1:5090>\r\n' +
    extra +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

describe('the UA core over the wire', () => {
  test('RFC 4475 3.3 torture messages get the semantic error responses', async () => {
    const p = await uaPair();
    let invites = 0;
    p.bob.onInvite((_req, uas) => {
      invites++;
      uas.reject(603);
    });
    const peer = new RawPeer(p.net, 5090);
    const cases: [string, number][] = [
      ['3.3-application/unkscm.dat', 416],
      ['3.3-application/novelsc.dat', 416],
      ['3.3-application/bext01.dat', 420],
      ['3.3-application/invut.dat', 415],
      ['3.3-application/zeromf.dat', 200],
      ['3.1.1-valid/intmeth.dat', 501],
    ];
    for (const [file, status] of cases) {
      const before = peer.responses.length;
      await peer.send(torture(file, 5090));
      await p.net.settle();
      const got = peer.responses
        .slice(before)
        .map((r) => r.status)
        .filter((s) => s !== 100);
      assert.deepEqual(got, [status], file);
      const res = peer.responses.at(-1)!;
      assert.ok(res.to.tag, `${file}: a To tag on the final response (8.2.6.2)`);
      if (status === 420)
        assert.equal(res.get('Unsupported'), 'nothingSupportsThis, nothingSupportsThisEither');
      if (status === 415) assert.equal(res.get('Accept'), 'application/sdp');
    }
    assert.equal(invites, 0, 'nothing reached the application');
    assert.equal(p.bob.stats.rejected, 5);
    await assertClean(p);
  });

  test('Max-Forwards 0 on an INVITE -> 483', async () => {
    const p = await uaPair();
    const peer = new RawPeer(p.net, 5090);
    await peer.send(raw('INVITE').replace('Max-Forwards: 70', 'Max-Forwards: 0'));
    await p.net.settle();
    assert.deepEqual(peer.statuses, [483]);
    await assertClean(p);
  });

  test('OPTIONS outside a dialog: 200 with Allow and Accept by default, or the application answers', async () => {
    const p = await uaPair();
    const peer = new RawPeer(p.net, 5090);
    await peer.send(raw('OPTIONS'));
    await p.net.settle();
    assert.equal(peer.responses[0].status, 200);
    assert.equal(
      peer.responses[0].get('Allow'),
      'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY, MESSAGE',
    );
    assert.equal(peer.responses[0].get('Accept'), 'application/sdp');
    p.bob.onOptions((_req, res) => res.send(503, { headers: { 'Retry-After': '60' } }));
    await peer.send(raw('OPTIONS'));
    await p.net.settle();
    assert.equal(peer.responses[1].status, 503);
    assert.equal(peer.responses[1].get('Retry-After'), '60');
    await assertClean(p);
  });

  test('other methods outside a dialog: 405 with Allow, or the onRequest handler', async () => {
    const p = await uaPair();
    const peer = new RawPeer(p.net, 5090);
    await peer.send(raw('MESSAGE', 'Content-Type: text/plain\r\n', { body: 'hi' }));
    await p.net.settle();
    assert.equal(peer.responses[0].status, 405);
    assert.match(peer.responses[0].get('Allow') ?? '', /MESSAGE/);
    const got: string[] = [];
    p.bob.onRequest(async (req, res) => {
      got.push(`${req.method}:${req.body.toString()}`);
      res.send(202);
    });
    await peer.send(raw('MESSAGE', 'Content-Type: text/plain\r\n', { body: 'hello' }));
    await p.net.settle();
    assert.equal(peer.responses[1].status, 202);
    assert.deepEqual(got, ['MESSAGE:hello']);
    p.bob.onRequest(async () => {
      throw new Error('app bug');
    });
    await peer.send(raw('MESSAGE'));
    await p.net.settle();
    assert.equal(peer.responses[2].status, 500);
    await assertClean(p);
  });

  test('a request with a To tag that matches no dialog -> 481 (12.2.2); a stray ACK is absorbed', async () => {
    const p = await uaPair();
    const peer = new RawPeer(p.net, 5090);
    await peer.send(raw('BYE', '', { toTag: 'nosuch' }));
    await peer.send(raw('INFO', '', { toTag: 'nosuch' }));
    await peer.send(raw('BYE')); // no To tag either
    await peer.send(raw('ACK', '', { toTag: 'nosuch' }));
    await p.net.settle();
    assert.deepEqual(peer.statuses, [481, 481, 481]);
    assert.equal(p.bob.stats.noDialog, 3);
    assert.equal(p.bob.stats.strayAcks, 1);
    await assertClean(p);
  });

  test('an INVITE handler that throws: 500', async () => {
    const p = await uaPair();
    p.bob.onInvite(() => {
      throw new Error('app bug');
    });
    const peer = new RawPeer(p.net, 5090);
    await peer.send(raw('INVITE', 'Content-Type: application/sdp\r\n', { body: 'v=0\r\n' }));
    await p.net.settle();
    assert.deepEqual(peer.statuses, [500]);
    await assertClean(p);
  });

  test('close() ends dialogs and pending INVITEs, stops every timer', async () => {
    const p = await uaPair();
    const ended: string[] = [];
    p.bob.onInvite((_req, uas) => {
      uas.progress(180).on('destroy', (e) => ended.push(e.cause));
    });
    const uac = p.alice.createUAC({ uri: p.bobUri });
    uac.established.catch(() => {});
    await p.net.settle();
    assert.equal(p.bob.dialogCount, 1);
    await p.bob.close();
    await p.alice.close();
    assert.deepEqual(ended, ['shutdown']);
    assert.equal(p.bob.dialogCount, 0);
    assert.equal(p.bob.transactionCount, 0);
    assert.equal(p.alice.transactionCount, 0);
    assert.equal(p.clock.armed, 0);
  });
});
