import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamVerb } from '../../../../schemas/xml/index.ts';
import { parseVobizXml } from '../../../../src/callflow/parser/parse-vobiz-xml.ts';
import type { VerbContext } from '../../../../src/callflow/verb.ts';
import { streamConfig, streamVerb } from '../../../../src/callflow/verbs/stream.ts';
import { CallStreams } from '../../../../src/media/stream/call-streams.ts';
import { fakeVerbContext } from '../../../helpers/fake-verb-context.ts';
import { WsApp } from '../../media/stream/ws-app.ts';

function streamOf(xml: string): StreamVerb {
  const r = parseVobizXml(`<Response>${xml}</Response>`);
  assert.ok(r.ok, JSON.stringify(r));
  const v = r.document.verbs[0];
  assert.equal(v?.verb, 'Stream');
  return v as StreamVerb;
}

describe('<Stream> verb', () => {
  let app: WsApp;
  before(async () => {
    app = await WsApp.start();
  });
  after(async () => {
    await app.close();
  });

  test('attributes map onto the stream request', () => {
    const v = streamOf(
      '<Stream bidirectional="true" keepCallAlive="true" streamTimeout="120" contentType="audio/x-mulaw;rate=8000" extraHeaders="a=1,b=2" statusCallbackUrl="https://app.test/s" statusCallbackMethod="GET" maxRetries="3">wss://bot.test/ws</Stream>',
    );
    assert.deepEqual(streamConfig(v), {
      serviceUrl: 'wss://bot.test/ws',
      audioTrack: 'inbound',
      bidirectional: true,
      contentType: 'audio/x-mulaw;rate=8000',
      streamTimeout: 120,
      statusCallbackUrl: 'https://app.test/s',
      statusCallbackMethod: 'GET',
      extraHeaders: { a: '1', b: '2' },
      maxRetries: 3,
    });
  });

  test('without keepCallAlive the verb returns at once and the stream lives on until the call ends', async () => {
    const ctx = fakeVerbContext();
    const n = app.connections.length;
    const out = await streamVerb.run(
      streamOf(`<Stream statusCallbackUrl="https://app.test/s">${app.url('/bg')}</Stream>`),
      ctx,
    );
    assert.deepEqual(out, { kind: 'next' });
    const c = await app.connection(n);
    await c.waitFor('start');
    assert.equal(c.of('start')[0]?.msg.start.callId, 'call-1');
    ctx.hangup();
    assert.equal((await c.closed).code, 1000);
    await ctx.settle();
    assert.deepEqual(
      ctx.notifications.map((x) => x.extra.Event),
      ['StartStream', 'StopStream'],
    );
    assert.equal(ctx.notifications[0]?.params.From, '+15550001111', 'the call parameters ride along');
  });

  test('keepCallAlive blocks until the application stops the stream, then the next element runs', async () => {
    const streams = new CallStreams({
      callUuid: 'call-1',
      accountId: 'MA1',
      endpoint: () => ctx.endpoint,
    });
    // The context's other members stay as they are (its dialer getter throws when read).
    const ctx: VerbContext = Object.create(fakeVerbContext(), { streams: { value: streams } });
    const n = app.connections.length;
    let returned = false;
    const run = streamVerb
      .run(streamOf(`<Stream bidirectional="true" keepCallAlive="true">${app.url('/kca')}</Stream>`), ctx)
      .then((o) => {
        returned = true;
        return o;
      });
    const c = await app.connection(n);
    const start = (await c.waitFor('start')).msg;
    await sleep(50);
    assert.equal(returned, false, 'the document waits');
    assert.equal(streams.list()[0]?.stream_id, start.start.streamId, "the REST API sees the verb's stream");
    c.send({ event: 'stop', streamId: start.start.streamId });
    assert.deepEqual(await run, { kind: 'next' });
    assert.equal(streams.list()[0]?.status, 'completed');
  });

  test('keepCallAlive with a server that cannot be reached: retries, then the next element', async () => {
    const ctx = fakeVerbContext();
    const closed = await WsApp.start();
    const url = closed.url('/');
    await closed.close();
    const run = streamVerb.run(
      streamOf(`<Stream bidirectional="true" keepCallAlive="true" maxRetries="1">${url}</Stream>`),
      ctx,
    );
    await sleep(100);
    ctx.fakeClock.advance(500); // the retry
    assert.deepEqual(await run, { kind: 'next' });
  });

  test('the call ending ends a kept-alive stream', async () => {
    const ctx = fakeVerbContext();
    const n = app.connections.length;
    const run = streamVerb.run(
      streamOf(`<Stream bidirectional="true" keepCallAlive="true">${app.url('/end')}</Stream>`),
      ctx,
    );
    const c = await app.connection(n);
    await c.waitFor('start');
    ctx.hangup();
    assert.deepEqual(await run, { kind: 'next' });
    assert.equal((await c.closed).code, 1000);
  });
});
