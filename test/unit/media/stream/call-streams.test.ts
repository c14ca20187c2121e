import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CallStreams } from '../../../../src/media/stream/call-streams.ts';
import type { StreamConfig } from '../../../../src/media/stream/stream-config.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { PlayerEndpoint } from './player-endpoint.ts';
import { WsApp } from './ws-app.ts';

const cfg = (url: string, over: Partial<StreamConfig> = {}): StreamConfig => ({
  serviceUrl: url,
  audioTrack: 'both',
  bidirectional: false,
  contentType: 'audio/x-l16;rate=16000',
  streamTimeout: 60,
  statusCallbackMethod: 'GET',
  extraHeaders: {},
  ...over,
});

describe('CallStreams (the REST API and the verb share it)', () => {
  let app: WsApp;
  before(async () => {
    app = await WsApp.start();
  });
  after(async () => {
    await app.close();
  });

  function streams() {
    const ep = new PlayerEndpoint();
    const s = new CallStreams({
      callUuid: 'call-9',
      accountId: 'MA9',
      endpoint: () => ep,
      clock: new FakeClock(),
    });
    return { s, ep };
  }

  test('start, get, list, stop one, stop all; stopped streams stay listed', async () => {
    const { s } = streams();
    const n = app.connections.length;
    const a = s.start(cfg(app.url('/a')));
    const b = s.start(cfg(app.url('/b'), { audioTrack: 'inbound', contentType: 'audio/x-mulaw;rate=8000' }));
    await app.connection(n + 1);
    assert.equal(s.get(a.id), a);
    assert.equal(s.get('nope'), undefined);
    assert.equal(s.active, 2);
    const list = s.list();
    assert.deepEqual(
      list.map((i) => [i.stream_id, i.audio_track, i.content_type, i.sampling_rate, i.status]),
      [
        [a.id, 'both', 'audio/x-l16;rate=16000', 16000, 'in-progress'],
        [b.id, 'inbound', 'audio/x-mulaw;rate=8000', 8000, 'in-progress'],
      ],
    );
    assert.equal(list[0]?.call_uuid, 'call-9');
    assert.equal(list[0]?.status_callback_url, '');
    assert.equal(list[0]?.status_callback_method, 'GET');
    assert.equal(list[0]?.end_time, null);
    assert.equal(s.stop(a.id), true);
    assert.equal(s.stop(a.id), false, 'already stopped: the API answers 404');
    assert.equal((await a.done).reason, 'api');
    s.stopAll();
    assert.equal((await b.done).reason, 'api');
    await s.settled();
    assert.deepEqual(
      s.list().map((i) => i.status),
      ['completed', 'completed'],
    );
    assert.equal(s.active, 0);
  });

  test('bad requests are refused with a code; after close() a new stream ends at once', async () => {
    const { s } = streams();
    assert.throws(() => s.start(cfg('http://x.test/')), { code: 'BAD_URL' });
    assert.throws(() => s.start(cfg(app.url(), { contentType: 'audio/x-mulaw;rate=16000' })), {
      code: 'BAD_CONTENT_TYPE',
    });
    assert.throws(() => s.start(cfg(app.url(), { bidirectional: true })), { code: 'BAD_REQUEST' });
    assert.throws(() => s.start(cfg(app.url(), { streamTimeout: 0 })), { code: 'BAD_REQUEST' });
    assert.equal(s.list().length, 0, 'nothing refused is listed');
    const live = s.start(cfg(app.url('/c')));
    s.close();
    assert.equal((await live.done).reason, 'call-ended');
    const late = s.start(cfg(app.url('/d')));
    assert.equal((await late.done).reason, 'call-ended');
  });
});
