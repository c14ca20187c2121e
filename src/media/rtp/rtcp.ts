import { msToNtp, type NtpTime } from './ntp.ts';

/**
 * RTCP packets (RFC 3550 section 6): building SR, RR, SDES (CNAME) and BYE, assembling
 * compound packets (6.1) and parsing them (validity checks of Appendix A.2).
 */

/** Categories that callers test for (`err.code`). */
export type RtcpErrorCode =
  | 'RTCP_INVALID' // malformed input, or a compound packet that breaks the 6.1 rules
  | 'RTCP_ARGUMENT'; // a builder argument RTCP cannot carry (e.g. a CNAME over 255 octets)

export class RtcpError extends Error {
  readonly code: RtcpErrorCode;

  constructor(code: RtcpErrorCode, message: string) {
    super(message);
    this.name = 'RtcpError';
    this.code = code;
  }
}

/** Packet types (RFC 3550 12.1). */
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** RC / SC is a 5-bit field (6.4.1). */
const MAX_COUNT = 31;
const SDES_END = 0;
const SDES_CNAME = 1;
const REPORT_BLOCK_SIZE = 24;

/** One reception report block (RFC 3550 6.4.1). */
export interface ReportBlock {
  /** SSRC of the source this block is about. */
  ssrc: number;
  /** Fraction lost since the previous report, 8-bit fixed point (0-255 = 0..255/256). */
  fractionLost: number;
  /** Cumulative packets lost, signed 24-bit (duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received: cycles << 16 | max seq. */
  highestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from the source, 0 if none. */
  lsr: number;
  /** Delay since that SR in 1/65536 s, 0 if none. */
  dlsr: number;
}

interface SenderInfo {
  ssrc: number;
  rtpTimestamp: number;
  /** Packets sent since the start, modulo 2^32. */
  packetCount: number;
  /** Payload octets sent since the start, modulo 2^32. */
  octetCount: number;
  reports?: readonly ReportBlock[];
}

/** The NTP time of the SR is given either as NTP words or as Unix milliseconds. */
export type SenderReportOptions = SenderInfo &
  ({ ntp: NtpTime; ntpMs?: undefined } | { ntpMs: number; ntp?: undefined });

export interface RtcpSenderReport {
  type: 'SR';
  ssrc: number;
  ntpMsw: number;
  ntpLsw: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

export interface RtcpReceiverReport {
  type: 'RR';
  ssrc: number;
  reports: ReportBlock[];
}

export interface RtcpSdesChunk {
  ssrc: number;
  /** Absent when the chunk carries no CNAME item. */
  cname?: string;
}

export interface RtcpSdes {
  type: 'SDES';
  chunks: RtcpSdesChunk[];
}

export interface RtcpBye {
  type: 'BYE';
  ssrcs: number[];
  reason?: string;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye;

const utf8 = new TextDecoder('utf-8');

/**
 * A Sender Report (6.4.1). More than 31 report blocks spill into RR packets that follow the
 * SR in the returned buffer (6.4.2), so the result may itself be a short compound.
 */
export function buildSenderReport(opts: SenderReportOptions): Buffer {
  const ntp = opts.ntp ?? msToNtp(opts.ntpMs ?? 0);
  const reports = opts.reports ?? [];
  const first = Math.min(reports.length, MAX_COUNT);
  const buf = Buffer.alloc(28 + first * REPORT_BLOCK_SIZE + spillSize(reports.length - first));
  writeHeader(buf, 0, first, RTCP_SR, 28 + first * REPORT_BLOCK_SIZE);
  buf.writeUInt32BE(opts.ssrc >>> 0, 4);
  buf.writeUInt32BE(ntp.msw >>> 0, 8);
  buf.writeUInt32BE(ntp.lsw >>> 0, 12);
  buf.writeUInt32BE(opts.rtpTimestamp >>> 0, 16);
  buf.writeUInt32BE(opts.packetCount >>> 0, 20);
  buf.writeUInt32BE(opts.octetCount >>> 0, 24);
  writeBlocks(buf, 28, reports, 0, first);
  writeSpill(buf, 28 + first * REPORT_BLOCK_SIZE, opts.ssrc, reports, first);
  return buf;
}

/** A Receiver Report (6.4.2); blocks beyond 31 go into further RR packets in the same buffer. */
export function buildReceiverReport(opts: { ssrc: number; reports?: readonly ReportBlock[] }): Buffer {
  const reports = opts.reports ?? [];
  const buf = Buffer.alloc(reports.length === 0 ? 8 : spillSize(reports.length));
  if (reports.length === 0) {
    writeHeader(buf, 0, 0, RTCP_RR, 8);
    buf.writeUInt32BE(opts.ssrc >>> 0, 4);
  }
  writeSpill(buf, 0, opts.ssrc, reports, 0);
  return buf;
}

/** An SDES packet with one chunk holding the CNAME item (6.5, 6.5.1). */
export function buildSdes(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8');
  if (text.length === 0 || text.length > 255) {
    throw new RtcpError('RTCP_ARGUMENT', `CNAME must be 1-255 octets, got ${text.length}`);
  }
  // ssrc, type, length, text, then at least one null octet up to a 32-bit boundary (6.5).
  const chunk = 4 + align4(2 + text.length + 1);
  const buf = Buffer.alloc(4 + chunk);
  writeHeader(buf, 0, 1, RTCP_SDES, buf.length);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  buf[8] = SDES_CNAME;
  buf[9] = text.length;
  text.copy(buf, 10);
  return buf;
}

/** A BYE packet (6.6) for one or more sources, with an optional reason. */
export function buildBye(ssrc: number | readonly number[], reason?: string): Buffer {
  const ssrcs = typeof ssrc === 'number' ? [ssrc] : ssrc;
  if (ssrcs.length > MAX_COUNT) throw new RtcpError('RTCP_ARGUMENT', `BYE carries at most 31 SSRCs`);
  const text = reason ? Buffer.from(reason, 'utf8') : undefined;
  if (text && text.length > 255) {
    throw new RtcpError('RTCP_ARGUMENT', `BYE reason must be at most 255 octets, got ${text.length}`);
  }
  // The reason is padded with null octets to the next 32-bit boundary (6.6).
  const size = 4 + 4 * ssrcs.length + (text ? align4(1 + text.length) : 0);
  const buf = Buffer.alloc(size);
  writeHeader(buf, 0, ssrcs.length, RTCP_BYE, size);
  for (let i = 0; i < ssrcs.length; i++) buf.writeUInt32BE(ssrcs[i] >>> 0, 4 + 4 * i);
  if (text) {
    const at = 4 + 4 * ssrcs.length;
    buf[at] = text.length;
    text.copy(buf, at + 1);
  }
  return buf;
}

/**
 * Joins packets into one compound packet, enforcing RFC 3550 6.1: it starts with an SR or
 * RR, it carries an SDES CNAME, and only its last packet may be padded.
 */
export function buildCompound(parts: readonly Buffer[]): Buffer {
  if (parts.length === 0) throw new RtcpError('RTCP_INVALID', 'a compound RTCP packet needs packets');
  const out = Buffer.concat(parts);
  const packets = parseRtcpCompound(out);
  if (out[1] !== RTCP_SR && out[1] !== RTCP_RR) {
    throw new RtcpError(
      'RTCP_INVALID',
      `a compound RTCP packet must start with SR or RR, not type ${out[1]}`,
    );
  }
  const hasCname = packets.some((p) => p.type === 'SDES' && p.chunks.some((c) => c.cname !== undefined));
  if (!hasCname) throw new RtcpError('RTCP_INVALID', 'a compound RTCP packet must carry an SDES CNAME');
  return out;
}

/**
 * RFC 5761 section 4: with rtcp-mux, a packet whose second octet is 192-223 is RTCP (RTP
 * payload types 64-95 with the marker bit are not used for that reason).
 */
export function isRtcp(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] >> 6 === 2 && buf[1] >= 192 && buf[1] <= 223;
}

/**
 * Parses a compound RTCP packet. SR, RR, SDES and BYE are returned in order; APP and
 * unknown types (RTPFB, PSFB, XR, ...) are skipped. Throws RtcpError 'RTCP_INVALID' when
 * a version is not 2, a length word overruns the datagram, the packets do not fill it
 * exactly, or padding is anywhere but in the last packet (A.2). The first packet is not
 * required to be SR/RR, so reduced-size RTCP (RFC 5506) still parses.
 */
export function parseRtcpCompound(buf: Uint8Array): RtcpPacket[] {
  const len = buf.length;
  if (len < 4) throw invalid(`${len} octets is too short for RTCP`);
  if (len % 4 !== 0) throw invalid(`RTCP length ${len} is not a multiple of 4`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < len) {
    const b0 = buf[offset];
    if (b0 >> 6 !== 2) throw invalid(`RTCP version ${b0 >> 6} at offset ${offset}`);
    const count = b0 & 0x1f;
    const type = buf[offset + 1];
    const size = (view.getUint16(offset + 2) + 1) * 4;
    const next = offset + size;
    if (next > len) throw invalid(`RTCP length ${size} at offset ${offset} overruns the ${len} octets`);
    let end = next;
    if (b0 & 0x20) {
      // A.2: only the last packet of a compound may be padded; the last octet is the count.
      if (next !== len) throw invalid(`padding bit on a packet that is not the last (offset ${offset})`);
      const pad = buf[next - 1];
      if (pad === 0 || pad > size - 4) throw invalid(`bad RTCP padding count ${pad}`);
      end -= pad;
    }
    const packet = parseOne(buf, view, offset, end, type, count);
    if (packet) packets.push(packet);
    offset = next;
  }
  return packets;
}

function parseOne(
  buf: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  type: number,
  count: number,
): RtcpPacket | undefined {
  switch (type) {
    case RTCP_SR: {
      need(end - start >= 28 + count * REPORT_BLOCK_SIZE, 'SR shorter than its report count');
      // Octets after the blocks are a profile-specific extension (6.4.1): ignored.
      return {
        type: 'SR',
        ssrc: view.getUint32(start + 4),
        ntpMsw: view.getUint32(start + 8),
        ntpLsw: view.getUint32(start + 12),
        rtpTimestamp: view.getUint32(start + 16),
        packetCount: view.getUint32(start + 20),
        octetCount: view.getUint32(start + 24),
        reports: readBlocks(view, start + 28, count),
      };
    }
    case RTCP_RR:
      need(end - start >= 8 + count * REPORT_BLOCK_SIZE, 'RR shorter than its report count');
      return { type: 'RR', ssrc: view.getUint32(start + 4), reports: readBlocks(view, start + 8, count) };
    case RTCP_SDES:
      return { type: 'SDES', chunks: readSdesChunks(buf, view, start, end, count) };
    case RTCP_BYE: {
      need(end - start >= 4 + 4 * count, 'BYE shorter than its source count');
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(view.getUint32(start + 4 + 4 * i));
      const at = start + 4 + 4 * count;
      if (at >= end || buf[at] === 0) return { type: 'BYE', ssrcs };
      need(at + 1 + buf[at] <= end, 'BYE reason overruns the packet');
      return { type: 'BYE', ssrcs, reason: utf8.decode(buf.subarray(at + 1, at + 1 + buf[at])) };
    }
    default:
      return undefined; // APP (6.7) and types this endpoint does not use
  }
}

function readSdesChunks(
  buf: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  count: number,
): RtcpSdesChunk[] {
  const chunks: RtcpSdesChunk[] = [];
  let pos = start + 4;
  for (let i = 0; i < count; i++) {
    need(pos + 4 <= end, 'SDES chunk overruns the packet');
    const chunk: RtcpSdesChunk = { ssrc: view.getUint32(pos) };
    pos += 4;
    for (;;) {
      need(pos < end, 'SDES chunk without its terminating null item');
      const item = buf[pos];
      if (item === SDES_END) {
        // 6.5: the item list ends with a null octet, then nulls up to a 32-bit boundary.
        pos = start + align4(pos + 1 - start);
        break;
      }
      need(pos + 2 <= end && pos + 2 + buf[pos + 1] <= end, 'SDES item overruns the packet');
      const length = buf[pos + 1];
      if (item === SDES_CNAME) chunk.cname = utf8.decode(buf.subarray(pos + 2, pos + 2 + length));
      pos += 2 + length;
    }
    chunks.push(chunk);
  }
  return chunks;
}

function readBlocks(view: DataView, at: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += REPORT_BLOCK_SIZE) {
    const lossWord = view.getUint32(at + 4);
    blocks.push({
      ssrc: view.getUint32(at),
      fractionLost: lossWord >>> 24,
      cumulativeLost: (lossWord << 8) >> 8, // sign-extend the 24-bit field
      highestSeq: view.getUint32(at + 8),
      jitter: view.getUint32(at + 12),
      lsr: view.getUint32(at + 16),
      dlsr: view.getUint32(at + 20),
    });
  }
  return blocks;
}

function writeHeader(buf: Buffer, at: number, count: number, type: number, size: number): void {
  buf[at] = 0x80 | count; // V=2, P=0
  buf[at + 1] = type;
  buf.writeUInt16BE(size / 4 - 1, at + 2); // length in 32-bit words minus one (6.4.1)
}

function writeBlocks(buf: Buffer, at: number, blocks: readonly ReportBlock[], from: number, n: number): void {
  for (let i = from; i < from + n; i++, at += REPORT_BLOCK_SIZE) {
    const b = blocks[i];
    // A.3: the cumulative count is clamped to the signed 24-bit range, not wrapped.
    const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(b.cumulativeLost)));
    const fraction = Math.max(0, Math.min(255, Math.trunc(b.fractionLost)));
    buf.writeUInt32BE(b.ssrc >>> 0, at);
    buf.writeUInt32BE(((fraction << 24) | (lost & 0xffffff)) >>> 0, at + 4);
    buf.writeUInt32BE(b.highestSeq >>> 0, at + 8);
    buf.writeUInt32BE(Math.max(0, Math.trunc(b.jitter)) >>> 0, at + 12);
    buf.writeUInt32BE(b.lsr >>> 0, at + 16);
    buf.writeUInt32BE(b.dlsr >>> 0, at + 20);
  }
}

/** Octets of the RR packets that carry `n` blocks, 31 per packet. */
function spillSize(n: number): number {
  const packets = Math.ceil(n / MAX_COUNT);
  return packets * 8 + n * REPORT_BLOCK_SIZE;
}

/** Writes blocks[from..] as RR packets of at most 31 blocks each, starting at `at`. */
function writeSpill(
  buf: Buffer,
  at: number,
  ssrc: number,
  blocks: readonly ReportBlock[],
  from: number,
): void {
  for (let i = from; i < blocks.length; i += MAX_COUNT) {
    const n = Math.min(MAX_COUNT, blocks.length - i);
    const size = 8 + n * REPORT_BLOCK_SIZE;
    writeHeader(buf, at, n, RTCP_RR, size);
    buf.writeUInt32BE(ssrc >>> 0, at + 4);
    writeBlocks(buf, at + 8, blocks, i, n);
    at += size;
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function need(ok: boolean, what: string): void {
  if (!ok) throw invalid(what);
}

function invalid(message: string): RtcpError {
  return new RtcpError('RTCP_INVALID', message);
}
