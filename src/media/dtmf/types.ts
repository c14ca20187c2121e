/**
 * The DTMF event shape shared by the RFC 4733 receiver and the in-band detector, so that
 * Gather and Stream see one kind of digit whatever the caller's phone sent.
 */

/** The sixteen DTMF keys; the order is the RFC 4733 event code order (3.2): '0' = 0 ... 'D' = 15. */
export const DTMF_DIGITS = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '*',
  '#',
  'A',
  'B',
  'C',
  'D',
] as const;

export type DtmfDigit = (typeof DTMF_DIGITS)[number];

export interface DtmfEvent {
  digit: DtmfDigit;
  source: 'rfc4733' | 'inband';
  /** Wall-clock ms (receiver clock) when the digit started. */
  atMs: number;
  durationMs: number;
  /** Power level in -dBm0 (0..63), RFC 4733 only. */
  volume?: number;
}

export function isDtmfDigit(s: string): s is DtmfDigit {
  return s.length === 1 && (DTMF_DIGITS as readonly string[]).includes(s);
}

/** Categories callers test for (`err.code`), never message text. */
export type DtmfErrorCode =
  | 'BAD_DIGIT' // a character that is no DTMF key
  | 'BAD_OPTION' // an option out of its range
  | 'BAD_FIELD' // a payload field out of its range, or no room to write it
  | 'STATE'; // an operation illegal in the current state

export class DtmfError extends Error {
  readonly code: DtmfErrorCode;

  constructor(code: DtmfErrorCode, message: string) {
    super(message);
    this.name = 'DtmfError';
    this.code = code;
  }
}
