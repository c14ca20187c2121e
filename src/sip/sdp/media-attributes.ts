import type { Attribute, MediaDescription, SessionDescription } from './session-description.ts';

/** RFC 4566 6 / RFC 3264 5.1 media direction, as seen by the agent that wrote the SDP. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One payload type of an RTP media section: from its a=rtpmap, or the RFC 3551 static table. */
export interface RtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels?: number;
}

/** RFC 3551 6, table 4: audio payload types that need no rtpmap. */
const STATIC_AUDIO: Record<number, [string, number, number?]> = {
  0: ['PCMU', 8000],
  3: ['GSM', 8000],
  4: ['G723', 8000],
  5: ['DVI4', 8000],
  6: ['DVI4', 16000],
  7: ['LPC', 8000],
  8: ['PCMA', 8000],
  9: ['G722', 8000],
  10: ['L16', 44100, 2],
  11: ['L16', 44100],
  12: ['QCELP', 8000],
  13: ['CN', 8000],
  14: ['MPA', 90000],
  15: ['G728', 8000],
  16: ['DVI4', 11025],
  17: ['DVI4', 22050],
  18: ['G729', 8000],
};

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** The first attribute named `name` (given in lower case; names compared case-insensitively). */
export function findAttribute(attrs: readonly Attribute[], name: string): Attribute | undefined {
  for (const a of attrs) if (a.name === name || a.name.toLowerCase() === name) return a;
  return undefined;
}

/**
 * The payload types of the m= line, in the order listed, each resolved through its
 * a=rtpmap (RFC 4566 6) or, for a static type without one, RFC 3551's table. A format
 * that is neither (a dynamic type without rtpmap, or not a number) is left out.
 */
export function rtpMapsOf(media: MediaDescription): RtpMap[] {
  const declared = new Map<number, RtpMap>();
  for (const a of media.attributes) {
    if (a.value === undefined || a.name.toLowerCase() !== 'rtpmap') continue;
    const map = parseRtpMap(a.value);
    if (map && !declared.has(map.payloadType)) declared.set(map.payloadType, map);
  }
  const out: RtpMap[] = [];
  for (const f of media.formats) {
    const pt = payloadTypeNumber(f);
    if (pt === undefined) continue;
    const map = declared.get(pt);
    if (map) out.push(map);
    else {
      const known = STATIC_AUDIO[pt];
      if (known) out.push({ payloadType: pt, encoding: known[0], clockRate: known[1], channels: known[2] });
    }
  }
  return out;
}

/** `<pt> <encoding>/<clock>[/<channels>]`; undefined when malformed. */
export function parseRtpMap(value: string): RtpMap | undefined {
  const sp = value.indexOf(' ');
  if (sp <= 0) return undefined;
  const payloadType = payloadTypeNumber(value.slice(0, sp));
  const parts = value
    .slice(sp + 1)
    .trim()
    .split('/');
  if (payloadType === undefined || parts.length < 2 || parts.length > 3 || parts[0] === '') return undefined;
  const clockRate = Number(parts[1]);
  if (!Number.isInteger(clockRate) || clockRate <= 0) return undefined;
  const map: RtpMap = { payloadType, encoding: parts[0], clockRate };
  if (parts.length === 3) {
    const channels = Number(parts[2]);
    if (!Number.isInteger(channels) || channels <= 0) return undefined;
    map.channels = channels;
  }
  return map;
}

/** The a=fmtp parameters of one payload type, e.g. `0-15` for telephone-event. */
export function fmtpOf(media: MediaDescription, payloadType: number): string | undefined {
  const prefix = `${payloadType} `;
  for (const a of media.attributes) {
    if (a.value !== undefined && a.name.toLowerCase() === 'fmtp' && a.value.startsWith(prefix)) {
      return a.value.slice(prefix.length).trim();
    }
  }
  return undefined;
}

/** a=ptime in ms (RFC 4566 6), media level first, then session level as some agents write it. */
export function ptimeOf(media: MediaDescription, sdp?: SessionDescription): number | undefined {
  const a = findAttribute(media.attributes, 'ptime') ?? (sdp && findAttribute(sdp.attributes, 'ptime'));
  if (a?.value === undefined) return undefined;
  const ms = Number(a.value.trim());
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** The direction of a stream: media-level attribute, else session-level, else sendrecv (RFC 3264 5.1). */
export function directionOf(sdp: SessionDescription, media: MediaDescription): Direction {
  return directionIn(media.attributes) ?? directionIn(sdp.attributes) ?? 'sendrecv';
}

function directionIn(attrs: readonly Attribute[]): Direction | undefined {
  for (const a of attrs) {
    if (a.value !== undefined) continue;
    const name = a.name.toLowerCase();
    if (DIRECTIONS.has(name)) return name as Direction;
  }
  return undefined;
}

/** Replaces any direction attribute of the list by `dir`. */
export function setDirection(attrs: Attribute[], dir: Direction): void {
  for (let i = attrs.length - 1; i >= 0; i--) {
    if (attrs[i].value === undefined && DIRECTIONS.has(attrs[i].name.toLowerCase())) attrs.splice(i, 1);
  }
  attrs.push({ name: dir });
}

/** RFC 5761 5.1.1: a=rtcp-mux. */
export function hasRtcpMux(media: MediaDescription): boolean {
  return findAttribute(media.attributes, 'rtcp-mux') !== undefined;
}

/** RFC 3605: `a=rtcp:<port> [IN IP4 <address>]`; undefined when absent or malformed. */
export function rtcpOf(media: MediaDescription): { port: number; address?: string } | undefined {
  const a = findAttribute(media.attributes, 'rtcp');
  if (a?.value === undefined) return undefined;
  const f = a.value.trim().split(/\s+/);
  const port = Number(f[0]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return f.length >= 4 ? { port, address: f[3] } : { port };
}

/** What the peer's direction means for us: its sendonly is our recvonly (RFC 3264 6.1). */
export function reverseDirection(dir: Direction): Direction {
  if (dir === 'sendonly') return 'recvonly';
  if (dir === 'recvonly') return 'sendonly';
  return dir;
}

/** The directions both allow: we send only if both say so for our side, likewise receive. */
export function intersectDirections(a: Direction, b: Direction): Direction {
  return toDirection(canSend(a) && canSend(b), canReceive(a) && canReceive(b));
}

export function canSend(dir: Direction): boolean {
  return dir === 'sendrecv' || dir === 'sendonly';
}

export function canReceive(dir: Direction): boolean {
  return dir === 'sendrecv' || dir === 'recvonly';
}

export function toDirection(send: boolean, receive: boolean): Direction {
  if (send) return receive ? 'sendrecv' : 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}

function payloadTypeNumber(s: string): number | undefined {
  if (s.length === 0 || s.length > 3) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n <= 127 ? n : undefined;
}
