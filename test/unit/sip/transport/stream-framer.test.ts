import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ParseError } from '../../../../src/sip/errors.ts';
import { StreamFramer, type StreamFramerLimits } from '../../../../src/sip/transport/stream-framer.ts';

interface Seen {
  messages: string[];
  pings: number;
  errors: { status?: number; reason: string; head?: string }[];
}

function framer(limits?: StreamFramerLimits): { f: StreamFramer; seen: Seen } {
  const seen: Seen = { messages: [], pings: 0, errors: [] };
  const f = new StreamFramer(
    {
      message: (data) => seen.messages.push(data.toString('latin1')),
      keepAlive: () => seen.pings++,
      error: (err: ParseError, head) =>
        seen.errors.push({ status: err.status, reason: err.message, head: head?.toString('latin1') }),
    },
    limits,
  );
  return { f, seen };
}

function push(f: StreamFramer, s: string): void {
  f.push(Buffer.from(s, 'latin1'));
}

const INVITE =
  'INVITE sip:bob@127.0.0.1 SIP/2.0\r\n' +
  'Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-1\r\n' +
  'Call-ID: a@b\r\n' +
  'CSeq: 1 INVITE\r\n' +
  'Content-Type: application/sdp\r\n' +
  'Content-Length: 13\r\n' +
  '\r\n' +
  'v=0\r\ns=-\r\nt=0';

const BYE =
  'BYE sip:bob@127.0.0.1 SIP/2.0\r\n' +
  'Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-2\r\n' +
  'Call-ID: a@b\r\n' +
  'CSeq: 2 BYE\r\n' +
  'l: 0\r\n' +
  '\r\n';

describe('StreamFramer', () => {
  test('emits one message with exactly Content-Length body bytes', () => {
    const { f, seen } = framer();
    push(f, INVITE);
    assert.deepEqual(seen.messages, [INVITE]);
    assert.equal(f.buffered, 0);
  });

  test('emits several messages from one chunk, skipping CRLFs between them', () => {
    const { f, seen } = framer();
    push(f, `${INVITE}\r\n${BYE}${INVITE}`);
    assert.deepEqual(seen.messages, [INVITE, BYE, INVITE]);
    assert.equal(seen.pings, 0);
  });

  test('reassembles two messages split at every pair of byte boundaries', () => {
    const wire = INVITE + BYE;
    for (let i = 0; i <= wire.length; i++) {
      for (let j = i; j <= wire.length; j++) {
        const { f, seen } = framer();
        push(f, wire.slice(0, i));
        push(f, wire.slice(i, j));
        push(f, wire.slice(j));
        assert.deepEqual(seen.messages, [INVITE, BYE], `split at ${i}, ${j}`);
        assert.equal(f.buffered, 0);
      }
    }
  });

  test('reassembles messages fed one byte at a time', () => {
    const { f, seen } = framer();
    const wire = `\r\n${INVITE}\r\n\r\n${BYE}`;
    for (let i = 0; i < wire.length; i++) push(f, wire[i]);
    assert.deepEqual(seen.messages, [INVITE, BYE]);
    assert.equal(seen.pings, 1);
  });

  test('reads the compact form and any case, with whitespace before the colon', () => {
    const { f, seen } = framer();
    const a = 'OPTIONS sip:a@b SIP/2.0\r\nL : 2\r\n\r\nhi';
    const b = 'OPTIONS sip:a@b SIP/2.0\r\ncontent-LENGTH:\t3 \r\n\r\nbye';
    push(f, a + b);
    assert.deepEqual(seen.messages, [a, b]);
  });

  test('accepts repeated equal Content-Length values', () => {
    const { f, seen } = framer();
    const m = 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 2\r\nl: 2\r\n\r\nhi';
    push(f, m);
    assert.deepEqual(seen.messages, [m]);
  });

  test('a Content-Length larger than the body waits for the bytes (18.3: the length frames)', () => {
    const { f, seen } = framer();
    const head = 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\n';
    push(f, `${head}short`);
    assert.deepEqual(seen.messages, []);
    assert.equal(f.buffered, head.length + 5);
    push(f, '12345OPTIONS');
    assert.deepEqual(seen.messages, [`${head}short12345`]);
    assert.equal(f.buffered, 'OPTIONS'.length);
  });

  test('a Content-Length smaller than the body cuts it; the rest starts the next message', () => {
    const { f, seen } = framer();
    const head = 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 2\r\n\r\n';
    push(f, `${head}hiXX${BYE}`);
    assert.deepEqual(seen.messages, [`${head}hi`, `XX${BYE}`]);
  });

  test('a stream message without Content-Length is a framing error, with the head for a 400', () => {
    const { f, seen } = framer();
    const head = 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n';
    push(f, `${head}${BYE}`);
    assert.deepEqual(seen.messages, []);
    assert.deepEqual(seen.errors, [{ status: 400, reason: 'Bad Request - missing Content-Length', head }]);
    assert.ok(f.failed);
    push(f, BYE);
    assert.deepEqual(seen.messages, [], 'nothing is framed after an error');
    assert.equal(seen.errors.length, 1);
  });

  test('conflicting Content-Length values fail the stream (RFC 4475 3.3.9, mcl01)', () => {
    const { f, seen } = framer();
    const head =
      'OPTIONS sip:user@example.com SIP/2.0\r\n' +
      'Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-mcl\r\n' +
      'Content-Length: 13\r\n' +
      'Max-Forwards: 60\r\n' +
      'Content-Length: 5\r\n' +
      '\r\n';
    push(f, `${head}nobody knows how long this is`);
    assert.equal(seen.messages.length, 0);
    assert.deepEqual(seen.errors, [
      { status: 400, reason: 'Bad Request - conflicting Content-Length values', head },
    ]);
  });

  for (const bad of ['-999', 'abc', '', '1 2', '12a', '9999999999']) {
    test(`Content-Length "${bad}" is a framing error`, () => {
      const { f, seen } = framer();
      push(f, `OPTIONS sip:a@b SIP/2.0\r\nContent-Length: ${bad}\r\n\r\n`);
      assert.equal(seen.errors.length, 1);
      assert.equal(seen.errors[0].reason, 'Bad Request - bad Content-Length');
      assert.equal(seen.errors[0].status, 400);
    });
  }

  test('a header section over the limit fails with 513 and no head', () => {
    const { f, seen } = framer({ maxHeaderBytes: 100 });
    push(f, 'OPTIONS sip:a@b SIP/2.0\r\n');
    for (let i = 0; i < 10 && !f.failed; i++) push(f, 'X-Filler: 0123456789\r\n');
    assert.deepEqual(seen.errors, [
      { status: 513, reason: 'Message Too Large - header section too large', head: undefined },
    ]);
    assert.equal(f.buffered, 0, 'the buffer is released');
  });

  test('a body over the limit fails with 413 before it is buffered', () => {
    const { f, seen } = framer({ maxBodyBytes: 1000 });
    push(f, 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1001\r\n\r\n');
    assert.equal(seen.errors[0]?.status, 413);
    assert.equal(seen.errors[0]?.reason, 'Request Entity Too Large - body too large');
  });

  test('CRLFCRLF between messages is a ping; a single CRLF is ignored (RFC 5626 4.4.1)', () => {
    const { f, seen } = framer();
    push(f, '\r\n\r\n');
    assert.equal(seen.pings, 1);
    push(f, '\r\n');
    assert.equal(seen.pings, 1, 'a lone CRLF may still become a ping: wait');
    push(f, BYE);
    assert.equal(seen.pings, 1);
    assert.deepEqual(seen.messages, [BYE]);
    push(f, '\r\n');
    push(f, '\r\n');
    assert.equal(seen.pings, 2, 'a ping split across chunks counts once');
    push(f, '\r\n\r\n\r\n\r\n');
    assert.equal(seen.pings, 4);
    assert.equal(f.buffered, 0);
  });

  test('stop() makes the framer ignore everything after', () => {
    const { f, seen } = framer();
    f.stop();
    push(f, BYE);
    assert.deepEqual(seen.messages, []);
  });

  test('a sink that stops the framer during a message ends the chunk there', () => {
    const messages: string[] = [];
    const f: StreamFramer = new StreamFramer({
      message: (d) => {
        messages.push(d.toString('latin1'));
        f.stop();
      },
      keepAlive: () => {},
      error: () => {},
    });
    f.push(Buffer.from(BYE + BYE, 'latin1'));
    assert.deepEqual(messages, [BYE]);
  });
});
