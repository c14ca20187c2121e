/** Methods this user agent handles (Allow, RFC 3261 20.5). */
export const ALLOWED_METHODS: readonly string[] = [
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'INFO',
  'UPDATE',
  'REFER',
  'NOTIFY',
  'MESSAGE',
];

/** Methods it recognises but does not handle: 405 with Allow rather than 501 (RFC 3261 8.2.1). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  ...ALLOWED_METHODS,
  'REGISTER',
  'SUBSCRIBE',
  'PUBLISH',
  'PRACK',
]);

/** Option tags supported (RFC 3261 8.2.2.3): INVITE with Replaces (RFC 3891), REFER without subscription (RFC 4488). */
export const SUPPORTED_OPTIONS: readonly string[] = ['replaces', 'norefersub'];

/** Body types accepted for sessions (RFC 3261 8.2.3, 20.1). */
export const ACCEPTED_TYPES = 'application/sdp';

export const ALLOW_HEADER = ALLOWED_METHODS.join(', ');

/**
 * Allow, Accept and Supported, as an answer to OPTIONS carries them (RFC 3261 11.2). Supported
 * is sent even when empty: its grammar allows no option tag.
 */
export function capabilityHeaders(): Record<string, string> {
  return { Allow: ALLOW_HEADER, Accept: ACCEPTED_TYPES, Supported: SUPPORTED_OPTIONS.join(', ') };
}

/**
 * How long the application may take to answer a request it was handed, in units of T1:
 * 60*T1 is just inside the client's timer F (64*T1, RFC 3261 17.1.2.2), so that the 500
 * sent in its place still reaches the client.
 */
export const APP_ANSWER_T1 = 60;
