/**
 * A copy of `s` that holds its own characters. A value read from a parsed message may be a
 * slice of the message's whole text (or a concatenation holding one), which it keeps alive
 * as long as it lives itself: what is kept long after the message (a lingering transaction's
 * key, a CDR) takes a copy. V8 copies substrings shorter than 13 characters anyway.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

export function ownOptional(s: string | null | undefined): string | undefined {
  return s === null || s === undefined ? undefined : ownString(s);
}
