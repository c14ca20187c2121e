import type { PlayAudioMessage, PlayContentType } from '../../../schemas/stream/index.ts';
import type { MediaEndpoint } from '../media-engine.ts';
import { PlayoutQueue } from './playout-queue.ts';
import type { StreamLimits } from './stream-config.ts';
import { ENGINE_RATE, PlayDecoder, type StreamFormat } from './stream-format.ts';
import { readPlayAudioFrame } from './stream-protocol.ts';
import type { StreamStats } from './stream-stats.ts';

/** Payloads up to this size (100 ms of 24 kHz L16) are decoded into a reused buffer. */
const REUSED_PAYLOAD_BYTES = 4_800;

export interface AppPlayoutOptions {
  endpoint: MediaEndpoint;
  format: StreamFormat;
  limits: StreamLimits;
  stats: StreamStats;
  /** playAudio that cannot be played (undecodable, or over the queue's bound). */
  badAudio(detail: string): void;
  /** A checkpoint's audio has all been sent to the caller. */
  played(name: string): void;
}

/**
 * The bidirectional half of a connection (spec/vobizxml.md 3.3): `playAudio` decoded to the
 * call's 8 kHz and queued for the caller, `checkpoint` placed after it, `clearAudio`. The
 * audio itself plays through a PlayoutQueue (one continuous talkspurt while it keeps coming).
 */
export class AppPlayout {
  private readonly decoder = new PlayDecoder();
  private readonly queue: PlayoutQueue;
  private payload = new Uint8Array(0);

  constructor(private readonly o: AppPlayoutOptions) {
    const maxSamples = (o.limits.maxQueuedPlayoutMs * ENGINE_RATE) / 1000;
    this.queue = new PlayoutQueue(o.endpoint, maxSamples, (name) => o.played(name));
  }

  playAudio(media: PlayAudioMessage['media']): void {
    this.play(Buffer.from(media.payload, 'base64'), media.contentType, media.sampleRate);
  }

  /**
   * A frame that is the usual playAudio, played from its bytes (readPlayAudioFrame): false,
   * with nothing done, for any other frame (the caller then takes the full path).
   */
  playFrame(frame: Uint8Array): boolean {
    const plain = readPlayAudioFrame(frame, this.room);
    if (!plain) return false;
    this.play(plain.payload, plain.contentType, plain.sampleRate);
    return true;
  }

  /** Room for a decoded payload: one buffer, as large as the largest usual frame so far, reused. */
  private readonly room = (size: number): Uint8Array => {
    if (size > REUSED_PAYLOAD_BYTES) return new Uint8Array(size);
    if (this.payload.length < size) this.payload = new Uint8Array(size);
    return this.payload;
  };

  private play(
    bytes: Uint8Array,
    contentType: PlayContentType | undefined,
    sampleRate: number | undefined,
  ): void {
    const f = this.o.format;
    // 3.3: contentType / sampleRate name the payload's format; the stream's when missing.
    const encoding = contentType?.encoding ?? f.encoding;
    const rate = sampleRate ?? contentType?.rate ?? f.sampleRate;
    let pcm: Int16Array;
    try {
      pcm = this.decoder.decode(bytes, encoding, rate);
    } catch (err) {
      this.o.badAudio((err as Error).message);
      return;
    }
    this.o.stats.playAudio++;
    if (!this.queue.enqueue(pcm)) {
      this.o.stats.playoutOverflow++;
      this.o.badAudio('playout queue full: playAudio dropped');
    }
  }

  checkpoint(name: string): void {
    this.o.stats.checkpoints++;
    // The resampler's last few samples belong before the checkpoint.
    const tail = this.decoder.flush();
    if (tail.length > 0) this.queue.enqueue(tail);
    this.queue.checkpoint(name);
  }

  /** Drops everything queued and cuts what plays now; its checkpoints are never answered. */
  clear(): void {
    this.o.stats.clearAudio++;
    this.decoder.reset();
    this.queue.clear();
  }

  /** The connection ended: nothing more plays (3.2: a disconnect suppresses checkpoints). */
  close(): void {
    this.queue.close();
  }
}
