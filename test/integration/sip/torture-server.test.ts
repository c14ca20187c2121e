/**
 * RFC 4475 torture messages thrown at a running Patchbay server over UDP on loopback.
 * Documentation addresses in the header section are rewritten to 127.0.0.1 first, and the
 * server runs with a loopback-only egress filter, so nothing can leave the machine.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { type Patchbay, startPatchbay } from '../../../src/main.ts';
import { silentLogger } from '../../../src/util/log.ts';
import { randomRtpRange } from '../../helpers/media-lab.ts';
import { freePort } from '../../helpers/sipp.ts';
import { loopbackOnly } from '../../helpers/test-uas.ts';

const TORTURE = new URL('../../../../shared/torture/rfc4475/', import.meta.url);

/**
 * What the server must do with each message: answer with this status; 'dropped': say
 * nothing and count a parse error (no response can be built); 'silence': say nothing (a
 * response, which a server never answers).
 */
const EXPECTED: Record<string, number | 'silence' | 'dropped'> = {
  // 3.1.1 valid messages: processed normally.
  'wsinv.dat': 481, // an INVITE with a To tag: no such dialog
  'intmeth.dat': 501, // unknown method
  'esc01.dat': 480, // an INVITE
  'escnull.dat': 405, // REGISTER: not a registrar
  'esc02.dat': 501, // RE%47IST%45R is an unknown method, not REGISTER
  'lwsdisp.dat': 200,
  'longreq.dat': 480,
  'dblreq.dat': 405,
  'semiuri.dat': 200,
  'transports.dat': 200,
  'mpart01.dat': 405, // MESSAGE: not handled
  'unreason.dat': 'silence', // a response that matches nothing
  'noreason.dat': 'silence',
  // 3.1.2 invalid messages: 400 (505 for the version) naming the defect, or dropped.
  'badinv01.dat': 'dropped', // no usable Via to answer to
  'clerr.dat': 400,
  'ncl.dat': 400,
  'scalar02.dat': 400,
  'scalarlg.dat': 'dropped',
  'quotbal.dat': 400,
  'ltgtruri.dat': 400,
  'lwsruri.dat': 400,
  'lwsstart.dat': 400,
  'trws.dat': 400,
  'escruri.dat': 400,
  'baddate.dat': 400,
  'regbadct.dat': 400,
  'badaspec.dat': 400,
  'baddn.dat': 400,
  'badvers.dat': 505,
  'mismatch01.dat': 400,
  'mismatch02.dat': 400,
  'bigcode.dat': 'dropped',
  // 3.2 and 3.4: RFC 2543 transaction matching and syntax.
  'badbranch.dat': 200,
  'inv2543.dat': 480,
  // 3.3 application-level semantics.
  'insuf.dat': 'dropped', // no Call-ID, From or To to answer with
  'unkscm.dat': 416,
  'novelsc.dat': 416,
  'unksm2.dat': 405,
  'bext01.dat': 420,
  'invut.dat': 415,
  'regaut01.dat': 405,
  'multi01.dat': 400,
  'mcl01.dat': 400,
  'bcast.dat': 'silence',
  'zeromf.dat': 200,
  'cparam01.dat': 405,
  'cparam02.dat': 405,
  'regescrt.dat': 405,
  'sdp01.dat': 406, // Accept without application/sdp: no answer can be given (RFC 4475 3.4.1)
};

let sent = 0;

/**
 * Points every documentation address and Via sent-by of the header section at the test's socket, and makes
 * the branch unique: many of the messages share `z9hG4bKkdjuw`, and a server rightly takes a
 * second request with the same branch and sent-by for a retransmission.
 */
function rewrite(msg: Buffer, port: number): Buffer {
  sent++;
  const text = msg.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const headEnd = end < 0 ? text.length : end;
  const head = text
    .slice(0, headEnd)
    .replace(/(192\.0\.2\.\d+|[A-Za-z0-9.-]*example\.(?:com|net|org))(:\d+)?/g, `127.0.0.1:${port}`)
    // Every Via sent-by, whatever it names (some messages use other hosts, e.g. 135.180.130.133).
    .replace(/(SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+)[^;,\s]+/gi, `$1127.0.0.1:${port}`)
    .replace(/(branch=[^;,\s]+)/gi, `$1.t${sent}`);
  return Buffer.concat([Buffer.from(head, 'latin1'), msg.subarray(headEnd)]);
}

let server: Patchbay;
const rtp = randomRtpRange(20);
const dataDir = mkdtempSync(join(tmpdir(), 'patchbay-torture-'));
let sipPort: number;
let peer: Socket;
let peerPort: number;
const inbox: Buffer[] = [];

before(async () => {
  const config = loadConfig({
    env: {
      PATCHBAY_SIP_LISTEN: 'udp:127.0.0.1:0',
      PATCHBAY_PUBLIC_HOST: '127.0.0.1',
      PATCHBAY_LOG_LEVEL: 'silent',
      PATCHBAY_MAX_LOOP_LAG: '0',
      PATCHBAY_MAX_LOAD: '0',
      PATCHBAY_HTTP_LISTEN: '127.0.0.1:0',
      PATCHBAY_RTP_PORTS: `${rtp.low}-${rtp.high}`,
      PATCHBAY_DATA_DIR: dataDir,
      // An application that cannot be reached: each INVITE that gets that far ends 480.
      PATCHBAY_ANSWER_URL: `http://127.0.0.1:${await freePort()}/answer#rc=0`,
    },
  });
  server = await startPatchbay(config, silentLogger, { egress: loopbackOnly });
  sipPort = server.ua.listening[0].port;
  peer = createSocket('udp4');
  peer.on('message', (m) => inbox.push(m));
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  peerPort = peer.address().port;
});

after(async () => {
  peer.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends one message; returns the final responses to it (same Call-ID), retransmissions of earlier ones aside. */
async function exchange(msg: Buffer): Promise<Buffer[]> {
  inbox.length = 0;
  const out = rewrite(msg, peerPort);
  const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(out.toString('latin1'))?.[1];
  peer.send(out, sipPort, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 200));
  return inbox.filter((m) => {
    const text = m.toString('latin1');
    return (
      !/^SIP\/2\.0 1\d\d /.test(text) && (callId === undefined || text.includes(`\r\nCall-ID: ${callId}\r\n`))
    );
  });
}

for (const section of readdirSync(TORTURE).filter((d) => /^3\./.test(d))) {
  describe(`RFC 4475 ${section} at a live server`, () => {
    for (const file of readdirSync(new URL(`${section}/`, TORTURE)).sort()) {
      test(file, async () => {
        const expected = EXPECTED[file];
        assert.ok(expected !== undefined, `no expectation for ${file}`);
        const before = server.ua.stats.parseErrors;
        const replies = await exchange(readFileSync(new URL(`${section}/${file}`, TORTURE)));
        if (expected === 'silence' || expected === 'dropped') {
          assert.deepEqual(replies.map(String), []);
          if (expected === 'dropped')
            assert.equal(server.ua.stats.parseErrors, before + 1, 'counted as a parse error');
          return;
        }
        assert.equal(replies.length >= 1, true, 'no response');
        const statusLine = replies[0].toString('latin1').split('\r\n')[0];
        const status = Number(statusLine.split(' ')[1]);
        assert.equal(status, expected, statusLine);
        if (expected === 400 || expected === 505) {
          assert.match(statusLine, /^SIP\/2\.0 (400|505) \S+.* - .+/, 'the reason phrase names the defect');
          assert.equal(server.ua.stats.parseErrors, before + 1);
        }
      });
    }
  });
}

test('the server is still up after every torture message', async () => {
  const options = Buffer.from(
    `OPTIONS sip:ping@127.0.0.1:${sipPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=z9hG4bKalive\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: alive\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
  inbox.length = 0;
  peer.send(options, sipPort, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 150));
  const reply = inbox[0]?.toString('latin1') ?? '';
  assert.match(reply, /^SIP\/2\.0 200 OK\r\n/);
  assert.match(reply, /\r\nAllow: [^\r]*INVITE/);
  assert.match(reply, /\r\nAccept: application\/sdp/);
  assert.match(reply, /\r\nSupported: /);
});
