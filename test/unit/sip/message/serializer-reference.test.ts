// The serializer writes the same bytes as its first, simpler version (kept here as the
// reference): for every RFC 4475 message that parses, for messages built by the stack, and
// for parsed messages whose typed headers repeat, come late or carry Content-Length early.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { canonicalName } from '../../../../src/sip/message/header-names.ts';
import { oneLine } from '../../../../src/sip/message/header-values.ts';
import { type SipMessage, SipRequest } from '../../../../src/sip/message/message.ts';
import { NameAddr } from '../../../../src/sip/message/name-addr.ts';
import { parseMessage } from '../../../../src/sip/message/parser.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import { EAGER, typedValues } from '../../../../src/sip/message/serializer.ts';
import { Uri } from '../../../../src/sip/message/uri.ts';
import { Via } from '../../../../src/sip/message/via.ts';

const TORTURE = join(fileURLToPath(new URL('.', import.meta.url)), '../../../../../shared/torture/rfc4475');

const EAGER_ORDER = [
  'Via',
  'Max-Forwards',
  'Route',
  'Record-Route',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Content-Type',
];

/** The serializer as first written: the reference. */
function reference(msg: SipMessage, startLine: string): Buffer {
  let head = `${startLine}\r\n`;
  const written = new Set<string>();
  const emitTyped = (lower: string, canon: string) => {
    if (written.has(lower)) return;
    written.add(lower);
    for (const v of typedValues(msg, lower)) head += `${canon}: ${v}\r\n`;
  };
  const present = new Set<string>();
  for (const h of msg.headers) present.add(h.name.toLowerCase());
  for (const canon of EAGER_ORDER) {
    const lower = canon.toLowerCase();
    if (!present.has(lower)) emitTyped(lower, canon);
  }
  let lengthWritten = false;
  for (const h of msg.headers) {
    const lower = h.name.toLowerCase();
    if (lower === 'content-length') {
      if (!lengthWritten) head += `Content-Length: ${msg.body.length}\r\n`;
      lengthWritten = true;
    } else if (EAGER.has(lower)) emitTyped(lower, canonicalName(h.name));
    else head += `${h.name}: ${oneLine(h.value)}\r\n`;
  }
  if (!lengthWritten) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  const headBuf = Buffer.from(head, 'utf8');
  return msg.body.length ? Buffer.concat([headBuf, msg.body]) : headBuf;
}

function same(msg: SipMessage): void {
  const startLine = msg.toString().split('\r\n')[0];
  assert.deepEqual(msg.toBuffer(), reference(msg, startLine));
}

function tortureFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(TORTURE, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(TORTURE, dir.name))) if (f.endsWith('.dat')) out.push(join(dir.name, f));
  }
  return out;
}

describe('serializer: the same bytes as the reference', () => {
  test('every RFC 4475 message that parses', () => {
    let n = 0;
    for (const file of tortureFiles()) {
      let msg: SipMessage;
      try {
        msg = parseMessage(readFileSync(join(TORTURE, file)));
      } catch {
        continue;
      }
      same(msg);
      n++;
    }
    assert.ok(n >= 20, `only ${n} messages parsed`);
  });

  test('requests and responses built by the stack, with raw headers and bodies', () => {
    const req = new SipRequest(
      'INVITE',
      new Uri({ scheme: 'sip', user: 'bob', host: '127.0.0.1', port: 5080 }),
    );
    req.via = [
      new Via({ transport: 'UDP', host: '127.0.0.1', port: 5070, params: new Map([['branch', 'z9hG4bK1']]) }),
    ];
    req.maxForwards = 70;
    req.from = new NameAddr(new Uri({ scheme: 'sip', user: 'alice', host: 'a.example' }), {
      displayName: 'Alice "A" \\ Smith',
      params: new Map([['tag', 'x1']]),
    });
    req.to = new NameAddr(new Uri({ scheme: 'sip', user: 'bob', host: 'b.example' }));
    req.callId = 'c1@a.example';
    req.cseq = { seq: 7, method: 'INVITE' };
    req.contact = [new NameAddr(new Uri({ scheme: 'sip', user: 'alice', host: '127.0.0.1', port: 5070 }))];
    req.set('User-Agent', 'test');
    req.add('X-Multi', 'a\r\nb');
    req.contentType = 'application/sdp';
    req.body = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n');
    same(req);
    for (const status of [100, 180, 200, 486]) {
      const res = createResponse(req, status, { toTag: 't9' });
      res.set('Allow', 'INVITE, ACK, BYE');
      same(res);
    }
  });

  test('parsed messages whose typed headers repeat, come late, or follow an early Content-Length', () => {
    const text =
      'BYE sip:bob@127.0.0.1 SIP/2.0\r\n' +
      'Content-Length: 0\r\n' +
      'X-First: 1\r\n' +
      'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa\r\n' +
      'Subject: hi\r\n' +
      'v: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bKb\r\n' +
      'f: <sip:a@x>;tag=1\r\n' +
      't: "B" <sip:b@y>;tag=2\r\n' +
      'i: call-1\r\n' +
      'CSeq: 2 BYE\r\n' +
      'Max-Forwards: 70\r\n\r\n';
    const msg = parseMessage(Buffer.from(text));
    same(msg);
    msg.via.push(new Via({ transport: 'TCP', host: '10.0.0.1', params: new Map([['branch', 'z9hG4bKc']]) }));
    msg.contact = [new NameAddr(new Uri({ scheme: 'sip', host: 'c.example' }))];
    same(msg);
  });
});
