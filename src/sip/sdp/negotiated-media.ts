import { SipError } from '../errors.ts';
import { type Direction, directionOf, type RtpMap, rtcpOf } from './media-attributes.ts';
import {
  type Attribute,
  addrTypeOf,
  connectionOf,
  createMediaDescription,
  createSessionDescription,
  type MediaDescription,
  type SessionDescription,
} from './session-description.ts';

export type G711Codec = 'PCMU' | 'PCMA';

/** What our media endpoint can do, and where it listens. */
export interface MediaCapabilities {
  /** The address written into c= (and o=). */
  address: string;
  /** Our RTP port. */
  port: number;
  /** In our order of preference (used when we offer). */
  codecs: G711Codec[];
  telephoneEvent: boolean;
  /** The packetization we ask to receive (a=ptime); 20 when absent. */
  ptime?: number;
  /** The direction we want from our side; sendrecv when absent, sendonly/inactive to hold (RFC 3264 8.4). */
  direction?: Direction;
  /** Whether we accept (answer) or ask for (offer) RTP/RTCP multiplexing, RFC 5761; true when absent. */
  rtcpMux?: boolean;
}

/** Where to send media to the peer. */
export interface RemoteEndpoint {
  address: string;
  port: number;
  /** a=rtcp (RFC 3605) if given, the RTP port under rtcp-mux, else port + 1 (RFC 3550 11). */
  rtcpPort: number;
  rtcpAddress: string;
  rtcpMux: boolean;
}

/** The outcome of one offer/answer exchange for the audio stream. */
export interface NegotiatedMedia {
  remote: RemoteEndpoint;
  /** The payload type we send with (the number the peer expects to receive). */
  payloadType: number;
  codec: G711Codec;
  clockRate: 8000;
  /** The telephone-event payload type we send DTMF with, when both sides support it. */
  telephoneEventPt?: number;
  /** Packetization to send in ms: what the peer asked for with a=ptime, else ours. */
  ptime: number;
  /** Our direction as seen from us: the peer's sendonly makes us recvonly. */
  direction: Direction;
  /** The offer of this exchange put the stream on hold (RFC 3264 8.4: sendonly, inactive or c=0.0.0.0). */
  hold: boolean;
  /** Index of the m= line that carries the audio. */
  mediaIndex: number;
}

export const DEFAULT_PTIME = 20;
export const DEFAULT_TELEPHONE_EVENT_PT = 101;

/** RFC 3551 static payload types of the codecs we serve. */
export const STATIC_PT: Record<G711Codec, number> = { PCMU: 0, PCMA: 8 };

/** The first payload type of `maps` that is PCMU or PCMA at 8000 Hz mono and in `allowed`. */
export function pickG711(maps: readonly RtpMap[], allowed: readonly G711Codec[]): RtpMap | undefined {
  for (const m of maps) {
    const codec = m.encoding.toUpperCase();
    if ((codec === 'PCMU' || codec === 'PCMA') && allowed.includes(codec)) {
      if (m.clockRate === 8000 && (m.channels ?? 1) === 1) return m;
    }
  }
  return undefined;
}

/** RFC 4733 telephone-event, accepted only at 8000 Hz: the rate of our audio codecs. */
export function pickTelephoneEvent(maps: readonly RtpMap[]): RtpMap | undefined {
  for (const m of maps) {
    if (m.clockRate === 8000 && m.encoding.toLowerCase() === 'telephone-event') return m;
  }
  return undefined;
}

/** Why an m= line is not an RTP/AVP audio stream we could serve; undefined when it is. */
export function unservableReason(media: MediaDescription): string | undefined {
  if (media.type.toLowerCase() !== 'audio') return `media type ${media.type}`;
  if (media.port === 0) return 'disabled (port 0)';
  // RFC 3264 6: the answer keeps the offer's transport; we only do plain RTP/AVP.
  if (media.protocol.toUpperCase() !== 'RTP/AVP') return `protocol ${media.protocol}`;
  return undefined;
}

/** The peer's RTP and RTCP addresses for one media section, or a reason it has none. */
export function remoteEndpointOf(
  sdp: SessionDescription,
  media: MediaDescription,
  rtcpMux: boolean,
): RemoteEndpoint | string {
  const c = connectionOf(sdp, media);
  if (!c) return 'no c= line';
  if (c.netType.toUpperCase() !== 'IN') return `network type ${c.netType}`;
  const address = unbracket(c.address);
  const rtcp = rtcpOf(media);
  const rtcpPort = rtcpMux ? media.port : (rtcp?.port ?? media.port + 1);
  return { address, port: media.port, rtcpPort, rtcpAddress: rtcp?.address ?? address, rtcpMux };
}

/** RFC 3264 8.4: c=0.0.0.0, the RFC 2543 way to hold; no RTP or RTCP goes to such a peer. */
export function isNullAddress(address: string): boolean {
  return address === '0.0.0.0';
}

/** Whether an offered stream asks for hold (RFC 3264 8.4): sendonly, inactive, or c=0.0.0.0. */
export function offersHold(sdp: SessionDescription, media: MediaDescription): boolean {
  const dir = directionOf(sdp, media);
  if (dir === 'sendonly' || dir === 'inactive') return true;
  const c = connectionOf(sdp, media);
  return c !== undefined && isNullAddress(c.address);
}

/** The audio section we write in an offer or answer. */
export function audioSection(
  caps: MediaCapabilities,
  formats: { pt: number; codec: string }[],
  tePt: number | undefined,
  direction: Direction,
  rtcpMux: boolean,
): MediaDescription {
  const attributes: Attribute[] = [];
  for (const f of formats) attributes.push({ name: 'rtpmap', value: `${f.pt} ${f.codec}/8000` });
  if (tePt !== undefined) {
    attributes.push({ name: 'rtpmap', value: `${tePt} telephone-event/8000` });
    attributes.push({ name: 'fmtp', value: `${tePt} 0-15` });
  }
  attributes.push({ name: 'ptime', value: String(caps.ptime ?? DEFAULT_PTIME) });
  if (rtcpMux) attributes.push({ name: 'rtcp-mux' });
  attributes.push({ name: direction });
  const pts = formats.map((f) => String(f.pt));
  if (tePt !== undefined) pts.push(String(tePt));
  return createMediaDescription({
    type: 'audio',
    port: caps.port,
    protocol: 'RTP/AVP',
    formats: pts,
    attributes,
  });
}

/**
 * A session of ours with c= at session level. The o= line is a placeholder that
 * LocalSdpSession replaces; `s=-` as RFC 3264 5 suggests.
 */
export function localSession(caps: MediaCapabilities): SessionDescription {
  const addrType = addrTypeOf(caps.address);
  return createSessionDescription({
    origin: {
      username: '-',
      sessionId: '0',
      sessionVersion: '0',
      netType: 'IN',
      addrType,
      address: caps.address,
    },
    connection: { netType: 'IN', addrType, address: caps.address },
  });
}

export function notAcceptable(message: string): SipError {
  return new SipError('REJECTED', message, 488);
}

function unbracket(address: string): string {
  return address.length > 2 && address[0] === '[' && address[address.length - 1] === ']'
    ? address.slice(1, -1)
    : address;
}
