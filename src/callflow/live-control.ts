import type { Call } from '../calls/call.ts';
import type { CallLeg } from '../calls/call-leg.ts';
import { HANGUP_CAUSES } from '../calls/hangup-cause.ts';
import type { MediaEndpoint, MediaEngine, PlayItem } from '../media/media-engine.ts';
import type { Playback } from '../media/play/player.ts';
import type { CallStreams } from '../media/stream/call-streams.ts';
import { StreamError } from '../media/stream/stream-error.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import type { Webhooks } from '../webhooks/webhook-types.ts';
import {
  type CallControl,
  CallControlError,
  type DtmfRequest,
  type Legs,
  type MakeCallRequest,
  type PlayRequest,
  type RecordRequest,
  type SpeakRequest,
  type StartedRecording,
  type StreamInfo,
  type StreamRequest,
  type TransferRequest,
} from './call-control.ts';
import { sendDialString } from './dial-string.ts';
import type { LiveCalls } from './live-calls.ts';
import type { OutboundCalls } from './outbound-calls.ts';
import { followCaller } from './record-session.ts';
import { transferPlan } from './transfer-plan.ts';
import type { RecordingFiles, RecordingTarget } from './verb.ts';

interface LiveRecording {
  target: RecordingTarget;
  stop: AbortController;
}

/** What the API started on one call: its playbacks (Play and Speak apart) and recordings. */
interface CallExtras {
  play: Playback[];
  speak: Playback[];
  recordings: LiveRecording[];
}

export interface LiveControlDeps {
  live: LiveCalls;
  outbound: OutboundCalls;
  engine: MediaEngine;
  recordings: RecordingFiles;
  webhooks: Webhooks;
  clock: Clock;
  log: Logger;
  /** The leg a Dial bridges a call to, if any (the B-leg of the legs parameters). */
  peerOf?: (callUuid: string) => CallLeg | undefined;
}

/**
 * The REST API's hold on this node's calls (CallControl). Actions on a call that is not
 * in progress here answer false (the API's 404). Play and Speak queue behind a prompt
 * the document is playing (there is no mixer on a two-party leg); `mix: false` stops that
 * prompt first, so only the API's audio is heard.
 */
export class LiveControl implements CallControl {
  private readonly extras = new Map<string, CallExtras>();

  constructor(private readonly deps: LiveControlDeps) {}

  async makeCall(req: MakeCallRequest): Promise<string[]> {
    return this.deps.outbound.place(req);
  }

  async hangup(callUuid: string): Promise<boolean> {
    const entry = this.deps.live.get(callUuid);
    if (!entry) return false;
    const call = entry.call;
    if (!call) {
      entry.cancel?.();
      return true;
    }
    if (call.end) return false;
    void call.hangup({
      cause: call.answered ? HANGUP_CAUSES.normal : HANGUP_CAUSES.canceled,
      source: 'API Request',
      detail: 'hung up through the API',
      reject: { status: 603, reason: 'Decline' },
    });
    return true;
  }

  async cancelRequest(requestUuid: string): Promise<boolean> {
    const entry = this.deps.live.get(requestUuid);
    if (entry?.record.direction !== 'outbound' || entry.record.call_status === 'in-progress') return false;
    return this.hangup(requestUuid);
  }

  /**
   * REST 2.9. aleg: the call's running verb is cut and aleg_url runs instead; a Dial it runs
   * ends (its B-leg gets BYE). bleg: the connected Dial's B-leg leaves the bridge and runs
   * bleg_url as a call of its own (BLegCalls), the call's document goes on after its Dial.
   * both: each leg runs its own document, no longer bridged. 400 (BAD_REQUEST) when the URL
   * of a selected leg is missing, or bleg/both on a call with no connected B-leg.
   */
  async transfer(callUuid: string, req: TransferRequest): Promise<boolean> {
    const plan = transferPlan(req);
    const entry = this.deps.live.get(callUuid);
    const call = entry?.call;
    if (!entry?.flow || !call?.answered || call.end) return false;
    // The B-leg first: once the A-leg's verb is cut, its Dial would hang the B-leg up.
    if (plan.b) this.deps.outbound.bLegs.start(call, entry.flow.application, plan.b);
    if (plan.a) return entry.flow.transfer(plan.a.url, plan.a.method);
    return true;
  }

  async play(callUuid: string, req: PlayRequest): Promise<boolean> {
    const items: PlayItem[] = req.urls.map((url) => ({ kind: 'url', url }));
    return this.startPlayback(callUuid, 'play', items, req);
  }

  async stopPlay(callUuid: string): Promise<boolean> {
    return this.stopPlayback(callUuid, 'play');
  }

  async speak(callUuid: string, req: SpeakRequest): Promise<boolean> {
    const items: PlayItem[] = [{ kind: 'speak', text: req.text, voice: req.voice, language: req.language }];
    return this.startPlayback(callUuid, 'speak', items, { ...req });
  }

  async stopSpeak(callUuid: string): Promise<boolean> {
    return this.stopPlayback(callUuid, 'speak');
  }

  async sendDigits(callUuid: string, req: DtmfRequest): Promise<boolean> {
    const call = this.answered(callUuid);
    if (!call) return false;
    for (const endpoint of this.endpoints(call, req.leg)) {
      void sendDialString(endpoint, req.digits, { clock: this.deps.clock, signal: call.signal }).catch(
        (err) => call.log.info({ err: (err as Error).message }, 'DTMF through the API failed'),
      );
    }
    return true;
  }

  async startRecording(callUuid: string, req: RecordRequest): Promise<StartedRecording | undefined> {
    const call = this.answered(callUuid);
    if (!call) return undefined;
    const { engine, recordings } = this.deps;
    const target = recordings.allocate(call.uuid, req.fileFormat);
    const stop = new AbortController();
    const live: LiveRecording = { target, stop };
    this.extrasOf(call).recordings.push(live);
    // Mono: both directions mixed; stereo: the caller left, what the caller hears right. A
    // transfer that replaces the caller's leg (Call 'leg-replaced') is followed to the new party.
    const caller = followCaller(engine, call.endpoint, (listener) => {
      const onReplaced = (leg: CallLeg): void => listener(leg.endpoint);
      call.on('leg-replaced', onReplaced);
      return () => call.off('leg-replaced', onReplaced);
    });
    const recording = await engine
      .record({
        file: target.file,
        inputs: caller.inputs,
        mono: req.channels === 'mono',
        maxLengthMs: req.timeLimit * 1000,
        signal: AbortSignal.any([call.signal, stop.signal]),
      })
      .catch((err: unknown) => {
        caller.stop();
        throw err;
      });
    const startMs = Date.now();
    call.track(
      recording.done.then(async (result) => {
        caller.stop();
        const extras = this.extras.get(call.uuid);
        if (extras) extras.recordings = extras.recordings.filter((r) => r !== live);
        if (result.reason === 'error') {
          call.log.error({ err: result.error, id: target.id }, 'API recording could not be written');
          return;
        }
        const endMs = Date.now();
        recordings.completed?.(call.uuid, {
          target,
          format: req.fileFormat,
          startMs,
          endMs,
          durationMs: result.durationMs,
        });
        if (!req.callbackUrl) return;
        // rest-api 5.7: these callbacks are snake_case.
        await this.deps.webhooks.notify({
          url: req.callbackUrl,
          method: req.callbackMethod,
          params: {
            record_url: target.url,
            call_uuid: call.uuid,
            recording_id: target.id,
            recording_duration: String(Math.round(result.durationMs / 1000)),
            recording_duration_ms: String(Math.round(result.durationMs)),
            recording_start_ms: String(startMs),
            recording_end_ms: String(endMs),
          },
          purpose: 'callback',
          callUuid: call.uuid,
        });
      }),
    );
    return { recordingId: target.id, url: target.url };
  }

  async stopRecording(callUuid: string, url?: string): Promise<boolean> {
    const call = this.answered(callUuid);
    if (!call) return false;
    const list = this.extras.get(call.uuid)?.recordings ?? [];
    for (const r of list)
      if (url === undefined || r.target.url === url || r.target.id === url) r.stop.abort();
    return true;
  }

  async startStream(callUuid: string, req: StreamRequest): Promise<StreamInfo | undefined> {
    const streams = this.streamsOf(callUuid);
    if (!streams) return undefined;
    try {
      return streams.start(req).info();
    } catch (err) {
      if (err instanceof StreamError) throw new CallControlError('BAD_REQUEST', err.message);
      throw err;
    }
  }

  async stopStream(callUuid: string, streamId?: string): Promise<boolean> {
    const streams = this.streamsOf(callUuid);
    if (!streams) return false;
    if (streamId !== undefined) return streams.stop(streamId);
    streams.stopAll();
    return true;
  }

  listStreams(callUuid: string): StreamInfo[] | undefined {
    return this.streamsOf(callUuid)?.list();
  }

  /** The streams of an answered call running here. */
  private streamsOf(callUuid: string): CallStreams | undefined {
    if (!this.answered(callUuid)) return undefined;
    return this.deps.live.get(callUuid)?.flow?.streams;
  }

  /** The call when it is answered and not over. */
  private answered(callUuid: string): Call | undefined {
    const call = this.deps.live.get(callUuid)?.call;
    return call?.answered && !call.end ? call : undefined;
  }

  /** The media endpoints of the legs asked for: the call's own, and the Dial's B-leg when bridged. */
  private endpoints(call: Call, legs: Legs): MediaEndpoint[] {
    const out: MediaEndpoint[] = [];
    if (legs !== 'bleg') out.push(call.endpoint);
    const peer = this.deps.peerOf?.(call.uuid);
    if (legs !== 'aleg' && peer && !peer.ended) out.push(peer.endpoint);
    if (out.length === 0) throw new CallControlError('BAD_REQUEST', 'legs: the call has no B-leg now');
    return out;
  }

  private extrasOf(call: Call): CallExtras {
    let extras = this.extras.get(call.uuid);
    if (!extras) {
      const created: CallExtras = { play: [], speak: [], recordings: [] };
      this.extras.set(call.uuid, created);
      call.once('ended', () => this.extras.delete(call.uuid));
      extras = created;
    }
    return extras;
  }

  private startPlayback(
    callUuid: string,
    kind: 'play' | 'speak',
    items: PlayItem[],
    req: { legs: Legs; loop: boolean; mix: boolean; length?: number },
  ): boolean {
    const call = this.answered(callUuid);
    if (!call) return false;
    const endpoints = this.endpoints(call, req.legs);
    const extras = this.extrasOf(call);
    for (const endpoint of endpoints) {
      if (!req.mix) endpoint.stopPlayback();
      const playback = endpoint.play(items, { loop: req.loop ? 0 : 1, signal: call.signal });
      extras[kind].push(playback);
      if (req.length !== undefined) {
        const timer = this.deps.clock.setTimer(req.length * 1000, () => playback.stop());
        void playback.done.finally(() => timer.cancel());
      }
      void playback.done.finally(() => {
        extras[kind] = extras[kind].filter((p) => p !== playback);
      });
    }
    return true;
  }

  private stopPlayback(callUuid: string, kind: 'play' | 'speak'): boolean {
    const call = this.answered(callUuid);
    if (!call) return false;
    for (const p of this.extras.get(call.uuid)?.[kind] ?? []) p.stop();
    return true;
  }
}
