import type { DtmfEvent } from '../../media/dtmf/types.ts';
import type { AudioDirection, AudioListener, MediaEndpoint, MediaEngine } from '../../media/media-engine.ts';
import type { RecordInput } from '../../media/record/recorder.ts';

/**
 * A recording input that follows a party rather than an endpoint: one direction of the
 * endpoint given last to follow(). A transfer (REFER, INVITE with Replaces) puts another leg
 * where the party was; the recording goes on with the new leg's audio instead of ending with
 * the old one. It has no `closed`: whoever owns it ends the recording (a Dial, when its bridge
 * is over), since the endpoint it taps may close and be replaced meanwhile.
 */
export class FollowingInput implements RecordInput {
  private readonly audio = new Set<AudioListener>();
  private readonly dtmf = new Set<(e: DtmfEvent) => void>();
  private offAudio: () => void = () => {};
  private offDtmf: () => void = () => {};
  private current: MediaEndpoint;

  constructor(
    private readonly engine: MediaEngine,
    endpoint: MediaEndpoint,
    private readonly direction: AudioDirection,
  ) {
    this.current = endpoint;
  }

  /** The endpoint tapped now. */
  get endpoint(): MediaEndpoint {
    return this.current;
  }

  /** Taps `endpoint` from now on (the one before no longer feeds the recording). */
  follow(endpoint: MediaEndpoint): void {
    if (endpoint === this.current) return;
    this.current = endpoint;
    this.subscribe();
  }

  onAudio(listener: AudioListener): () => void {
    this.audio.add(listener);
    this.subscribe();
    return () => {
      this.audio.delete(listener);
      this.subscribe();
    };
  }

  onDtmf(listener: (e: DtmfEvent) => void): () => void {
    this.dtmf.add(listener);
    this.subscribe();
    return () => {
      this.dtmf.delete(listener);
      this.subscribe();
    };
  }

  /** (Re)attaches one tap per kind to the current endpoint, or none when nobody listens. */
  private subscribe(): void {
    this.offAudio();
    this.offDtmf();
    this.offAudio = () => {};
    this.offDtmf = () => {};
    if (this.current.closed) return;
    const input = this.engine.input(this.current, this.direction);
    if (this.audio.size > 0) {
      this.offAudio = input.onAudio((pcm, at) => {
        for (const l of this.audio) l(pcm, at);
      });
    }
    if (this.dtmf.size > 0 && input.onDtmf) {
      this.offDtmf = input.onDtmf((e) => {
        for (const l of this.dtmf) l(e);
      });
    }
  }
}
