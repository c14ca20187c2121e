import { SipError } from '../errors.ts';
import type {
  Attribute,
  Bandwidth,
  Connection,
  MediaDescription,
  Origin,
  SessionDescription,
  Timing,
} from './session-description.ts';

/**
 * Parses an SDP body (RFC 4566). Lines may end in CRLF or LF (5: "parsers SHOULD be
 * tolerant"); blank lines are skipped. Liberal where real agents differ from the grammar:
 * s= and t= may be missing, an m= line may list no formats, and lines of unknown type are
 * kept rather than refused. Throws a SipError with code `PARSE` (status 400) naming the
 * offending line otherwise.
 */
export function parseSdp(input: string | Buffer): SessionDescription {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const lines = text.split('\n');
  let sdp: SessionDescription | undefined;
  let media: MediaDescription | undefined;
  let lastTiming: Timing | undefined;
  let sawName = false;

  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);
    if (line.length === 0) continue;
    const n = i + 1;
    const type = line[0];
    if (line.length < 2 || line.charCodeAt(1) !== 0x3d || !isLowerAlpha(line.charCodeAt(0))) {
      fail(n, `expected "<type>=<value>", got ${quoteLine(line)}`);
    }
    const value = line.slice(2);

    if (!sdp) {
      if (type !== 'v') fail(n, 'the description must start with v=');
      if (value !== '0') fail(n, `unsupported version v=${value}`);
      sdp = emptySession();
      continue;
    }

    if (media) {
      switch (type) {
        case 'm':
          media = parseMedia(value, n);
          sdp.media.push(media);
          break;
        case 'i':
          if (media.information !== undefined) fail(n, 'second i= line in a media section');
          media.information = value;
          break;
        case 'c':
          if (media.connection) fail(n, 'second c= line in a media section');
          media.connection = parseConnection(value, n);
          break;
        case 'b':
          media.bandwidths.push(parseBandwidth(value, n));
          break;
        case 'k':
          media.key = value;
          break;
        case 'a':
          media.attributes.push(parseAttribute(value));
          break;
        case 'v':
        case 'o':
        case 's':
        case 'u':
        case 'e':
        case 'p':
        case 't':
        case 'r':
        case 'z':
          fail(n, `${type}= is a session-level line but appears in media section ${sdp.media.length}`);
          break;
        default:
          media.extraLines.push({ type, value });
      }
      continue;
    }

    switch (type) {
      case 'v':
        fail(n, 'second v= line');
        break;
      case 'o':
        if (sdp.origin.username !== '') fail(n, 'second o= line');
        sdp.origin = parseOrigin(value, n);
        break;
      case 's':
        if (sawName) fail(n, 'second s= line');
        sawName = true;
        sdp.sessionName = value;
        break;
      case 'i':
        if (sdp.information !== undefined) fail(n, 'second i= line');
        sdp.information = value;
        break;
      case 'u':
        sdp.uri = value;
        break;
      case 'e':
        sdp.emails.push(value);
        break;
      case 'p':
        sdp.phones.push(value);
        break;
      case 'c':
        if (sdp.connection) fail(n, 'second session-level c= line');
        sdp.connection = parseConnection(value, n);
        break;
      case 'b':
        sdp.bandwidths.push(parseBandwidth(value, n));
        break;
      case 't':
        lastTiming = parseTiming(value, n);
        sdp.timings.push(lastTiming);
        break;
      case 'r':
        if (!lastTiming) fail(n, 'r= line without a preceding t= line');
        lastTiming.repeats.push(value);
        break;
      case 'z':
        sdp.timeZones = value;
        break;
      case 'k':
        sdp.key = value;
        break;
      case 'a':
        sdp.attributes.push(parseAttribute(value));
        break;
      case 'm':
        if (sdp.origin.username === '') fail(n, 'm= line before the o= line');
        media = parseMedia(value, n);
        sdp.media.push(media);
        break;
      default:
        sdp.extraLines.push({ type, value });
    }
  }

  if (!sdp) throw new SipError('PARSE', 'SDP: empty description', 400);
  if (sdp.origin.username === '') throw new SipError('PARSE', 'SDP: no o= line', 400);
  return sdp;
}

function emptySession(): SessionDescription {
  return {
    version: 0,
    origin: { username: '', sessionId: '', sessionVersion: '', netType: '', addrType: '', address: '' },
    sessionName: '-',
    emails: [],
    phones: [],
    bandwidths: [],
    timings: [],
    extraLines: [],
    attributes: [],
    media: [],
  };
}

function parseOrigin(value: string, n: number): Origin {
  const f = fields(value);
  if (f.length !== 6)
    fail(n, `o= needs 6 fields (username sess-id sess-version nettype addrtype address), got ${f.length}`);
  if (f[0] === '') fail(n, 'o= with an empty username');
  return {
    username: f[0],
    sessionId: f[1],
    sessionVersion: f[2],
    netType: f[3],
    addrType: f[4],
    address: f[5],
  };
}

function parseConnection(value: string, n: number): Connection {
  const f = fields(value);
  if (f.length !== 3) fail(n, `c= needs 3 fields (nettype addrtype address), got ${f.length}`);
  const [netType, addrType, spec] = f;
  const parts = spec.split('/');
  if (parts[0] === '' || parts.length > 3) fail(n, `bad connection address ${quoteLine(spec)}`);
  const c: Connection = { netType, addrType, address: parts[0] };
  // RFC 4566 5.7: IP4 multicast is addr/ttl[/count]; IP6 has no TTL, only addr[/count].
  if (addrType.toUpperCase() === 'IP6') {
    if (parts.length > 2) fail(n, `bad IP6 connection address ${quoteLine(spec)}`);
    if (parts.length === 2) c.count = integer(parts[1], n, 'address count');
  } else {
    if (parts.length >= 2) c.ttl = integer(parts[1], n, 'TTL');
    if (parts.length === 3) c.count = integer(parts[2], n, 'address count');
  }
  return c;
}

function parseBandwidth(value: string, n: number): Bandwidth {
  const colon = value.indexOf(':');
  if (colon <= 0) fail(n, `b= must be <bwtype>:<bandwidth>, got ${quoteLine(value)}`);
  return { type: value.slice(0, colon), value: integer(value.slice(colon + 1), n, 'bandwidth') };
}

function parseTiming(value: string, n: number): Timing {
  const f = fields(value);
  if (f.length !== 2) fail(n, `t= needs 2 fields (start stop), got ${f.length}`);
  return { start: integer(f[0], n, 'start time'), stop: integer(f[1], n, 'stop time'), repeats: [] };
}

function parseMedia(value: string, n: number): MediaDescription {
  const f = fields(value);
  if (f.length < 3) fail(n, `m= needs <media> <port> <proto> <fmt ...>, got ${quoteLine(value)}`);
  const slash = f[1].indexOf('/');
  const port = integer(slash < 0 ? f[1] : f[1].slice(0, slash), n, 'port');
  if (port > 65535) fail(n, `port ${port} out of range`);
  const m: MediaDescription = {
    type: f[0],
    port,
    protocol: f[2],
    formats: f.slice(3),
    bandwidths: [],
    extraLines: [],
    attributes: [],
  };
  if (slash >= 0) m.portCount = integer(f[1].slice(slash + 1), n, 'port count');
  return m;
}

function parseAttribute(value: string): Attribute {
  const colon = value.indexOf(':');
  return colon < 0 ? { name: value } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

/** Space-separated fields; runs of spaces count as one (liberal, RFC 4566 says one). */
function fields(value: string): string[] {
  const out = value.split(' ');
  return out.includes('') ? out.filter((s) => s !== '') : out;
}

function integer(s: string, n: number, what: string): number {
  if (s.length === 0 || s.length > 20) fail(n, `bad ${what} ${quoteLine(s)}`);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) fail(n, `bad ${what} ${quoteLine(s)}`);
  }
  return Number(s);
}

function isLowerAlpha(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function quoteLine(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
}

function fail(n: number, message: string): never {
  throw new SipError('PARSE', `SDP line ${n}: ${message}`, 400);
}
