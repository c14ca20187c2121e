/**
 * The webhook client's HTTP/1.1 response reader: framing by Content-Length, chunked coding
 * and the end of the connection, in any split of the bytes; interim responses skipped;
 * whether the connection may be reused; and hostile or broken heads failing cleanly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HEAD_LIMIT, type ResponseHead, ResponseReader } from '../../../src/webhooks/http1-response.ts';

interface Outcome {
  heads: ResponseHead[];
  body: string;
  ended: number | undefined;
  failed: string | undefined;
}

/** Feeds `parts` in order (then the end of the connection when `eof`); what the sink saw. */
function read(parts: Array<string | Buffer>, eof = false): Outcome {
  const o: Outcome = { heads: [], body: '', ended: undefined, failed: undefined };
  const r = new ResponseReader({
    head: (h) => o.heads.push(h),
    data: (c) => {
      o.body += c.toString('latin1');
    },
    end: (extra) => {
      assert.equal(o.ended, undefined, 'end once');
      o.ended = extra;
    },
    fail: (m) => {
      assert.equal(o.failed, undefined, 'fail once');
      o.failed = m;
    },
  });
  for (const p of parts) r.push(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
  if (eof) r.eof();
  return o;
}

/** Every split of `text` into two pushes, and one byte at a time, read the same. */
function everySplit(text: string, eof = false): Outcome[] {
  const outs = [read([text], eof), read([...text], eof)];
  for (let i = 1; i < text.length; i++) outs.push(read([text.slice(0, i), text.slice(i)], eof));
  return outs;
}

describe('ResponseReader', () => {
  test('Content-Length: the body, the type, reusable; the same in any split', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 11\r\n\r\n<Response/>';
    for (const o of everySplit(text)) {
      assert.deepEqual(o.heads, [
        { status: 200, contentType: 'application/xml', contentLength: 11, keepAlive: true },
      ]);
      assert.equal(o.body, '<Response/>');
      assert.equal(o.ended, 0);
      assert.equal(o.failed, undefined);
    }
  });

  test('chunked with extensions and trailers, in any split', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/xml\r\n\r\n' +
      '5;ext=1\r\n<Resp\r\n6\r\nonse/>\r\n0\r\nX-Trailer: a\r\n\r\n';
    for (const o of everySplit(text)) {
      assert.equal(o.body, '<Response/>');
      assert.equal(o.ended, 0);
      assert.equal(o.heads[0]?.keepAlive, true);
      assert.equal(o.heads[0]?.contentLength, undefined);
    }
  });

  test('no length: the body runs to the end of the connection, which is not reused', () => {
    const o = read(['HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n<Resp', 'onse/>'], true);
    assert.equal(o.body, '<Response/>');
    assert.equal(o.ended, 0);
    assert.equal(o.heads[0]?.keepAlive, false);
    assert.equal(read(['HTTP/1.1 200 OK\r\n\r\nabc']).ended, undefined, 'not ended before the close');
  });

  test('interim 1xx responses are skipped; 204 and 304 have no body', () => {
    const o = read([
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n',
      'HTTP/1.1 204 No Content\r\n\r\n',
    ]);
    assert.deepEqual(
      o.heads.map((h) => h.status),
      [204],
    );
    assert.equal(o.ended, 0);
    assert.equal(read(['HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n']).ended, 0);
  });

  test('whether the connection may be reused', () => {
    const keep = (head: string) => read([`${head}\r\n\r\n`]).heads[0]?.keepAlive;
    assert.equal(keep('HTTP/1.1 200 OK\r\nContent-Length: 0'), true);
    assert.equal(keep('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0'), false);
    assert.equal(keep('HTTP/1.0 200 OK\r\nContent-Length: 0'), false);
    assert.equal(keep('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0'), true);
    // Transfer-Encoding and Content-Length together: the coding wins, the connection is dropped.
    const both = read([
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    ]);
    assert.equal(both.body, 'abc');
    assert.equal(both.heads[0]?.keepAlive, false);
  });

  test('bytes after the response are counted (the connection is then out of step)', () => {
    const o = read(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200']);
    assert.equal(o.body, 'ok');
    assert.equal(o.ended, 12);
  });

  test('a connection that closes early: before a response, or mid-body', () => {
    assert.equal(read([], true).failed, 'connection closed before a response');
    assert.equal(
      read(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'], true).failed,
      'response cut short by the server',
    );
    assert.equal(
      read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'], true).failed,
      'response cut short by the server',
    );
    assert.equal(read(['HTTP/1.1 20'], true).failed, 'response cut short by the server');
  });

  test('hostile or broken responses fail with a reason, and nothing after reaches the sink', () => {
    const cases: Array<[string | Buffer, RegExp]> = [
      ['SIP/2.0 200 OK\r\n\r\n', /bad status line/],
      ['HTTP/1.1 2000 OK\r\n\r\n', /bad status line/],
      ['HTTP/2 200\r\n\r\n', /bad status line/],
      ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /bad header line/],
      ['HTTP/1.1 200 OK\r\n folded: value\r\n\r\n', /bad header line/],
      ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad Content-Length/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n', /bad Content-Length/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', /conflicting Content-Length/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n123456789\r\n', /bad chunk size/],
      [
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
        /chunk data longer than its size/,
      ],
      ['HTTP/1.1 101 Switching Protocols\r\n\r\n', /protocol switch/],
      [`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(HEAD_LIMIT)}`, /head too large/],
      [`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(HEAD_LIMIT)}\r\n\r\n`, /head too large/],
      [`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1'.repeat(5000)}`, /line too long/],
    ];
    for (const [text, reason] of cases) {
      const o = read([text, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'], true);
      assert.match(o.failed ?? '', reason, JSON.stringify(text).slice(0, 60));
      assert.equal(o.ended, undefined);
      assert.ok(o.heads.length <= 1, 'the response after it is not read');
    }
  });

  test('stop() from the sink ends the reading at once', () => {
    let chunks = 0;
    const r = new ResponseReader({
      head: () => {},
      data: () => {
        chunks++;
        r.stop();
      },
      end: () => assert.fail('ended'),
      fail: () => assert.fail('failed'),
    });
    r.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n'));
    r.eof();
    assert.equal(chunks, 1);
    assert.equal(r.done, true);
  });
});
