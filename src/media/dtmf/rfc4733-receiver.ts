import { eventToDigit, MAX_EVENT_DURATION, TELEPHONE_EVENT_SIZE } from './rfc4733.ts';
import { DtmfError, type DtmfEvent } from './types.ts';

export interface Rfc4733ReceiverOptions {
  /** The telephone-event clock rate from the SDP rtpmap (8000 unless negotiated otherwise). */
  clockRate?: number;
  onDigit: (e: DtmfEvent) => void;
  /** Wall clock in ms, for `atMs` and the timeout. Default `Date.now`. */
  now?: () => number;
  /** An event whose end packets are lost ends this long after its last packet. Default 600. */
  timeoutMs?: number;
}

/** Packets the receiver dropped, by reason (counted, never thrown: they come from the peer). */
export interface Rfc4733ReceiverCounters {
  /** Payloads shorter than 4 bytes. */
  short: number;
  /** Packets of an event already reported (late redundant ends, reordered updates). */
  late: number;
  /** Packets of an older event that never became current (reordered past a newer event). */
  stale: number;
}

type State = 'idle' | 'active';

const MOVES: Readonly<Record<State, readonly State[]>> = {
  idle: ['active'],
  active: ['idle'],
};

/** How many reported events are remembered so their late packets are not reported again. */
const FINISHED_MEMORY = 8;

/** An event segment this long (half the field) may be continued by a next segment (2.5.2.3). */
const LONG_SEGMENT = MAX_EVENT_DURATION >>> 1;

/**
 * Turns received telephone-event packets (RFC 4733) into one DtmfEvent per key press.
 *
 * An event is identified by its RTP timestamp (2.5.1): the first packet, the updates and
 * the redundant end packets all carry it. The event is reported once, at its first end
 * packet (2.5.2), or, when the end packets are lost, when a newer event starts or
 * `timeoutMs` after its last packet (`poll()`).
 *
 *            packet of a new event: start it
 *   +------+ ------------------------------> +--------+
 *   | idle |                                 | active |
 *   +------+ <------------------------------ +--------+
 *            E bit; poll() after timeoutMs; or a packet of a
 *            newer event (then at once back to active): report
 */
export class Rfc4733Receiver {
  readonly counters: Rfc4733ReceiverCounters = { short: 0, late: 0, stale: 0 };
  private readonly clockRate: number;
  private readonly onDigit: (e: DtmfEvent) => void;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  private state: State = 'idle';
  // The current event (valid while active).
  private ts = 0;
  private code = 0;
  private volume = 0;
  private duration = 0;
  /** Duration of the earlier segments of a long event (2.5.2.3). */
  private segmentsDuration = 0;
  private startedAt = 0;
  private lastPacketAt = 0;
  // Order of events: the newest event timestamp and the highest sequence number seen.
  private hasNewest = false;
  private newestTs = 0;
  private hasSeq = false;
  private highestSeq = 0;
  // Timestamps of reported events, a ring.
  private readonly finished = new Uint32Array(FINISHED_MEMORY);
  private finishedCount = 0;
  private finishedNext = 0;

  constructor(opts: Rfc4733ReceiverOptions) {
    const clockRate = opts.clockRate ?? 8000;
    if (!(clockRate > 0)) throw new DtmfError('BAD_OPTION', `clockRate must be positive, got ${clockRate}`);
    this.clockRate = clockRate;
    this.onDigit = opts.onDigit;
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? 600;
  }

  /** Input: one telephone-event packet (the RTP layer has already checked the payload type). */
  push(rtpTimestamp: number, _marker: boolean, payload: Uint8Array, seq: number): void {
    if (payload.length < TELEPHONE_EVENT_SIZE) {
      this.counters.short++;
      return;
    }
    const ts = rtpTimestamp >>> 0;
    const code = payload[0];
    const end = (payload[1] & 0x80) !== 0;
    const volume = payload[1] & 0x3f;
    const duration = (payload[2] << 8) | payload[3];
    const now = this.now();

    // Sequence numbers are 16-bit and wrap (RFC 3550 5.1): compare in serial arithmetic.
    const sn = seq & 0xffff;
    const seqOlder = this.hasSeq && ((sn - this.highestSeq) << 16) >> 16 < 0;
    if (!seqOlder) this.highestSeq = sn;
    this.hasSeq = true;

    if (this.state === 'active' && ts === this.ts) {
      this.update(duration, volume, now);
      if (end) this.finish();
      return;
    }
    // 2.5.1.4: the final packet is sent three times; any packet of a reported event is ignored.
    if (this.isFinished(ts)) {
      this.counters.late++;
      return;
    }
    // A packet older than the newest event, in both timestamp and sequence, was reordered
    // past a newer event: it is too late to report. (Timestamps wrap: serial arithmetic.)
    // An older timestamp with a newer sequence number is a sender whose clock jumped back.
    if (this.hasNewest && ((ts - this.newestTs) | 0) < 0 && seqOlder) {
      this.counters.stale++;
      return;
    }
    if (this.state === 'active' && this.continues(ts, code)) {
      // 2.5.2.3: a long event goes on in a new segment that starts where the last one ended.
      this.remember(this.ts);
      this.segmentsDuration += (ts - this.ts) >>> 0;
      this.ts = ts;
      this.newestTs = ts;
      this.duration = 0;
      this.update(duration, volume, now);
      if (end) this.finish();
      return;
    }
    if (this.state === 'active') this.finish(); // its end packets were lost: a new event began
    // The marker bit (2.5.1) is not needed: the timestamp alone identifies an event, and
    // the first packet, which carries the marker, may be the one lost.
    this.start(ts, code, now);
    this.update(duration, volume, now);
    if (end) this.finish();
  }

  /**
   * Called by the media clock (every 20 ms): ends an event whose end packets were all lost.
   * `Infinity` ends the current event at once (the call is closing). The media clock may be
   * a monotonic one while `now` is the wall clock: the quiet time is taken on both clocks
   * and the larger counts, so either alone is enough to end the event.
   */
  poll(nowMs: number): void {
    if (this.state !== 'active') return;
    const quiet = Math.max(nowMs - this.lastPacketAt, this.now() - this.lastPacketAt);
    if (quiet >= this.timeoutMs) this.finish();
  }

  /** Forgets everything, e.g. when the sender's SSRC changes. Nothing is reported. */
  reset(): void {
    this.state = 'idle';
    this.hasNewest = false;
    this.hasSeq = false;
    this.finishedCount = 0;
    this.finishedNext = 0;
  }

  private start(ts: number, code: number, now: number): void {
    this.transition('active');
    this.ts = ts;
    this.code = code;
    this.volume = 0;
    this.duration = 0;
    this.segmentsDuration = 0;
    this.startedAt = now;
    this.hasNewest = true;
    this.newestTs = ts;
  }

  private update(duration: number, volume: number, now: number): void {
    this.lastPacketAt = now;
    // Reordered updates carry a smaller duration: keep the largest (2.5.2).
    if (duration >= this.duration) {
      this.duration = duration;
      this.volume = volume;
    }
  }

  private continues(ts: number, code: number): boolean {
    if (code !== this.code || this.duration < LONG_SEGMENT) return false;
    const gap = (ts - this.ts) >>> 0;
    return gap >= this.duration && gap <= MAX_EVENT_DURATION;
  }

  private finish(): void {
    this.transition('idle');
    this.remember(this.ts);
    const digit = eventToDigit(this.code);
    if (digit === null) return; // not DTMF (flash, modem tones): tracked, not reported
    this.onDigit({
      digit,
      source: 'rfc4733',
      atMs: this.startedAt,
      durationMs: ((this.segmentsDuration + this.duration) * 1000) / this.clockRate,
      volume: this.volume,
    });
  }

  private remember(ts: number): void {
    this.finished[this.finishedNext] = ts;
    this.finishedNext = (this.finishedNext + 1) % FINISHED_MEMORY;
    if (this.finishedCount < FINISHED_MEMORY) this.finishedCount++;
  }

  private isFinished(ts: number): boolean {
    for (let i = 0; i < this.finishedCount; i++) if (this.finished[i] === ts) return true;
    return false;
  }

  private transition(to: State): void {
    if (!MOVES[this.state].includes(to)) {
      throw new DtmfError('STATE', `Rfc4733Receiver: ${this.state} -> ${to} is not a legal move`);
    }
    this.state = to;
  }
}
