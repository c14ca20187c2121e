/**
 * The SDP model (RFC 4566). Every line the parser reads lands in a field, so that
 * `serializeSdp(parseSdp(x))` gives back the same lines in the RFC 4566 5 order. Lines of a
 * type letter RFC 4566 does not define are kept in `extraLines` and written just before the
 * section's attributes.
 */

/** The o= line (RFC 4566 5.2). Id and version stay text: they may exceed 2^53. */
export interface Origin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  /** As received; some agents (SIPp) write IPv6 here in brackets. */
  address: string;
}

/** A c= line (RFC 4566 5.7); `ttl` and `count` only for multicast. */
export interface Connection {
  netType: string;
  /** `IP4` or `IP6` (or whatever the peer wrote). */
  addrType: string;
  address: string;
  ttl?: number;
  count?: number;
}

/** A b= line (RFC 4566 5.8). */
export interface Bandwidth {
  type: string;
  value: number;
}

/** A t= line with the r= lines that follow it (RFC 4566 5.9, 5.10). */
export interface Timing {
  start: number;
  stop: number;
  repeats: string[];
}

/** An a= line: `value` is undefined for a property attribute such as `a=sendrecv` (RFC 4566 5.13). */
export interface Attribute {
  name: string;
  value?: string;
}

/** A line of a type letter RFC 4566 does not define, kept verbatim. */
export interface ExtraLine {
  type: string;
  value: string;
}

/** An m= section (RFC 4566 5.14) with its own i=, c=, b=, k= and a= lines. */
export interface MediaDescription {
  /** `audio`, `video`, `application` ... */
  type: string;
  port: number;
  portCount?: number;
  /** `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF` ... */
  protocol: string;
  /** The fmt list as written; payload type numbers for RTP. */
  formats: string[];
  information?: string;
  connection?: Connection;
  bandwidths: Bandwidth[];
  key?: string;
  extraLines: ExtraLine[];
  attributes: Attribute[];
}

export interface SessionDescription {
  /** v= (always 0). */
  version: number;
  origin: Origin;
  /** s=; `-` when the session has no name. */
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: Connection;
  bandwidths: Bandwidth[];
  timings: Timing[];
  /** z= as written. */
  timeZones?: string;
  key?: string;
  extraLines: ExtraLine[];
  attributes: Attribute[];
  media: MediaDescription[];
}

/** A media section with empty lists, for building descriptions by hand. */
export function createMediaDescription(
  init: Pick<MediaDescription, 'type' | 'port' | 'protocol' | 'formats'> & Partial<MediaDescription>,
): MediaDescription {
  return { bandwidths: [], extraLines: [], attributes: [], ...init };
}

/** A session with `t=0 0` and empty lists, for building descriptions by hand. */
export function createSessionDescription(
  init: Pick<SessionDescription, 'origin'> & Partial<SessionDescription>,
): SessionDescription {
  return {
    version: 0,
    sessionName: '-',
    emails: [],
    phones: [],
    bandwidths: [],
    timings: [{ start: 0, stop: 0, repeats: [] }],
    extraLines: [],
    attributes: [],
    media: [],
    ...init,
  };
}

/** The connection a media section uses: its own c= or else the session's (RFC 4566 5.7). */
export function connectionOf(sdp: SessionDescription, media: MediaDescription): Connection | undefined {
  return media.connection ?? sdp.connection;
}

/** `IP6` for an address with a colon, else `IP4`. */
export function addrTypeOf(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}
