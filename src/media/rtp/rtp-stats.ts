import { msToCompactInterval, msToNtpCompact, ntpCompact } from './ntp.ts';
import type { ReportBlock } from './rtcp.ts';

/**
 * RTP statistics of one leg: what we receive from the peer's source (RFC 3550 A.1, A.3,
 * A.8), what we send (the SR sender info) and the round-trip time (6.4.1).
 *
 * Times are milliseconds on one clock the caller chooses (normally `Date.now()`); the same
 * clock must stamp the SRs we send and the RRs we receive for the RTT to make sense.
 */

/** Per-leg summary for CDRs. */
export interface RtpLegStats {
  packetsSent: number;
  /** Payload octets, as in the SR octet count. */
  octetsSent: number;
  packetsReceived: number;
  octetsReceived: number;
  packetsLost: number;
  /** Lost / expected over the whole leg, 0..1. */
  fractionLost: number;
  jitterMs: number;
  maxJitterMs: number;
  /** Average round-trip time; absent when no usable RTCP report came back. */
  rttMs?: number;
}

/**
 * What `ReceiverStats.onPacket` made of a packet:
 * - ok: in order (gaps and 16-bit wraps included);
 * - reordered: late but new, within MAX_MISORDER of the highest sequence number;
 * - duplicate: already counted, ignored;
 * - dropped: a jump too large to trust, ignored (A.1: may be the first packet of a restart);
 * - restart: the packet after a dropped one followed it, so the source restarted: counts reset.
 */
export type PacketVerdict = 'ok' | 'reordered' | 'duplicate' | 'dropped' | 'restart';

const RTP_SEQ_MOD = 0x10000;
/** A.1: largest forward gap and largest lateness still taken as the same sequence space. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
/** Duplicate detection window in sequence numbers; must exceed MAX_MISORDER. */
const SEEN_WINDOW = 128;

export class ReceiverStats {
  // A.1 per-source state. Extended sequence numbers are plain numbers (cycles + seq).
  private started = false;
  private maxSeq = 0;
  private extMax = 0;
  private baseExt = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private receivedCount = 0;
  // A.3 interval state.
  private expectedPrior = 0;
  private receivedPrior = 0;
  private lastFraction = 0;
  // A.8 jitter state.
  private jitterUnits = 0;
  private jitterRate = 8000;
  private hasTransit = false;
  private prevArrivalMs = 0;
  private prevRtpTimestamp = 0;
  /** One bit per extended sequence number, modulo SEEN_WINDOW. */
  private readonly seen = new Uint32Array(SEEN_WINDOW / 32);
  // Last SR from the source (6.4.1 LSR/DLSR).
  private lastSr = 0;
  private lastSrArrivalMs = 0;

  /** Leg totals, kept across restarts. */
  packetsReceived = 0;
  octetsReceived = 0;
  duplicates = 0;
  dropped = 0;
  restarts = 0;
  maxJitterMs = 0;
  private lostBeforeRestart = 0;

  /**
   * Accounts one RTP packet from the source. Allocation-free: runs per packet.
   * The first packet starts the sequence space at once: the source is known from SDP, so
   * A.1's probation (which discards the first packets) is skipped.
   */
  onPacket(
    seq: number,
    rtpTimestamp: number,
    arrivalMs: number,
    clockRate: number,
    payloadOctets = 0,
  ): PacketVerdict {
    seq &= 0xffff;
    let verdict: PacketVerdict;
    if (!this.started) {
      this.initSeq(seq);
      verdict = 'ok';
    } else {
      const udelta = (seq - this.maxSeq) & 0xffff;
      if (udelta === 0) {
        verdict = 'duplicate';
      } else if (udelta < MAX_DROPOUT) {
        // In order, with a permissible gap; a smaller number means the 16-bit space wrapped.
        const ext = this.extMax + udelta;
        this.clearSeen(this.extMax + 1, ext);
        this.extMax = ext;
        this.maxSeq = seq;
        this.markSeen(ext);
        verdict = 'ok';
      } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        // A.1: a very large jump. Two sequential packets in the new place mean a restart.
        if (seq === this.badSeq) {
          const lost = this.cumulativeLost;
          if (lost > 0) this.lostBeforeRestart += lost;
          this.restarts++;
          this.initSeq(seq);
          this.hasTransit = false; // the timestamps restart too
          verdict = 'restart';
        } else {
          this.badSeq = (seq + 1) & 0xffff;
          this.dropped++;
          return 'dropped';
        }
      } else {
        // Late packet within MAX_MISORDER: new unless its bit is already set.
        const ext = this.extMax - (RTP_SEQ_MOD - udelta);
        if (this.isSeen(ext)) {
          verdict = 'duplicate';
        } else {
          this.markSeen(ext);
          if (ext < this.baseExt) this.baseExt = ext; // it was sent before the first one we saw
          verdict = 'reordered';
        }
      }
    }
    if (verdict === 'duplicate') {
      this.duplicates++;
      return verdict;
    }
    this.receivedCount++;
    this.packetsReceived++;
    this.octetsReceived += payloadOctets;
    // clockRate 0: a packet whose timestamp does not follow the media clock (an RFC 4733
    // event repeats its start timestamp), counted but kept out of the jitter.
    if (clockRate > 0) this.updateJitter(rtpTimestamp, arrivalMs, clockRate);
    return verdict;
  }

  /** Notes an SR from the source, for the LSR/DLSR fields of our next report block (6.4.1). */
  onSenderReport(ntpMsw: number, ntpLsw: number, arrivalMs: number): void {
    this.lastSr = ntpCompact(ntpMsw, ntpLsw);
    this.lastSrArrivalMs = arrivalMs;
  }

  /** Whether any packet has been accepted, i.e. whether a report block means anything. */
  get active(): boolean {
    return this.started;
  }

  /** A.3: packets expected since the sequence space started. */
  get expected(): number {
    return this.started ? this.extMax - this.baseExt + 1 : 0;
  }

  /** Packets accepted since the sequence space started (duplicates excluded). */
  get received(): number {
    return this.receivedCount;
  }

  /** A.3: expected - received since the sequence space started; negative only in odd cases. */
  get cumulativeLost(): number {
    return this.expected - this.receivedCount;
  }

  /** Extended highest sequence number received (cycles << 16 | max seq). */
  get highestSeq(): number {
    return this.extMax >>> 0;
  }

  /** Fraction lost (0-255) of the last report interval, as put in the last report block. */
  get fractionLost(): number {
    return this.lastFraction;
  }

  /** A.8 interarrival jitter in timestamp units. */
  get jitter(): number {
    return this.jitterUnits;
  }

  get jitterMs(): number {
    return (this.jitterUnits * 1000) / this.jitterRate;
  }

  /** Packets lost over the whole leg, restarts included. */
  get packetsLost(): number {
    return this.lostBeforeRestart + Math.max(0, this.cumulativeLost);
  }

  /**
   * A report block about the source (6.4.1) and the start of a new report interval (A.3).
   * `ssrc` is the source's SSRC; `nowMs` is the send time, for DLSR.
   */
  reportBlock(ssrc: number, nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.receivedCount - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.receivedCount;
    const lostInterval = expectedInterval - receivedInterval;
    // A.3: fraction = lost/expected in 8-bit fixed point; 0 when duplicates outnumber losses.
    this.lastFraction =
      expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    return {
      ssrc: ssrc >>> 0,
      fractionLost: this.lastFraction,
      cumulativeLost: this.cumulativeLost, // the builder clamps to 24 bits (A.3)
      highestSeq: this.highestSeq,
      jitter: Math.trunc(this.jitterUnits),
      lsr: this.lastSr,
      dlsr: this.lastSr === 0 ? 0 : msToCompactInterval(nowMs - this.lastSrArrivalMs),
    };
  }

  /** A.1 init_seq: a new sequence space starting at `seq`. */
  private initSeq(seq: number): void {
    this.started = true;
    this.maxSeq = seq;
    this.extMax = seq;
    this.baseExt = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.receivedCount = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.seen.fill(0);
    this.markSeen(seq);
  }

  /**
   * A.8: D = (Rj - Ri) - (Sj - Si) in timestamp units, J += (|D| - J) / 16. The RTP
   * timestamp difference is taken modulo 2^32 as a signed number, so wraps are harmless.
   */
  private updateJitter(rtpTimestamp: number, arrivalMs: number, clockRate: number): void {
    this.jitterRate = clockRate;
    if (this.hasTransit) {
      const d =
        ((arrivalMs - this.prevArrivalMs) * clockRate) / 1000 - ((rtpTimestamp - this.prevRtpTimestamp) | 0);
      this.jitterUnits += (Math.abs(d) - this.jitterUnits) / 16;
      const ms = (this.jitterUnits * 1000) / clockRate;
      if (ms > this.maxJitterMs) this.maxJitterMs = ms;
    }
    this.hasTransit = true;
    this.prevArrivalMs = arrivalMs;
    this.prevRtpTimestamp = rtpTimestamp >>> 0;
  }

  private markSeen(ext: number): void {
    const i = ext & (SEEN_WINDOW - 1);
    this.seen[i >> 5] |= 1 << (i & 31);
  }

  private isSeen(ext: number): boolean {
    const i = ext & (SEEN_WINDOW - 1);
    return (this.seen[i >> 5] & (1 << (i & 31))) !== 0;
  }

  /** Forgets the bits of [from, to] as the window slides forward over them. */
  private clearSeen(from: number, to: number): void {
    if (to - from + 1 >= SEEN_WINDOW) {
      this.seen.fill(0);
      return;
    }
    for (let e = from; e <= to; e++) {
      const i = e & (SEEN_WINDOW - 1);
      this.seen[i >> 5] &= ~(1 << (i & 31));
    }
  }
}

/** A round-trip below zero by less than this is rounding (DLSR is in 1/65536 s): taken as 0. */
const RTT_ROUNDING_MS = 10;
/** Anything longer is taken as a bogus LSR/DLSR rather than a path. */
const MAX_PLAUSIBLE_RTT_MS = 60_000;

/** Our outgoing stream: the SR sender info (6.4.1) and the RTT from the peer's reports. */
export class SenderStats {
  packetsSent = 0;
  octetsSent = 0;
  /** RTP timestamp of the last packet sent, and when (ms) it was sent. */
  lastRtpTimestamp = 0;
  lastSentMs: number | undefined;
  /** What the peer last reported about our stream. */
  remoteFractionLost = 0;
  remoteCumulativeLost = 0;
  remoteJitter = 0;
  rttMs: number | undefined;
  minRttMs: number | undefined;
  maxRttMs: number | undefined;
  rttSamples = 0;
  private rttSumMs = 0;

  /** `clockRate` of the stream's RTP timestamps, for extrapolating them to "now". */
  constructor(public clockRate = 8000) {}

  /** Per packet, allocation-free. `payloadOctets` excludes the RTP header and padding (6.4.1). */
  onPacketSent(rtpTimestamp: number, payloadOctets: number, nowMs: number): void {
    this.packetsSent++;
    this.octetsSent += payloadOctets;
    this.lastRtpTimestamp = rtpTimestamp >>> 0;
    this.lastSentMs = nowMs;
  }

  /**
   * The RTP timestamp that corresponds to `nowMs` (6.4.1: the SR's timestamp is the SR's
   * NTP time in RTP units, not that of the last packet). Undefined before the first packet.
   */
  rtpTimestampAt(nowMs: number): number | undefined {
    if (this.lastSentMs === undefined) return undefined;
    return (this.lastRtpTimestamp + Math.round(((nowMs - this.lastSentMs) * this.clockRate) / 1000)) >>> 0;
  }

  /** The SR fields for a report sent at `nowMs`; undefined when nothing was sent yet (send an RR). */
  senderInfo(
    nowMs: number,
  ): { ntpMs: number; rtpTimestamp: number; packetCount: number; octetCount: number } | undefined {
    const rtpTimestamp = this.rtpTimestampAt(nowMs);
    if (rtpTimestamp === undefined) return undefined;
    // The counts wrap modulo 2^32 in the packet (6.4.1); the builder does that.
    return { ntpMs: nowMs, rtpTimestamp, packetCount: this.packetsSent, octetCount: this.octetsSent };
  }

  /**
   * A report block about our stream arrived at `arrivalMs`. Returns the RTT it yields in
   * ms (6.4.1: A - LSR - DLSR in compact NTP), or undefined when LSR is 0 (no SR of ours
   * reached the peer yet) or the result is implausible.
   */
  onReportBlock(block: ReportBlock, arrivalMs: number): number | undefined {
    this.remoteFractionLost = block.fractionLost;
    this.remoteCumulativeLost = block.cumulativeLost;
    this.remoteJitter = block.jitter;
    if (block.lsr === 0) return undefined;
    // Modulo 2^32, read as signed: the compact clock wraps every 65536 s.
    const units = (msToNtpCompact(arrivalMs) - block.lsr - block.dlsr) | 0;
    let ms = (units * 1000) / 65536;
    if (ms < 0) {
      if (ms < -RTT_ROUNDING_MS) return undefined;
      ms = 0;
    }
    if (ms > MAX_PLAUSIBLE_RTT_MS) return undefined;
    this.rttMs = ms;
    this.minRttMs = this.minRttMs === undefined ? ms : Math.min(this.minRttMs, ms);
    this.maxRttMs = this.maxRttMs === undefined ? ms : Math.max(this.maxRttMs, ms);
    this.rttSamples++;
    this.rttSumMs += ms;
    return ms;
  }

  get avgRttMs(): number | undefined {
    return this.rttSamples === 0 ? undefined : this.rttSumMs / this.rttSamples;
  }
}

/** The CDR summary of a leg from its two halves. */
export function summarizeLeg(sender: SenderStats, receiver: ReceiverStats): RtpLegStats {
  const lost = receiver.packetsLost;
  const expected = receiver.packetsReceived + lost;
  const stats: RtpLegStats = {
    packetsSent: sender.packetsSent,
    octetsSent: sender.octetsSent,
    packetsReceived: receiver.packetsReceived,
    octetsReceived: receiver.octetsReceived,
    packetsLost: lost,
    fractionLost: expected === 0 ? 0 : lost / expected,
    jitterMs: receiver.jitterMs,
    maxJitterMs: receiver.maxJitterMs,
  };
  const rtt = sender.avgRttMs;
  if (rtt !== undefined) stats.rttMs = rtt;
  return stats;
}
