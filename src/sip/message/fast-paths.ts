import { Kind } from './header-table.ts';
import { GVALUE, HOST, PARAM, regexClass, TOKEN, USER } from './scanner.ts';
import type { Source } from './source.ts';

// The usual shapes of Via and name-addr values, as sticky regular expressions: V8 runs one
// as native code, several times faster than the same checks step by step in JavaScript.
// Each accepts a subset of what the hand-written scanner accepts (the character classes
// are the scanner's own, from regexClass()): no LWS but the one SP that the shape needs, no
// IPv6, no URI headers, a port within 0..65535. A value it does not match entirely goes to
// the scanner, which decides and names the defect; the objects are always built by the
// scanner. test/unit/sip/message/fast-paths.test.ts checks the subset on random values.

const TOKEN_C = regexClass(TOKEN);
const HOST_C = regexClass(HOST);
const PARAM_C = regexClass(PARAM);
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|\\d{1,4})';
/** quoted-string: qdtext or quoted-pair, neither holding CR or LF (RFC 3261 25.1). */
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\[^\\r\\n])*"';
/** *( SEMI generic-param ) without LWS. */
const PARAMS = `(?:;${TOKEN_C}+(?:=(?:${regexClass(GVALUE)}+|${QUOTED}))?)*`;
/** A sip or sips URI: [ user "@" ] host [ ":" port ] *( ";" uri-parameter ). */
const SIP_URI = `sips?:(?:${regexClass(USER)}+@)?${HOST_C}+(?::${PORT})?(?:;${PARAM_C}+(?:=${PARAM_C}+)?)*`;
/** [ display-name ] "<" sip-URI ">": a quoted or token display name, then one SP. */
const NAME_ADDR = `(?:${QUOTED} ?|${TOKEN_C}+(?: ${TOKEN_C}+)* )?<${SIP_URI}>`;

const VIA = new RegExp(`SIP/2\\.0/${TOKEN_C}+ ${HOST_C}+(?::${PORT})?${PARAMS}`, 'y');
const NAME_ADDR_PARAMS = new RegExp(`${NAME_ADDR}${PARAMS}`, 'y');
// A Contact's expires parameter has a range to check (header-fields.ts): none here.
const NAME_ADDR_ONLY = new RegExp(NAME_ADDR, 'y');

/**
 * Where a value of the usual shape for a header of `kind` (Via, From, To, Contact, Route,
 * Record-Route) that starts at `start` stops, or -1. The caller then checks that its line
 * ends right there, so that the match is the whole value.
 */
export function usualValueEnd(kind: Kind, src: Source, start: number): number {
  const re = kind === Kind.Via ? VIA : kind === Kind.Contact ? NAME_ADDR_ONLY : NAME_ADDR_PARAMS;
  re.lastIndex = start;
  return re.test(src.s) ? re.lastIndex : -1;
}

/** The patterns, for the tests that check them against the scanner. */
export const USUAL_SHAPES = {
  via: VIA.source,
  nameAddr: NAME_ADDR_PARAMS.source,
  bareNameAddr: NAME_ADDR,
};

function whole(re: RegExp, src: Source, start: number, end: number): boolean {
  re.lastIndex = start;
  return re.test(src.s) && re.lastIndex === end;
}

/** Whether [start, end) of `src` is one via-parm of the usual shape, which viaListAt() accepts. */
export function isUsualVia(src: Source, start: number, end: number): boolean {
  return whole(VIA, src, start, end);
}

/** Whether [start, end) is one name-addr with parameters of the usual shape, which nameAddrAt() accepts. */
export function isUsualNameAddr(src: Source, start: number, end: number): boolean {
  return whole(NAME_ADDR_PARAMS, src, start, end);
}

/** The same without header parameters (a Contact, whose expires would need a check). */
export function isUsualBareNameAddr(src: Source, start: number, end: number): boolean {
  return whole(NAME_ADDR_ONLY, src, start, end);
}
