/**
 * RTP fixed header, RFC 3550 5.1. Parsing fills a caller-owned object so the receive path
 * allocates nothing per packet; the payload stays a view into the datagram.
 */
export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload in the datagram (after CSRCs and the extension). */
  payloadOffset: number;
  /** Payload bytes, padding excluded. */
  payloadLength: number;
}

export const RTP_HEADER_BYTES = 12;

export function createRtpHeader(): RtpHeader {
  return {
    marker: false,
    payloadType: 0,
    sequence: 0,
    timestamp: 0,
    ssrc: 0,
    payloadOffset: 0,
    payloadLength: 0,
  };
}

/** Reads the header of `buf` into `out`; false when it is not a valid RTP version 2 packet. */
export function readRtpHeader(buf: Uint8Array, out: RtpHeader): boolean {
  const len = buf.length;
  if (len < RTP_HEADER_BYTES) return false;
  const b0 = buf[0] as number;
  if (b0 >> 6 !== 2) return false;
  const b1 = buf[1] as number;
  let offset = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    // Header extension, 5.3.1: 16-bit profile, 16-bit length in words.
    if (offset + 4 > len) return false;
    offset += 4 + (((buf[offset + 2] as number) << 8) | (buf[offset + 3] as number)) * 4;
  }
  let end = len;
  if (b0 & 0x20) {
    // Padding, 5.1: the last octet counts the padding octets, itself included.
    const pad = buf[len - 1] as number;
    if (pad === 0) return false;
    end -= pad;
  }
  if (offset > end) return false;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequence = ((buf[2] as number) << 8) | (buf[3] as number);
  out.timestamp =
    (((buf[4] as number) << 24) |
      ((buf[5] as number) << 16) |
      ((buf[6] as number) << 8) |
      (buf[7] as number)) >>>
    0;
  out.ssrc =
    (((buf[8] as number) << 24) |
      ((buf[9] as number) << 16) |
      ((buf[10] as number) << 8) |
      (buf[11] as number)) >>>
    0;
  out.payloadOffset = offset;
  out.payloadLength = end - offset;
  return true;
}

/** Writes a 12-byte header (no CSRC, no extension, no padding) at the start of `out`. */
export function writeRtpHeader(
  out: Uint8Array,
  marker: boolean,
  payloadType: number,
  sequence: number,
  timestamp: number,
  ssrc: number,
): void {
  out[0] = 0x80;
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  out[2] = (sequence >>> 8) & 0xff;
  out[3] = sequence & 0xff;
  out[4] = (timestamp >>> 24) & 0xff;
  out[5] = (timestamp >>> 16) & 0xff;
  out[6] = (timestamp >>> 8) & 0xff;
  out[7] = timestamp & 0xff;
  out[8] = (ssrc >>> 24) & 0xff;
  out[9] = (ssrc >>> 16) & 0xff;
  out[10] = (ssrc >>> 8) & 0xff;
  out[11] = ssrc & 0xff;
}

/** A random 32-bit value, for SSRCs and initial sequence numbers/timestamps (RFC 3550 5.1, 8.1). */
export function random32(): number {
  return (Math.random() * 0x100000000) >>> 0;
}
