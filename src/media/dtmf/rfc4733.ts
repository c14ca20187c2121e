import { DTMF_DIGITS, type DtmfDigit, DtmfError } from './types.ts';

/**
 * The telephone-event payload (RFC 4733 2.3), 4 bytes:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     event     |E|R| volume    |          duration             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
export interface TelephoneEvent {
  /** Event code (3.2 for DTMF: 0-15). */
  event: number;
  /** E bit: the last packets of the event. */
  end: boolean;
  /** Power level in -dBm0, 0..63 (2.3.4). */
  volume: number;
  /** In RTP timestamp units since the event's timestamp (2.3.5). */
  duration: number;
}

export const TELEPHONE_EVENT_SIZE = 4;

/** The largest duration the 16-bit field holds (2.5.1.3). */
export const MAX_EVENT_DURATION = 0xffff;

/**
 * Reads the first event of a telephone-event payload; null when shorter than 4 bytes.
 * Further 4-byte blocks (2.5.1.5, several events in one packet) are ignored: DTMF senders
 * do not use them. The R bit is ignored on receipt (2.3.3).
 */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | null {
  if (payload.length < TELEPHONE_EVENT_SIZE) return null;
  return {
    event: payload[0],
    end: (payload[1] & 0x80) !== 0,
    volume: payload[1] & 0x3f,
    duration: (payload[2] << 8) | payload[3],
  };
}

/** Writes `ev` at `offset` (R bit zero, 2.3.3); returns the offset after it. */
export function writeTelephoneEvent(out: Uint8Array, offset: number, ev: TelephoneEvent): number {
  if (!Number.isInteger(offset) || offset < 0 || offset + TELEPHONE_EVENT_SIZE > out.length) {
    throw new DtmfError('BAD_FIELD', `no room for a telephone-event at offset ${offset}`);
  }
  checkField('event', ev.event, 0xff);
  checkField('volume', ev.volume, 0x3f);
  checkField('duration', ev.duration, MAX_EVENT_DURATION);
  out[offset] = ev.event;
  out[offset + 1] = (ev.end ? 0x80 : 0) | ev.volume;
  out[offset + 2] = ev.duration >>> 8;
  out[offset + 3] = ev.duration & 0xff;
  return offset + TELEPHONE_EVENT_SIZE;
}

/** The event code of a DTMF key (3.2): '0'-'9' -> 0-9, '*' -> 10, '#' -> 11, 'A'-'D' -> 12-15. */
export function digitToEvent(digit: DtmfDigit): number {
  const code = DTMF_DIGITS.indexOf(digit);
  if (code < 0) throw new DtmfError('BAD_DIGIT', `not a DTMF key: ${JSON.stringify(digit)}`);
  return code;
}

/** The DTMF key of an event code, or null for codes that are not DTMF (16 = flash and up). */
export function eventToDigit(code: number): DtmfDigit | null {
  return Number.isInteger(code) && code >= 0 && code < DTMF_DIGITS.length ? DTMF_DIGITS[code] : null;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new DtmfError('BAD_FIELD', `telephone-event ${name} ${value} is outside 0..${max}`);
  }
}
