import type { StreamVerb } from '../../../schemas/xml/index.ts';
import type { MediaEndpoint } from '../../media/media-engine.ts';
import { CallStreams } from '../../media/stream/call-streams.ts';
import type { StreamConfig } from '../../media/stream/stream-config.ts';
import type { StreamSession } from '../../media/stream/stream-session.ts';
import { NEXT, type VerbContext, type VerbHandler, type VerbOutcome } from '../verb.ts';

/** `<Stream>` attributes as a stream request (the REST API's StreamRequest has the same fields). */
export function streamConfig(verb: StreamVerb): StreamConfig {
  return {
    serviceUrl: verb.url,
    audioTrack: verb.audioTrack,
    bidirectional: verb.bidirectional,
    contentType: verb.contentType,
    streamTimeout: verb.streamTimeout,
    ...(verb.statusCallbackUrl !== undefined ? { statusCallbackUrl: verb.statusCallbackUrl } : {}),
    statusCallbackMethod: verb.statusCallbackMethod,
    extraHeaders: verb.extraHeaders,
    maxRetries: verb.maxRetries,
  };
}

/** Streams of calls whose context brings none (ctx.streams unset), by the caller's endpoint. */
const ownStreams = new WeakMap<MediaEndpoint, CallStreams>();

function streamsOf(ctx: VerbContext): CallStreams {
  if (ctx.streams) return ctx.streams;
  let streams = ownStreams.get(ctx.endpoint);
  if (!streams) {
    const endpoint = ctx.endpoint;
    streams = new CallStreams({
      callUuid: ctx.callUuid,
      accountId: ctx.params().ParentAuthID ?? '',
      endpoint: () => endpoint,
      clock: ctx.clock,
      log: ctx.log,
      notify: (url, method, params) => ctx.notify(url, method, params),
    });
    ownStreams.set(endpoint, streams);
  }
  return streams;
}

/**
 * `<Stream>` (spec 2.14): forks the call's audio to a WebSocket (spec 3). Without
 * keepCallAlive it starts the stream and the next element runs at once; the stream lives
 * on until the call ends, `streamTimeout`, the application's `stop` or the REST API stops
 * it. With keepCallAlive="true" the document waits until the stream ends (a `stop`, the
 * socket closing, the timeout, or a connection that failed with its retries spent), then
 * goes on with the next element, or hangs up with 4010 when none is left (spec 3.3).
 */
export const streamVerb: VerbHandler<StreamVerb> = {
  needs: 'answered',
  async run(verb: StreamVerb, ctx: VerbContext): Promise<VerbOutcome> {
    if (ctx.signal.aborted) return NEXT;
    let session: StreamSession;
    try {
      session = streamsOf(ctx).start(streamConfig(verb), { signal: ctx.signal });
    } catch (err) {
      ctx.log.error(
        { err, at: verb.path, code: (err as { code?: string }).code },
        'Stream could not start: skipped',
      );
      return NEXT;
    }
    // The status callbacks still go out when the call ends meanwhile; the hangup URL waits for them.
    ctx.background(session.settled());
    if (!verb.keepCallAlive) return NEXT;
    const end = await session.done;
    ctx.log.info({ at: verb.path, reason: end.reason, streamId: end.streamId }, 'Stream ended: next element');
    return NEXT;
  },
};
