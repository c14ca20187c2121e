import { digitToEvent, MAX_EVENT_DURATION, TELEPHONE_EVENT_SIZE, writeTelephoneEvent } from './rfc4733.ts';
import { type DtmfDigit, DtmfError, isDtmfDigit } from './types.ts';

export interface DtmfToneOptions {
  /** Length of the tone. Default 100 ms. */
  durationMs?: number;
  /** Power level in -dBm0, 0..63 (RFC 4733 2.3.4). Default 10. */
  volume?: number;
  /** One packet per this many ms (the media clock's tick). Default 20. */
  packetMs?: number;
  /** The telephone-event clock rate (SDP rtpmap). Default 8000. */
  clockRate?: number;
}

/** One telephone-event packet to send. */
export interface TelephoneEventPacket {
  payload: Uint8Array;
  /** Set on the first packet of an event only (2.5.1). */
  marker: boolean;
  /** E bit: one of the final three packets (2.5.1.4). */
  end: boolean;
  /** Every packet of an event carries the event's start timestamp (2.5.1), so this is 0. */
  tsOffset: 0;
}

/** How many times the final packet is sent (2.5.1.4: "three times"). */
const END_PACKETS = 3;

interface ToneShape {
  volume: number;
  packetMs: number;
  /** RTP timestamp units per packet. */
  step: number;
  /** The tone's length in RTP timestamp units. */
  total: number;
}

/**
 * The packets of one digit, one per `packetMs` (RFC 4733 2.5.1): the first with the marker
 * bit, then updates whose duration grows by one packet each time, then the final duration
 * three times with the E bit. A 100 ms digit at 20 ms is 7 packets: durations 160, 320,
 * 480, 640, then 800 three times.
 */
export function* telephoneEventPackets(
  digit: DtmfDigit,
  opts: DtmfToneOptions = {},
): Generator<TelephoneEventPacket, void, undefined> {
  const code = digitToEvent(digit);
  const shape = toneShape(opts, opts.durationMs);
  const count = packetCount(shape);
  for (let k = 1; k <= count; k++) {
    const payload = new Uint8Array(TELEPHONE_EVENT_SIZE);
    const end = fillPacket(payload, code, shape, k);
    yield { payload, marker: k === 1, end, tsOffset: 0 };
  }
}

/** A packet of a `DtmfSendQueue`. */
export interface DtmfSendPacket {
  /** 4 bytes, reused: valid until the next call of `next()`. */
  payload: Uint8Array;
  marker: boolean;
  end: boolean;
  /** The first packet of a new event: `timestamp` is the media timestamp just given. */
  startsEvent: boolean;
  /** The RTP timestamp to send this packet with: the media timestamp when its event started. */
  timestamp: number;
  digit: DtmfDigit;
}

export interface DtmfSendQueueOptions extends DtmfToneOptions {
  /** Silence between the end of one tone and the start of the next. Default 60 ms. */
  gapMs?: number;
}

type Item = { kind: 'digit'; digit: DtmfDigit; shape: ToneShape } | { kind: 'pause'; ticks: number };

type QueueState = 'idle' | 'sending' | 'gap';

const MOVES: Readonly<Record<QueueState, readonly QueueState[]>> = {
  idle: ['sending', 'gap'],
  sending: ['gap'],
  gap: ['idle'],
};

/**
 * Sends digit strings as RFC 4733 events, driven by the media clock: `next()` is called once
 * per tick and returns the packet to send in place of audio, or null (send audio).
 *
 *            a digit is due               the tone's last tick
 *   +------+ -------------> +---------+ ------------------------> +-----+
 *   | idle |                | sending |                           | gap |
 *   +------+ ---------------------------------------------------> +-----+
 *      ^      a pause is due                                         |
 *      +-------------------------------------------------------------+
 *         gap over (a digit that is due starts in the same tick)
 *
 * The gap counts from the end of the tone; the two repeated end packets are sent during it.
 */
export class DtmfSendQueue {
  private readonly opts: DtmfToneOptions;
  private readonly gapTicks: number;
  private readonly items: Item[] = [];
  private state: QueueState = 'idle';
  private current: { digit: DtmfDigit; code: number; shape: ToneShape; count: number } | null = null;
  private tick = 0;
  private gapLeft = 0;
  private readonly packet: DtmfSendPacket = {
    payload: new Uint8Array(TELEPHONE_EVENT_SIZE),
    marker: false,
    end: false,
    startsEvent: false,
    timestamp: 0,
    digit: '0',
  };

  constructor(opts: DtmfSendQueueOptions = {}) {
    const { gapMs = 60, ...tone } = opts;
    const shape = toneShape(tone, tone.durationMs); // checks the options now, not at the first digit
    if (!(gapMs >= 0)) throw new DtmfError('BAD_OPTION', `gapMs must be 0 or more, got ${gapMs}`);
    this.opts = tone;
    // The two repeated end packets need two ticks after the tone, whatever the gap.
    this.gapTicks = Math.max(END_PACKETS - 1, Math.ceil(gapMs / shape.packetMs));
  }

  /** Queues digits (lower-case a-d allowed); throws BAD_DIGIT, queuing none, on any other character. */
  enqueue(digits: string, durationMs?: number): void {
    const upper = digits.toUpperCase();
    for (const ch of upper) {
      if (!isDtmfDigit(ch)) throw new DtmfError('BAD_DIGIT', `not a DTMF key: ${JSON.stringify(ch)}`);
    }
    const shape = toneShape(this.opts, durationMs ?? this.opts.durationMs);
    for (const ch of upper) this.items.push({ kind: 'digit', digit: ch as DtmfDigit, shape });
  }

  /** Queues a pause (e.g. the 'w' of a dial string), added to the gap after the previous digit. */
  enqueuePause(ms: number): void {
    if (!(ms >= 0)) throw new DtmfError('BAD_OPTION', `pause must be 0 ms or more, got ${ms}`);
    const packetMs = this.opts.packetMs ?? 20;
    this.items.push({ kind: 'pause', ticks: Math.ceil(ms / packetMs) });
  }

  /** Whether anything is still to be sent (a digit, its end packets, a gap or a pause). */
  get busy(): boolean {
    return this.state !== 'idle' || this.items.length > 0;
  }

  /** Drops the queued digits; a digit being sent is cut short but still ends properly (E bit). */
  clear(): void {
    this.items.length = 0;
    const cur = this.current;
    if (this.state === 'sending' && cur) {
      // Jump to the end packets, with the duration reached so far: the next three ticks.
      cur.shape = { ...cur.shape, total: this.tick * cur.shape.step };
      cur.count = this.tick + END_PACKETS;
    } else if (this.state === 'gap' && !cur) {
      this.transition('idle'); // a pause: nothing is owed to the peer
    }
  }

  /**
   * One media clock tick. `mediaTimestamp` is the RTP timestamp the audio of this tick would
   * carry: a new event takes it as its timestamp (2.5.1). Returns null when there is
   * nothing to send this tick.
   */
  next(mediaTimestamp = 0): DtmfSendPacket | null {
    if (this.state === 'gap') {
      if (--this.gapLeft > 0) return this.current ? this.endRepeat() : null;
      this.current = null;
      this.transition('idle');
    }
    if (this.state === 'idle') {
      const item = this.items.shift();
      if (!item) return null;
      if (item.kind === 'pause') {
        if (item.ticks === 0) return this.next(mediaTimestamp);
        this.gapLeft = item.ticks;
        this.transition('gap');
        return null;
      }
      this.current = {
        digit: item.digit,
        code: digitToEvent(item.digit),
        shape: item.shape,
        count: packetCount(item.shape),
      };
      this.tick = 0;
      this.packet.timestamp = mediaTimestamp >>> 0;
      this.packet.digit = item.digit;
      this.transition('sending');
    }
    const cur = this.current!;
    this.tick++;
    const end = fillPacket(this.packet.payload, cur.code, cur.shape, this.tick);
    this.packet.marker = this.tick === 1;
    this.packet.startsEvent = this.tick === 1;
    this.packet.end = end;
    if (end) {
      // The tone is over: the gap starts now; the end packet repeats during its first ticks.
      this.gapLeft = this.gapTicks + 1;
      this.transition('gap');
    }
    return this.packet;
  }

  /** A repeated end packet while the gap runs, until all three were sent. */
  private endRepeat(): DtmfSendPacket | null {
    const cur = this.current!;
    this.tick++;
    if (this.tick > cur.count) return null;
    fillPacket(this.packet.payload, cur.code, cur.shape, this.tick);
    this.packet.marker = false;
    this.packet.startsEvent = false;
    this.packet.end = true;
    return this.packet;
  }

  private transition(to: QueueState): void {
    if (!MOVES[this.state].includes(to)) {
      throw new DtmfError('STATE', `DtmfSendQueue: ${this.state} -> ${to} is not a legal move`);
    }
    this.state = to;
  }
}

function toneShape(opts: DtmfToneOptions, durationMs = 100): ToneShape {
  const { volume = 10, packetMs = 20, clockRate = 8000 } = opts;
  if (!Number.isInteger(volume) || volume < 0 || volume > 63) {
    throw new DtmfError('BAD_OPTION', `volume must be an integer 0..63 (-dBm0), got ${volume}`);
  }
  if (!(clockRate > 0) || !(packetMs > 0)) {
    throw new DtmfError(
      'BAD_OPTION',
      `clockRate and packetMs must be positive, got ${clockRate}, ${packetMs}`,
    );
  }
  const step = (packetMs * clockRate) / 1000;
  if (!Number.isInteger(step)) {
    throw new DtmfError(
      'BAD_OPTION',
      `packetMs ${packetMs} is not a whole number of ${clockRate} Hz samples`,
    );
  }
  const total = Math.round((durationMs * clockRate) / 1000);
  // One segment only: a tone longer than the 16-bit duration (2.5.1.3) is no key press.
  if (!(total > 0) || total > MAX_EVENT_DURATION) {
    throw new DtmfError(
      'BAD_OPTION',
      `durationMs ${durationMs} is outside 1 ms..${MAX_EVENT_DURATION} samples`,
    );
  }
  return { volume, packetMs, step, total };
}

/** Packets of one tone: the updates, then the end packet three times. */
function packetCount(shape: ToneShape): number {
  return Math.ceil(shape.total / shape.step) + END_PACKETS - 1;
}

/** Writes packet `k` (1-based) of a tone into `out`; returns whether it has the E bit. */
function fillPacket(out: Uint8Array, code: number, shape: ToneShape, k: number): boolean {
  const duration = Math.min(k * shape.step, shape.total);
  const end = duration === shape.total;
  writeTelephoneEvent(out, 0, { event: code, end, volume: shape.volume, duration });
  return end;
}
