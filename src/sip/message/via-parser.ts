import type { Params } from './params.ts';
import { genericParamsAt } from './params-parser.ts';
import { MessageParseError } from './parse-error.ts';
import { digitRun, digits, HOST, skipWs, spanOf, TOKEN, trimEnd } from './scanner.ts';
import { Source } from './source.ts';
import { isIPv6 } from './uri-parser.ts';
import { Via } from './via.ts';

const SLASH = 0x2f;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/**
 * Parses the via-parms of a Via value at [start, end) of `src` into `out`, or only checks
 * them when `out` is null (RFC 3261 20.42, 25.1): `sent-protocol LWS sent-by *( SEMI
 * via-params )`, separated by commas, with the SWS that SLASH, COLON, SEMI and EQUAL allow
 * (RFC 4475 3.1.1.1). Empty elements are an error.
 */
export function viaListAt(src: Source, start: number, end: number, out: Via[] | null): void {
  const b = src.b;
  let i = start;
  for (;;) {
    i = skipWs(b, i, end);
    const ns = i;
    let ne: number;
    let vs: number;
    let ve: number;
    if (isSipSlash20(b, i, end)) {
      // The usual "SIP/2.0/" without LWS: one compare for five steps.
      ne = i + 3;
      vs = i + 4;
      ve = i + 7;
      i += 8;
    } else {
      ne = spanOf(b, i, end, TOKEN);
      if (ne === i) {
        throw new MessageParseError(i >= end || b[i] === COMMA ? 'empty Via value' : 'invalid Via');
      }
      i = slash(b, ne, end);
      ve = spanOf(b, i, end, TOKEN);
      if (ve === i) throw new MessageParseError('invalid protocol version in Via');
      vs = i;
      i = slash(b, ve, end);
    }
    const te = spanOf(b, i, end, TOKEN);
    if (te === i) throw new MessageParseError('invalid transport in Via');
    const ts = i;
    i = skipWs(b, te, end);
    let hs: number;
    let he: number;
    if (i < end && b[i] === LBRACKET) {
      let rb = i + 1;
      while (rb < end && b[rb] !== RBRACKET) rb++;
      if (rb >= end || !isIPv6(b, i + 1, rb)) throw new MessageParseError('invalid IPv6 reference in Via');
      hs = i + 1;
      he = rb;
      i = rb + 1;
    } else {
      hs = i;
      he = spanOf(b, i, end, HOST);
      if (he === i) throw new MessageParseError('missing or invalid sent-by host in Via');
      i = he;
    }
    let port: number | undefined;
    const k = skipWs(b, i, end);
    if (k < end && b[k] === COLON) {
      const ps = skipWs(b, k + 1, end);
      const pe = digitRun(b, ps, end);
      const p = digits(b, ps, pe, 65535);
      if (p < 0) throw new MessageParseError('invalid port in Via');
      port = p;
      i = pe;
    }
    if (out === null) i = genericParamsAt(src, i, end, null, 'Via');
    else {
      const params: Params = new Map();
      i = genericParamsAt(src, i, end, params, 'Via');
      const protocol = sentProtocol(src, ns, ne, vs, ve);
      const transport = transportOf(src, ts, te);
      out.push(new Via({ protocol, transport, host: src.s.slice(hs, he), port, params }));
    }
    if (i >= end) return;
    if (b[i] !== COMMA) throw new MessageParseError('invalid character in Via');
    i++;
  }
}

/** "SIP/2.0/" at b[i], followed by a transport (not by LWS). */
function isSipSlash20(b: Buffer, i: number, end: number): boolean {
  return (
    i + 8 < end &&
    b[i] === 0x53 &&
    b[i + 1] === 0x49 &&
    b[i + 2] === 0x50 &&
    b[i + 3] === SLASH &&
    b[i + 4] === 0x32 &&
    b[i + 5] === 0x2e &&
    b[i + 6] === 0x30 &&
    b[i + 7] === SLASH &&
    b[i + 8] !== 0x20 &&
    b[i + 8] !== 0x09
  );
}

/** SWS "/" SWS after s[i]; returns the index after it. */
function slash(b: Buffer, i: number, end: number): number {
  i = skipWs(b, i, end);
  if (i >= end || b[i] !== SLASH) throw new MessageParseError('invalid sent-protocol in Via');
  return skipWs(b, i + 1, end);
}

/** protocol-name "/" protocol-version, "SIP/2.0" without allocation in the usual case. */
function sentProtocol(src: Source, ns: number, ne: number, vs: number, ve: number): string {
  const b = src.b;
  if (
    ne - ns === 3 &&
    ve - vs === 3 &&
    (b[ns] | 0x20) === 0x73 &&
    (b[ns + 1] | 0x20) === 0x69 &&
    (b[ns + 2] | 0x20) === 0x70 &&
    b[vs] === 0x32 &&
    b[vs + 1] === 0x2e &&
    b[vs + 2] === 0x30
  ) {
    return 'SIP/2.0';
  }
  return `${src.s.slice(ns, ne)}/${src.s.slice(vs, ve)}`;
}

/** The transport in capitals; the usual ones without allocation. */
function transportOf(src: Source, start: number, end: number): string {
  const b = src.b;
  const n = end - start;
  const c0 = b[start] | 0x20;
  const c1 = b[start + 1] | 0x20;
  if (n === 3) {
    const c2 = b[start + 2] | 0x20;
    if (c0 === 0x75 && c1 === 0x64 && c2 === 0x70) return 'UDP';
    if (c0 === 0x74 && c1 === 0x63 && c2 === 0x70) return 'TCP';
    if (c0 === 0x74 && c1 === 0x6c && c2 === 0x73) return 'TLS';
    if (c0 === 0x77 && c1 === 0x73 && c2 === 0x73) return 'WSS';
  } else if (n === 2 && c0 === 0x77 && c1 === 0x73) return 'WS';
  return src.s.slice(start, end).toUpperCase();
}

/** Parses a Via header value (one or more via-parms). */
export function parseVia(s: string): Via[] {
  const out: Via[] = [];
  const src = Source.of(s);
  viaListAt(src, 0, trimEnd(src.b, 0, src.b.length), out);
  return out;
}
