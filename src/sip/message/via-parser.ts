import type { Params } from './params.ts';
import { genericParamsAt } from './params-parser.ts';
import { MessageParseError } from './parse-error.ts';
import { digits, HOST, skipWs, spanOf, TOKEN, trimEnd } from './scanner.ts';
import { isIPv6 } from './uri-parser.ts';
import { Via } from './via.ts';

const SLASH = 0x2f;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/**
 * Parses the via-parms of a Via value in s[start, end) into `out` (RFC 3261 20.42, 25.1):
 * `sent-protocol LWS sent-by *( SEMI via-params )`, separated by commas, with the SWS that
 * SLASH, COLON, SEMI and EQUAL allow (RFC 4475 3.1.1.1). Empty elements are an error.
 */
export function viaListAt(s: string, start: number, end: number, out: Via[]): void {
  let i = start;
  for (;;) {
    i = skipWs(s, i, end);
    const ns = i;
    const ne = spanOf(s, i, end, TOKEN);
    if (ne === i) {
      throw new MessageParseError(i >= end || s.charCodeAt(i) === COMMA ? 'empty Via value' : 'invalid Via');
    }
    i = slash(s, ne, end);
    const ve = spanOf(s, i, end, TOKEN);
    if (ve === i) throw new MessageParseError('invalid protocol version in Via');
    const protocol = sentProtocol(s, ns, ne, i, ve);
    i = slash(s, ve, end);
    const te = spanOf(s, i, end, TOKEN);
    if (te === i) throw new MessageParseError('invalid transport in Via');
    const transport = transportOf(s, i, te);
    i = skipWs(s, te, end);
    let host: string;
    if (i < end && s.charCodeAt(i) === LBRACKET) {
      let rb = -1;
      for (let j = i + 1; j < end; j++) {
        if (s.charCodeAt(j) === RBRACKET) {
          rb = j;
          break;
        }
      }
      if (rb < 0 || !isIPv6(s, i + 1, rb)) throw new MessageParseError('invalid IPv6 reference in Via');
      host = s.slice(i + 1, rb);
      i = rb + 1;
    } else {
      const he = spanOf(s, i, end, HOST);
      if (he === i) throw new MessageParseError('missing or invalid sent-by host in Via');
      host = s.slice(i, he);
      i = he;
    }
    let port: number | undefined;
    const k = skipWs(s, i, end);
    if (k < end && s.charCodeAt(k) === COLON) {
      const ps = skipWs(s, k + 1, end);
      let pe = ps;
      while (pe < end && s.charCodeAt(pe) >= 0x30 && s.charCodeAt(pe) <= 0x39) pe++;
      const p = digits(s, ps, pe, 65535);
      if (p < 0) throw new MessageParseError('invalid port in Via');
      port = p;
      i = pe;
    }
    const params: Params = new Map();
    i = genericParamsAt(s, i, end, params, 'Via');
    out.push(new Via({ protocol, transport, host, port, params }));
    if (i >= end) return;
    if (s.charCodeAt(i) !== COMMA) throw new MessageParseError('invalid character in Via');
    i++;
  }
}

/** SWS "/" SWS after s[i]; returns the index after it. */
function slash(s: string, i: number, end: number): number {
  i = skipWs(s, i, end);
  if (i >= end || s.charCodeAt(i) !== SLASH) throw new MessageParseError('invalid sent-protocol in Via');
  return skipWs(s, i + 1, end);
}

/** protocol-name "/" protocol-version, "SIP/2.0" without allocation in the usual case. */
function sentProtocol(s: string, ns: number, ne: number, vs: number, ve: number): string {
  if (
    ne - ns === 3 &&
    ve - vs === 3 &&
    (s.charCodeAt(ns) | 0x20) === 0x73 &&
    (s.charCodeAt(ns + 1) | 0x20) === 0x69 &&
    (s.charCodeAt(ns + 2) | 0x20) === 0x70 &&
    s.charCodeAt(vs) === 0x32 &&
    s.charCodeAt(vs + 1) === 0x2e &&
    s.charCodeAt(vs + 2) === 0x30
  ) {
    return 'SIP/2.0';
  }
  return `${s.slice(ns, ne)}/${s.slice(vs, ve)}`;
}

/** The transport in capitals; the usual ones without allocation. */
function transportOf(s: string, start: number, end: number): string {
  const n = end - start;
  const a = s.charCodeAt(start) | 0x20;
  const b = s.charCodeAt(start + 1) | 0x20;
  if (n === 3) {
    const c = s.charCodeAt(start + 2) | 0x20;
    if (a === 0x75 && b === 0x64 && c === 0x70) return 'UDP';
    if (a === 0x74 && b === 0x63 && c === 0x70) return 'TCP';
    if (a === 0x74 && b === 0x6c && c === 0x73) return 'TLS';
    if (a === 0x77 && b === 0x73 && c === 0x73) return 'WSS';
  } else if (n === 2 && a === 0x77 && b === 0x73) return 'WS';
  return s.slice(start, end).toUpperCase();
}

/** Parses a Via header value (one or more via-parms). */
export function parseVia(s: string): Via[] {
  const out: Via[] = [];
  viaListAt(s, 0, trimEnd(s, 0, s.length), out);
  return out;
}
