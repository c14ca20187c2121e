import assert from 'node:assert/strict';
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SipRequest } from '../../../../src/sip/message/message.ts';
import { SipRequest as Request } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { Via } from '../../../../src/sip/message/via.ts';
import { TcpTransport } from '../../../../src/sip/transport/tcp.ts';
import { TransportLayer } from '../../../../src/sip/transport/transport-layer.ts';
import type { Source, Transport } from '../../../../src/sip/transport/types.ts';
import { UdpTransport } from '../../../../src/sip/transport/udp.ts';

/** Only loopback, ever: the layer under test refuses anything else. */

/** Rejects when `p` does not settle in time, so that a broken behaviour fails instead of hanging. */
function within<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const loopback = (a: string) => a === '127.0.0.1' || a === '::1';

function request(via: string, extra = '', body = ''): string {
  return (
    'OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n' +
    `Via: ${via}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@127.0.0.1>;tag=a1\r\n' +
    'To: <sip:bob@127.0.0.1>\r\n' +
    `Call-ID: ${Math.random().toString(36).slice(2)}@test\r\n` +
    'CSeq: 1 OPTIONS\r\n' +
    extra +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    '\r\n' +
    body
  );
}

type Peer = DgramSocket & { port: number; inbox: string[]; fromPorts: number[] };

async function udpPeer(address = '127.0.0.1'): Promise<Peer> {
  const s = createSocket(address.includes(':') ? 'udp6' : 'udp4') as Peer;
  s.inbox = [];
  s.fromPorts = [];
  s.on('message', (m, rinfo) => {
    s.inbox.push(String(m));
    s.fromPorts.push(rinfo.port);
  });
  s.bind(0, address);
  await once(s, 'listening');
  s.port = s.address().port;
  return s;
}

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function startLine(msg: string): string {
  return msg.slice(0, msg.indexOf('\r\n'));
}

interface Rig {
  layer: TransportLayer;
  udp: UdpTransport;
  udp6: UdpTransport;
  tcp: TcpTransport;
  requests: { req: SipRequest; source: Source }[];
}

async function rig(opts: { publicHost?: string; egress?: (a: string) => boolean } = {}): Promise<Rig> {
  const udp = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  const udp6 = await UdpTransport.bind({ address: '::1', port: 0 });
  const tcp = await TcpTransport.listen({ address: '127.0.0.1', port: 0 });
  const transports: Transport[] = [udp, udp6, tcp];
  const layer = new TransportLayer({
    transports,
    egress: opts.egress ?? loopback,
    publicHost: opts.publicHost,
  });
  const requests: Rig['requests'] = [];
  layer.onRequest((req, source) => requests.push({ req, source }));
  return { layer, udp, udp6, tcp, requests };
}

describe('TransportLayer', { timeout: 10_000 }, () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(async () => {
    await r.layer.close();
  });

  test('stamps received and rport on requests over UDP, both families (18.2.1, RFC 3581)', async () => {
    for (const [t, address] of [
      [r.udp, '127.0.0.1'],
      [r.udp6, '::1'],
    ] as const) {
      const a = await udpPeer(address);
      try {
        r.requests.length = 0;
        a.send(request('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-r1;rport'), t.local.port, address);
        a.send(
          request(
            `SIP/2.0/UDP ${address.includes(':') ? `[${address}]` : address}:${a.port};branch=z9hG4bK-r2`,
          ),
          t.local.port,
          address,
        );
        a.send(request('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-r3'), t.local.port, address);
        await until(() => r.requests.length === 3, 'three requests');
        const byBranch = new Map(r.requests.map((x) => [x.req.via[0].branch, x]));
        const v1 = byBranch.get('z9hG4bK-r1')!.req.via[0];
        assert.equal(v1.received, address);
        assert.equal(v1.rport, a.port);
        const v2 = byBranch.get('z9hG4bK-r2')!.req.via[0];
        assert.equal(v2.params.has('received'), false, 'the host is the source: no received');
        const v3 = byBranch.get('z9hG4bK-r3')!.req.via[0];
        assert.equal(v3.received, address);
        assert.equal(v3.params.has('rport'), false);
        const source = byBranch.get('z9hG4bK-r1')!.source;
        assert.equal(source.protocol, 'udp');
        assert.equal(source.address, address);
        assert.equal(source.port, a.port);
      } finally {
        a.close();
      }
    }
  });

  describe('routes UDP responses per 18.2.2 / RFC 3581', { timeout: 10_000 }, () => {
    /** Peer a sends a request whose Via names peer b; returns who got the 200. */
    async function route(via: (a: number, b: number) => string): Promise<'a' | 'b'> {
      const a = await udpPeer();
      const b = await udpPeer();
      try {
        r.requests.length = 0;
        a.send(request(via(a.port, b.port)), r.udp.local.port, '127.0.0.1');
        await until(() => r.requests.length === 1, 'the request');
        const { req, source } = r.requests[0];
        await r.layer.sendResponse(createResponse(req, 200), source);
        await until(() => a.inbox.length + b.inbox.length === 1, 'the response');
        await sleep(20);
        assert.equal(a.inbox.length + b.inbox.length, 1, 'exactly one copy');
        const got = a.inbox[0] ?? b.inbox[0];
        assert.equal(startLine(got), 'SIP/2.0 200 OK');
        return a.inbox.length ? 'a' : 'b';
      } finally {
        a.close();
        b.close();
      }
    }

    test('rport: to the source address and port, not the sent-by', async () => {
      assert.equal(await route((_a, b) => `SIP/2.0/UDP 192.0.2.1:${b};branch=z9hG4bK-p1;rport`), 'a');
    });

    test('received: to the source address and the sent-by port', async () => {
      assert.equal(await route((_a, b) => `SIP/2.0/UDP 192.0.2.1:${b};branch=z9hG4bK-p2`), 'b');
    });

    test('maddr: to maddr and the sent-by port, before rport', async () => {
      assert.equal(
        await route((_a, b) => `SIP/2.0/UDP 192.0.2.1:${b};maddr=127.0.0.1;branch=z9hG4bK-p3;rport`),
        'b',
      );
    });

    test('neither: to the sent-by', async () => {
      assert.equal(await route((_a, b) => `SIP/2.0/UDP 127.0.0.1:${b};branch=z9hG4bK-p4`), 'b');
    });

    test('the response leaves from the socket the request came in on (RFC 3581 4)', async () => {
      const a = await udpPeer();
      try {
        r.requests.length = 0;
        a.send(request('SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-p5;rport'), r.udp.local.port, '127.0.0.1');
        await until(() => r.requests.length === 1, 'the request');
        const { req, source } = r.requests[0];
        await r.layer.sendResponse(createResponse(req, 200), source);
        await until(() => a.inbox.length === 1, 'the response');
        assert.deepEqual(a.fromPorts, [r.udp.local.port]);
      } finally {
        a.close();
      }
    });
  });

  describe('TCP responses (18.2.2)', { timeout: 10_000 }, () => {
    test('go back over the connection the request came on', async () => {
      const c = connect({ host: '127.0.0.1', port: r.tcp.local.port });
      await once(c, 'connect');
      let text = '';
      c.on('data', (d) => {
        text += d;
      });
      try {
        r.requests.length = 0;
        c.write(request('SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-t1'));
        await until(() => r.requests.length === 1, 'the request');
        const { req, source } = r.requests[0];
        assert.equal(source.protocol, 'tcp');
        assert.ok(source.connectionId);
        assert.equal(req.via[0].received, '127.0.0.1');
        await r.layer.sendResponse(createResponse(req, 200), source);
        await until(() => text.startsWith('SIP/2.0 200 OK\r\n'), 'the response on the connection');
        assert.equal(r.tcp.stats.connected, 0, 'no new connection');
      } finally {
        c.destroy();
      }
    });

    test('open a new connection to received and the sent-by port when it is gone', async () => {
      const server: Server = createServer();
      let text = '';
      server.on('connection', (s: Socket) => s.on('data', (d) => (text += d)));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as { port: number }).port;
      const c = connect({ host: '127.0.0.1', port: r.tcp.local.port });
      await once(c, 'connect');
      try {
        r.requests.length = 0;
        c.write(request(`SIP/2.0/TCP 192.0.2.1:${port};branch=z9hG4bK-t2`));
        await until(() => r.requests.length === 1, 'the request');
        const { req, source } = r.requests[0];
        c.destroy();
        await until(() => !r.tcp.hasConnection(source.connectionId!), 'the connection to go');
        await r.layer.sendResponse(createResponse(req, 200), source);
        await until(() => text.startsWith('SIP/2.0 200 OK\r\n'), 'the response on a new connection');
      } finally {
        server.close();
      }
    });
  });

  describe('sendRequest', { timeout: 10_000 }, () => {
    function options(): SipRequest {
      const req = new Request('OPTIONS', new Uri({ scheme: 'sip', user: 'bob', host: '127.0.0.1' }));
      req.via = [
        new Via({
          transport: 'UDP',
          host: '',
          params: new Map([
            ['branch', 'z9hG4bK-s1'],
            ['rport', null],
          ]),
        }),
      ];
      req.from = new NameAddr(new Uri({ scheme: 'sip', user: 'alice', host: '127.0.0.1' }), {
        params: new Map([['tag', 'f1']]),
      });
      req.to = new NameAddr(new Uri({ scheme: 'sip', user: 'bob', host: '127.0.0.1' }));
      req.callId = 'send-1@test';
      req.cseq = { seq: 1, method: 'OPTIONS' };
      req.maxForwards = 70;
      return req;
    }

    test('fills the empty Via sent-by with the transport of the target family', async () => {
      for (const [t, address, host] of [
        [r.udp, '127.0.0.1', '127.0.0.1'],
        [r.udp6, '::1', '[::1]'],
      ] as const) {
        const p = await udpPeer(address);
        try {
          await r.layer.sendRequest(options(), { protocol: 'udp', address, port: p.port });
          await until(() => p.inbox.length === 1, 'the request');
          assert.match(
            p.inbox[0],
            new RegExp(
              `\r\nVia: SIP/2\\.0/UDP ${host.replace(/[[\]]/g, '\\$&')}:${t.local.port};branch=z9hG4bK-s1;rport\r\n`,
            ),
          );
        } finally {
          p.close();
        }
      }
    });

    test('over TCP, writes TCP in the Via and reuses the connection', async () => {
      const server = createServer();
      let text = '';
      let accepted = 0;
      const sockets: Socket[] = [];
      server.on('connection', (s) => {
        sockets.push(s);
        accepted++;
        s.on('data', (d) => (text += d));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as { port: number }).port;
      try {
        await r.layer.sendRequest(options(), { protocol: 'tcp', address: '127.0.0.1', port });
        await r.layer.sendRequest(options(), { protocol: 'tcp', address: '127.0.0.1', port });
        await until(() => text.split('OPTIONS sip:').length === 3, 'two requests');
        assert.match(text, new RegExp(`\r\nVia: SIP/2\\.0/TCP 127\\.0\\.0\\.1:${r.tcp.local.port};`));
        assert.equal(accepted, 1);
      } finally {
        for (const s of sockets) s.destroy();
        server.close();
      }
    });

    test('rejects a target with no transport of its protocol and family', async () => {
      await assert.rejects(r.layer.sendRequest(options(), { protocol: 'tcp', address: '::1', port: 5060 }), {
        code: 'TRANSPORT',
      });
      await assert.rejects(
        r.layer.sendRequest(options(), { protocol: 'udp', address: 'example.com', port: 5060 }),
        {
          code: 'TRANSPORT',
        },
      );
    });

    test('listening() gives the advertised address of every transport', () => {
      assert.deepEqual(r.layer.listening(), [
        { protocol: 'udp', address: '127.0.0.1', port: r.udp.local.port },
        { protocol: 'udp', address: '::1', port: r.udp6.local.port },
        { protocol: 'tcp', address: '127.0.0.1', port: r.tcp.local.port },
      ]);
      assert.equal(r.layer.isReliable('udp'), false);
      assert.equal(r.layer.isReliable('tcp'), true);
    });
  });

  describe('bad input', { timeout: 10_000 }, () => {
    test('a garbage datagram is dropped and counted; the next request still works', async () => {
      const a = await udpPeer();
      try {
        const before = { ...r.layer.stats };
        r.requests.length = 0;
        a.send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x42]), r.udp.local.port, '127.0.0.1');
        a.send('hello, this is not SIP\r\n\r\n', r.udp.local.port, '127.0.0.1');
        a.send(request('SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-g1;rport'), r.udp.local.port, '127.0.0.1');
        await until(() => r.requests.length === 1, 'the good request');
        await sleep(20);
        assert.equal(r.layer.stats.dropped - before.dropped, 2);
        assert.equal(r.layer.stats.parseErrors - before.parseErrors, 2);
        assert.equal(r.layer.stats.rejected - before.rejected, 0);
        assert.equal(a.inbox.length, 0, 'nothing is answered to garbage');
      } finally {
        a.close();
      }
    });

    test('a malformed request over UDP gets 400 with the defect as reason phrase', async () => {
      const a = await udpPeer();
      try {
        const before = r.layer.stats.rejected;
        // RFC 3261 18.3: a datagram shorter than its Content-Length is an error; answer 400.
        const lying = request('SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-m1;rport').replace(
          'Content-Length: 0',
          'Content-Length: 9999',
        );
        a.send(`${lying}v=0\r\n`, r.udp.local.port, '127.0.0.1');
        await until(() => a.inbox.length === 1, 'the 400');
        const line = startLine(a.inbox[0]);
        assert.match(line, /^SIP\/2\.0 400 Bad Request - .*Content-Length/);
        assert.match(
          a.inbox[0],
          /\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:9;branch=z9hG4bK-m1;rport=\d+;received=127\.0\.0\.1\r\n/,
        );
        assert.match(a.inbox[0], /\r\nCSeq: 1 OPTIONS\r\n/);
        assert.equal(r.layer.stats.rejected - before, 1);
      } finally {
        a.close();
      }
    });

    test('a malformed request over TCP gets 400 and the connection stays usable', async () => {
      const c = connect({ host: '127.0.0.1', port: r.tcp.local.port });
      await once(c, 'connect');
      let text = '';
      c.on('data', (d) => (text += d));
      try {
        r.requests.length = 0;
        const bad = request('SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-m2').replace(
          'Max-Forwards: 70',
          'Max-Forwards: seventy',
        );
        c.write(bad);
        await until(() => text.includes('\r\n\r\n'), 'the 400');
        assert.match(startLine(text), /^SIP\/2\.0 400 Bad Request - .*Max-Forwards/);
        c.write(request('SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-m3'));
        await until(() => r.requests.length === 1, 'the next request on the same connection');
      } finally {
        c.destroy();
      }
    });

    test('a TCP framing error is answered 400 naming it, then the connection closes (RFC 4475 3.3.9)', async () => {
      const c = connect({ host: '127.0.0.1', port: r.tcp.local.port });
      await once(c, 'connect');
      let text = '';
      c.on('data', (d) => (text += d));
      const closed = once(c, 'close');
      const mcl = request('SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-f1', 'Content-Length: 13\r\n').replace(
        'Content-Length: 0',
        'Content-Length: 5',
      );
      c.write(`${mcl}There's no way to know how long this is`);
      await within(closed, 'the close');
      assert.equal(startLine(text), 'SIP/2.0 400 Bad Request - conflicting Content-Length values');
      assert.match(text, /\r\nCSeq: 1 OPTIONS\r\n/);
    });

    test('a malformed ACK is dropped, never answered', async () => {
      const a = await udpPeer();
      try {
        const before = r.layer.stats.dropped;
        const ack = request('SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-k1;rport')
          .replace('OPTIONS sip:', 'ACK sip:')
          .replace('CSeq: 1 OPTIONS', 'CSeq: 1 ACK')
          .replace('Content-Length: 0', 'Content-Length: 9999');
        a.send(ack, r.udp.local.port, '127.0.0.1');
        await until(() => r.layer.stats.dropped === before + 1, 'the drop');
        await sleep(20);
        assert.equal(a.inbox.length, 0);
      } finally {
        a.close();
      }
    });

    test('a request handler that throws is caught and counted', async () => {
      const a = await udpPeer();
      const layer = r.layer;
      try {
        const before = layer.stats.handlerErrors;
        layer.onRequest(() => {
          throw new Error('boom');
        });
        a.send(request('SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-h1'), r.udp.local.port, '127.0.0.1');
        await until(() => layer.stats.handlerErrors === before + 1, 'the caught throw');
      } finally {
        layer.onRequest((req, source) => r.requests.push({ req, source }));
        a.close();
      }
    });
  });
});

describe('TransportLayer egress filter', { timeout: 10_000 }, () => {
  test('a refused destination is not sent, is counted, and the send rejects with TRANSPORT', async () => {
    const r = await rig({ egress: (a) => a !== '127.0.0.2' });
    try {
      const req = new Request('OPTIONS', new Uri({ scheme: 'sip', host: '127.0.0.2' }));
      req.via = [new Via({ transport: 'UDP', host: '', params: new Map([['branch', 'z9hG4bK-e1']]) })];
      req.from = new NameAddr(new Uri({ scheme: 'sip', host: '127.0.0.1' }), {
        params: new Map([['tag', 'x']]),
      });
      req.to = new NameAddr(new Uri({ scheme: 'sip', host: '127.0.0.2' }));
      req.callId = 'egress@test';
      req.cseq = { seq: 1, method: 'OPTIONS' };
      await assert.rejects(r.layer.sendRequest(req, { protocol: 'udp', address: '127.0.0.2', port: 5060 }), {
        code: 'TRANSPORT',
      });
      await assert.rejects(r.layer.sendRequest(req, { protocol: 'tcp', address: '127.0.0.2', port: 5060 }), {
        code: 'TRANSPORT',
      });
      const res = createResponse(req, 200);
      res.via[0].params.set('received', '127.0.0.2');
      await assert.rejects(
        r.layer.sendResponse(res, { protocol: 'udp', address: '127.0.0.2', port: 5060, local: r.udp.local }),
        { code: 'TRANSPORT' },
      );
      assert.equal(r.layer.stats.egressRefused, 3);
      assert.equal(r.layer.stats.sent, 0);
      assert.equal(r.udp.stats.sent + r.udp.stats.sendErrors, 0, 'nothing reached the socket');
      assert.equal(r.tcp.stats.connected, 0, 'no connection was attempted');
    } finally {
      await r.layer.close();
    }
  });

  test('publicHost goes into the Via sent-by and listening() for its family', async () => {
    const udp = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const named = new TransportLayer({ transports: [udp], publicHost: 'pbx.example.test', egress: loopback });
    const r = await rig({ publicHost: '127.0.0.1' });
    const p = await udpPeer();
    try {
      assert.deepEqual(named.listening(), [
        { protocol: 'udp', address: 'pbx.example.test', port: udp.local.port },
      ]);
      const req = new Request('OPTIONS', new Uri({ scheme: 'sip', host: '127.0.0.1' }));
      req.via = [new Via({ transport: 'UDP', host: '', params: new Map([['branch', 'z9hG4bK-n1']]) })];
      req.from = new NameAddr(new Uri({ scheme: 'sip', host: '127.0.0.1' }), {
        params: new Map([['tag', 'x']]),
      });
      req.to = new NameAddr(new Uri({ scheme: 'sip', host: '127.0.0.1' }));
      req.callId = 'named@test';
      req.cseq = { seq: 1, method: 'OPTIONS' };
      await named.sendRequest(req, { protocol: 'udp', address: '127.0.0.1', port: p.port });
      await until(() => p.inbox.length === 1, 'the request');
      assert.match(
        p.inbox[0],
        new RegExp(`\r\nVia: SIP/2\\.0/UDP pbx\\.example\\.test:${udp.local.port};branch=z9hG4bK-n1\r\n`),
      );
      assert.deepEqual(
        r.layer.listening().map((t) => t.address),
        ['127.0.0.1', '::1', '127.0.0.1'],
        'an IPv4 public host is not advertised on IPv6',
      );
    } finally {
      p.close();
      await named.close();
      await r.layer.close();
    }
  });
});
