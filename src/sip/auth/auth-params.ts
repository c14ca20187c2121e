import { SipError } from '../errors.ts';

/** One challenge or credentials: `Digest realm="x", nonce="y"` (RFC 7235 2.1, RFC 3261 25.1). */
export interface AuthParams {
  /** The scheme as written (`Digest`); compare case-insensitively. */
  scheme: string;
  /** Parameter names lower-cased; quoted values unquoted and unescaped. */
  params: Map<string, string>;
}

/**
 * Parses the value of a WWW-Authenticate, Proxy-Authenticate, Authorization or
 * Proxy-Authorization header. One value normally holds one challenge (RFC 3261 7.3.1 keeps
 * these headers unsplit) but several, comma-separated, are accepted as HTTP allows: after a
 * comma, a token followed by a space and another token starts a new one. Commas inside
 * quoted strings are data; `\x` in a quoted string stands for `x`. Throws a SipError
 * `PARSE` (400) on malformed input or a repeated parameter.
 */
export function parseAuthParams(value: string): AuthParams[] {
  const out: AuthParams[] = [];
  let i = skipSpace(value, 0);
  let current: AuthParams | undefined;
  while (i < value.length) {
    const nameStart = i;
    i = skipToken(value, i);
    if (i === nameStart) fail(value, i, 'expected a token');
    const name = value.slice(nameStart, i);
    let j = skipSpace(value, i);
    if (value.charCodeAt(j) !== 0x3d /* = */) {
      // A token not followed by "=": the scheme of a new challenge.
      current = { scheme: name, params: new Map() };
      out.push(current);
      i = j;
      while (value.charCodeAt(i) === 0x2c) i = skipSpace(value, i + 1);
      continue;
    }
    if (!current) fail(value, nameStart, 'parameter before the scheme');
    j = skipSpace(value, j + 1);
    let paramValue: string;
    if (value.charCodeAt(j) === 0x22 /* " */) {
      const q = readQuoted(value, j);
      paramValue = q.text;
      i = q.end;
    } else {
      const start = j;
      i = skipToken(value, j);
      if (i === start) fail(value, j, `no value for ${name}`);
      paramValue = value.slice(start, i);
    }
    const key = name.toLowerCase();
    if (current.params.has(key)) fail(value, nameStart, `parameter ${key} given twice`);
    current.params.set(key, paramValue);
    i = skipSpace(value, i);
    if (i < value.length) {
      if (value.charCodeAt(i) !== 0x2c /* , */) fail(value, i, 'expected a comma');
      // Empty list elements (",,") are allowed (RFC 7230 7).
      do i = skipSpace(value, i + 1);
      while (value.charCodeAt(i) === 0x2c);
    }
  }
  if (out.length === 0) fail(value, 0, 'no authentication scheme');
  return out;
}

/** One parameter to write: quoted values are escaped; tokens are written as they are. */
export type AuthParamOut = readonly [name: string, value: string, quoted: boolean];

/** `Scheme a="x", b=y` with the parameters in the given order. */
export function formatAuthParams(scheme: string, params: readonly AuthParamOut[]): string {
  let out = `${scheme} `;
  for (let k = 0; k < params.length; k++) {
    const [name, value, quoted] = params[k];
    if (k > 0) out += ', ';
    out += quoted ? `${name}=${quoteString(value)}` : `${name}=${value}`;
  }
  return out;
}

/** A quoted-string: `"` and `\` escaped with a backslash (RFC 3261 25.1 quoted-pair). */
export function quoteString(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length && !needs; i++) {
    const c = s.charCodeAt(i);
    needs = c === 0x22 || c === 0x5c;
  }
  return needs ? `"${s.replace(/["\\]/g, '\\$&')}"` : `"${s}"`;
}

function readQuoted(s: string, at: number): { text: string; end: number } {
  let text = '';
  let start = at + 1;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      if (i + 1 >= s.length) break;
      text += s.slice(start, i);
      start = i + 1;
      i++;
    } else if (c === 0x22) {
      return { text: text + s.slice(start, i), end: i + 1 };
    }
  }
  return fail(s, at, 'unterminated quoted string');
}

/** RFC 3261 25.1 token characters, plus `/` which some agents leave unquoted (e.g. in nonces). */
function isTokenChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x21 || // !
    c === 0x25 || // %
    c === 0x2a || // *
    c === 0x5f || // _
    c === 0x2b || // +
    c === 0x60 || // `
    c === 0x27 || // '
    c === 0x7e || // ~
    c === 0x2f || // /
    c === 0x3a // : (unquoted URIs from old agents)
  );
}

function skipToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return i;
    i++;
  }
}

function fail(value: string, at: number, message: string): never {
  throw new SipError(
    'PARSE',
    `bad authentication header at ${at}: ${message} in ${JSON.stringify(value.slice(0, 120))}`,
    400,
  );
}
