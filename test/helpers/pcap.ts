import { readFileSync } from 'node:fs';

/**
 * A small reader of classic libpcap files (not pcapng) for tests: both byte orders, micro-
 * and nanosecond timestamps, link types Ethernet (1, with 802.1Q tags), Linux cooked SLL
 * (113), raw IP (101) and BSD loopback/null (0). It returns the UDP datagrams over IPv4 and
 * IPv6; fragmented IPv4 datagrams and other protocols are skipped.
 */
export interface UdpPacket {
  /** Capture time in ms since the epoch. */
  tsMs: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  payload: Buffer;
}

const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_SLL = 113;

export function readPcapFile(path: string): UdpPacket[] {
  return parsePcap(readFileSync(path));
}

export function parsePcap(buf: Buffer): UdpPacket[] {
  if (buf.length < 24) throw new Error('pcap: file shorter than its global header');
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) {
      throw new Error(`pcap: unknown magic 0x${magicLE.toString(16)} (pcapng is not supported)`);
    }
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const linkType = u32(20) & 0x0fffffff; // the top bits may carry FCS information
  if (![LINK_NULL, LINK_ETHERNET, LINK_RAW, LINK_SLL].includes(linkType)) {
    throw new Error(`pcap: unsupported link type ${linkType}`);
  }
  const out: UdpPacket[] = [];
  let at = 24;
  while (at + 16 <= buf.length) {
    const sec = u32(at);
    const frac = u32(at + 4);
    const inclLen = u32(at + 8);
    const start = at + 16;
    const end = start + inclLen;
    if (end > buf.length) break; // truncated last record
    at = end;
    const tsMs = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    const ip = linkPayload(buf.subarray(start, end), linkType);
    if (!ip) continue;
    const udp = ipUdp(ip);
    if (udp) out.push({ tsMs, ...udp });
  }
  return out;
}

/** The IP packet inside one captured frame, or null when it carries something else. */
function linkPayload(frame: Buffer, linkType: number): Buffer | null {
  switch (linkType) {
    case LINK_ETHERNET: {
      let off = 12;
      if (frame.length < off + 2) return null;
      let type = frame.readUInt16BE(off);
      // 802.1Q / 802.1ad tags, possibly stacked.
      while ((type === 0x8100 || type === 0x88a8) && frame.length >= off + 6) {
        off += 4;
        type = frame.readUInt16BE(off);
      }
      return type === 0x0800 || type === 0x86dd ? frame.subarray(off + 2) : null;
    }
    case LINK_SLL: {
      if (frame.length < 16) return null;
      const type = frame.readUInt16BE(14);
      return type === 0x0800 || type === 0x86dd ? frame.subarray(16) : null;
    }
    case LINK_NULL:
      // The 4-byte address family is in the capturing host's byte order and its IPv6
      // value differs between systems: look at the IP version nibble instead.
      return frame.length > 4 ? frame.subarray(4) : null;
    default:
      return frame; // LINK_RAW
  }
}

function ipUdp(ip: Buffer): Omit<UdpPacket, 'tsMs'> | null {
  if (ip.length < 1) return null;
  const version = ip[0] >> 4;
  if (version === 4) {
    const ihl = (ip[0] & 0x0f) * 4;
    if (ihl < 20 || ip.length < ihl) return null;
    const flagsFrag = ip.readUInt16BE(6);
    if ((flagsFrag & 0x3fff) !== 0) return null; // a fragment: More Fragments or an offset
    if (ip[9] !== 17) return null;
    const total = Math.min(ip.readUInt16BE(2), ip.length); // cuts Ethernet padding
    const src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    const dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    return udp(ip.subarray(ihl, total), src, dst);
  }
  if (version === 6) {
    if (ip.length < 40) return null;
    const end = Math.min(40 + ip.readUInt16BE(4), ip.length);
    let next = ip[6];
    let off = 40;
    // Walk the extension headers that may precede UDP: hop-by-hop, routing, destination options.
    while ((next === 0 || next === 43 || next === 60) && off + 8 <= end) {
      const len = (ip[off + 1] + 1) * 8;
      next = ip[off];
      off += len;
    }
    if (next !== 17 || off > end) return null; // fragments (44) and other protocols are skipped
    return udp(ip.subarray(off, end), ipv6Text(ip.subarray(8, 24)), ipv6Text(ip.subarray(24, 40)));
  }
  return null;
}

function udp(seg: Buffer, src: string, dst: string): Omit<UdpPacket, 'tsMs'> | null {
  if (seg.length < 8) return null;
  const len = seg.readUInt16BE(4);
  const payloadEnd = len >= 8 && len <= seg.length ? len : seg.length;
  return {
    src,
    sport: seg.readUInt16BE(0),
    dst,
    dport: seg.readUInt16BE(2),
    payload: Buffer.from(seg.subarray(8, payloadEnd)),
  };
}

/** RFC 5952 text: lower case, the longest run (2 or more) of zero groups as "::". */
function ipv6Text(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** An RTP packet's header fields (RFC 3550 5.1) and its payload without CSRCs, extension and padding. */
export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Null when the datagram is not RTP version 2 or its lengths do not add up. */
export function parseRtp(data: Buffer): RtpPacket | null {
  if (data.length < 12 || data[0] >> 6 !== 2) return null;
  let off = 12 + (data[0] & 0x0f) * 4;
  if ((data[0] & 0x10) !== 0) {
    if (data.length < off + 4) return null;
    off += 4 + data.readUInt16BE(off + 2) * 4;
  }
  let end = data.length;
  if ((data[0] & 0x20) !== 0) end -= data[data.length - 1];
  if (off > end) return null;
  return {
    marker: (data[1] & 0x80) !== 0,
    payloadType: data[1] & 0x7f,
    seq: data.readUInt16BE(2),
    timestamp: data.readUInt32BE(4),
    ssrc: data.readUInt32BE(8),
    payload: data.subarray(off, end),
  };
}
