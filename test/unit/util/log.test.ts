import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { type Logger, lazyChild } from '../../../src/util/log.ts';

/** A pino logger writing to an array of parsed lines, and how many children it made. */
function capture(level: string): {
  log: Logger;
  lines: Array<Record<string, unknown>>;
  children: () => number;
} {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const log = pino({ level, base: { name: 'patchbay' }, timestamp: false }, sink);
  let made = 0;
  const child = log.child;
  log.child = function (this: Logger, ...args: Parameters<Logger['child']>) {
    made++;
    return child.apply(this, args);
  } as Logger['child'];
  return { log, lines, children: () => made };
}

describe('lazyChild', () => {
  test('writes what an eager child writes, making the child at the first line', () => {
    const eager = capture('info');
    const lazy = capture('info');
    eager.log.child({ callUuid: 'c1' }).child({ endpoint: 'ep-1' }).warn({ port: 4000 }, 'no RTP');
    const l = lazyChild(lazyChild(lazy.log, { callUuid: 'c1' }), { endpoint: 'ep-1' });
    assert.equal(lazy.children(), 0, 'nothing made before a line is written');
    l.warn({ port: 4000 }, 'no RTP');
    l.info('again');
    assert.equal(lazy.children(), 2, 'each lazy child was made once');
    assert.equal(eager.children(), 2);
    assert.deepEqual(lazy.lines[0], eager.lines[0]);
    assert.deepEqual(lazy.lines[1], {
      level: 30,
      name: 'patchbay',
      callUuid: 'c1',
      endpoint: 'ep-1',
      msg: 'again',
    });
  });

  test('a disabled level neither writes nor makes the child; the level is the parent’s', () => {
    const { log, lines, children } = capture('warn');
    const l = lazyChild(log, { callUuid: 'c2' });
    l.info('hidden');
    l.debug({ a: 1 }, 'hidden');
    assert.equal(l.level, 'warn');
    assert.equal(l.isLevelEnabled('info'), false);
    assert.equal(l.isLevelEnabled('error'), true);
    assert.equal(children(), 0);
    assert.equal(lines.length, 0);
    l.error(new Error('boom'), 'failed');
    assert.equal(children(), 1);
    assert.equal(lines[0]?.callUuid, 'c2');
    assert.equal((lines[0]?.err as { message?: string } | undefined)?.message, 'boom');
  });

  test('setting its level makes the child and leaves the parent alone', () => {
    const { log, lines } = capture('warn');
    const l = lazyChild(log, { callUuid: 'c3' });
    l.level = 'debug';
    l.debug('shown');
    log.debug('not shown');
    assert.equal(log.level, 'warn');
    assert.deepEqual(
      lines.map((x) => x.msg),
      ['shown'],
    );
  });
});
