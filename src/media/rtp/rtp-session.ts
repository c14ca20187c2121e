import type { RemoteInfo, Socket } from 'node:dgram';
import type { RemoteEndpoint } from '../../sip/sdp/negotiated-media.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import { createRtpHeader, RTP_HEADER_BYTES, type RtpHeader, random32, readRtpHeader } from './packet.ts';
import type { PortAllocation } from './port-pool.ts';
import {
  buildBye,
  buildCompound,
  buildReceiverReport,
  buildSdes,
  buildSenderReport,
  isRtcp,
  parseRtcpCompound,
} from './rtcp.ts';
import { ReceiverStats, type RtpLegStats, SenderStats, summarizeLeg } from './rtp-stats.ts';

export interface RtpSessionOptions {
  allocation: PortAllocation;
  /** Latch onto the address the peer really sends from (symmetric RTP, for NAT). Default true. */
  symmetric?: boolean;
  /** RTCP CNAME, RFC 3550 6.5.1. */
  cname?: string;
  /** Wall-clock ms (sub-millisecond), for statistics and the NTP timestamps of reports. */
  wallClock?: () => number;
  /** Nominal RTCP report interval (RFC 3550 6.2); default 5000. Tests shorten it. */
  rtcpIntervalMs?: number;
  logger?: Logger;
}

export interface RtpSessionCounters {
  /** Datagrams that were neither valid RTP nor RTCP. */
  invalid: number;
  /** Valid packets from an address other than the peer's, dropped. */
  foreign: number;
  rtcpReceived: number;
  rtcpSent: number;
}

interface Address {
  address: string;
  port: number;
}

/** RFC 3550 6.2: 5 s minimum interval; the first report goes out after half of it. */
const RTCP_INTERVAL_MS = 5000;

/**
 * One RTP session of one leg (RFC 3550): the socket pair, where to send, who we accept
 * packets from, and the statistics carried in RTCP. It knows payload types and timestamps
 * but not codecs: the endpoint above it does the audio.
 */
export class RtpSession {
  readonly ssrc = random32();
  readonly port: number;
  /** Called for every accepted RTP packet; `header` is reused, copy what you keep. */
  onRtp: (header: RtpHeader, packet: Buffer, arrivalMs: number) => void = () => {};
  readonly counters: RtpSessionCounters = { invalid: 0, foreign: 0, rtcpReceived: 0, rtcpSent: 0 };

  private readonly rtp: Socket;
  private readonly rtcp: Socket | undefined;
  private readonly header = createRtpHeader();
  private readonly symmetric: boolean;
  private readonly cname: string;
  private readonly wallClock: () => number;
  private readonly rtcpIntervalMs: number;
  private readonly log: Logger;
  private sdpRemote: RemoteEndpoint | undefined;
  private target: Address | undefined;
  private rtcpTarget: Address | undefined;
  private latched = false;
  private seq = random32() & 0xffff;
  private readonly sender = new SenderStats();
  private receiver = new ReceiverStats();
  /** What earlier sources (before an SSRC change) contributed to the leg's totals. */
  private readonly prior = { packetsReceived: 0, octetsReceived: 0, packetsLost: 0 };
  private remoteSsrc: number | undefined;
  private nextRtcpAt: number | undefined;
  private closed = false;
  private readonly allocation: PortAllocation;

  constructor(opts: RtpSessionOptions) {
    this.allocation = opts.allocation;
    this.rtp = opts.allocation.rtp;
    this.rtcp = opts.allocation.rtcp;
    this.port = opts.allocation.port;
    this.symmetric = opts.symmetric ?? true;
    this.cname = opts.cname ?? `patchbay-${this.ssrc.toString(16)}`;
    this.wallClock = opts.wallClock ?? (() => performance.timeOrigin + performance.now());
    this.rtcpIntervalMs = opts.rtcpIntervalMs ?? RTCP_INTERVAL_MS;
    this.log = opts.logger ?? silentLogger;
    this.rtp.on('message', (msg, rinfo) => this.receive(msg, rinfo));
    this.rtcp?.on('message', (msg, rinfo) => this.receiveRtcp(msg, rinfo));
  }

  /** Where the peer's SDP says to send. A new address drops the latch (a re-INVITE moved the media). */
  setRemote(remote: RemoteEndpoint): void {
    const prev = this.sdpRemote;
    this.sdpRemote = remote;
    if (prev && prev.address === remote.address && prev.port === remote.port && this.latched) return;
    this.latched = false;
    this.target = { address: remote.address, port: remote.port };
    this.rtcpTarget = remote.rtcpMux
      ? this.target
      : { address: remote.rtcpAddress || remote.address, port: remote.rtcpPort };
  }

  get remote(): Address | undefined {
    return this.target;
  }

  get isLatched(): boolean {
    return this.latched;
  }

  /**
   * Sends one packet. `packet` holds RTP_HEADER_BYTES of room followed by the payload; the
   * header is written here with our SSRC and the next sequence number.
   */
  send(packet: Buffer, payloadType: number, marker: boolean, timestamp: number): void {
    const target = this.target;
    if (!target || this.closed) return;
    this.seq = (this.seq + 1) & 0xffff;
    const ts = timestamp >>> 0;
    packet[0] = 0x80;
    packet[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
    packet.writeUInt16BE(this.seq, 2);
    packet.writeUInt32BE(ts, 4);
    packet.writeUInt32BE(this.ssrc, 8);
    this.sender.onPacketSent(ts, packet.length - RTP_HEADER_BYTES, this.wallClock());
    this.rtp.send(packet, target.port, target.address);
  }

  /** Sends RTCP when it is due; called on media clock ticks. */
  poll(nowMs: number): void {
    if (this.nextRtcpAt === undefined) {
      // Randomised like every interval, so that legs set up together do not report together.
      this.nextRtcpAt = nowMs + (this.rtcpIntervalMs / 2) * (0.5 + Math.random());
      return;
    }
    if (nowMs < this.nextRtcpAt) return;
    // RFC 3550 6.3.1: randomise the interval to 0.5..1.5 times the nominal value.
    this.nextRtcpAt = nowMs + this.rtcpIntervalMs * (0.5 + Math.random());
    this.sendReport();
  }

  stats(): RtpLegStats {
    const s = summarizeLeg(this.sender, this.receiver);
    const p = this.prior;
    if (p.packetsReceived === 0) return s;
    s.packetsReceived += p.packetsReceived;
    s.octetsReceived += p.octetsReceived;
    s.packetsLost += p.packetsLost;
    const expected = s.packetsReceived + s.packetsLost;
    s.fractionLost = expected === 0 ? 0 : s.packetsLost / expected;
    return s;
  }

  /** Sends a final report with BYE (RFC 3550 6.6) and frees the ports. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    let sent: Promise<void> | undefined;
    if (this.rtcpTarget && (this.sender.packetsSent > 0 || this.remoteSsrc !== undefined)) {
      sent = new Promise((resolve) => this.sendReport(buildBye(this.ssrc), resolve));
    }
    this.closed = true;
    // dgram sends once the address is looked up, a tick later: closing the socket first would drop the BYE.
    await sent;
    await this.allocation.release();
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    const now = this.wallClock();
    // RFC 5761 4: under rtcp-mux, payload types 64-95 (with the marker, 192-223) are RTCP.
    if (isRtcp(msg)) {
      this.receiveRtcp(msg, rinfo);
      return;
    }
    const h = this.header;
    if (!readRtpHeader(msg, h)) {
      this.counters.invalid++;
      return;
    }
    if (!this.accept(rinfo)) {
      this.counters.foreign++;
      return;
    }
    if (this.remoteSsrc !== h.ssrc) {
      // A new source (a replayed file, a re-INVITE to another box): fresh sequence state.
      if (this.remoteSsrc !== undefined) this.retireReceiver();
      this.remoteSsrc = h.ssrc;
    }
    // Jitter (RFC 3550 A.8) only from audio: an RFC 4733 event repeats its start timestamp.
    const rate = h.payloadType === 0 || h.payloadType === 8 ? 8000 : 0;
    this.receiver.onPacket(h.sequence, h.timestamp, now, rate, h.payloadLength);
    this.onRtp(h, msg, now);
  }

  /** Symmetric RTP: the first packet decides where we send, whatever the SDP said. */
  private accept(rinfo: RemoteInfo): boolean {
    const t = this.target;
    if (t && t.address === rinfo.address && t.port === rinfo.port) {
      this.latched = true;
      return true;
    }
    if (!this.symmetric) return t === undefined;
    if (this.latched) return false;
    this.log.debug({ from: `${rinfo.address}:${rinfo.port}`, sdp: t }, 'rtp latched to source address');
    this.latched = true;
    this.target = { address: rinfo.address, port: rinfo.port };
    if (this.sdpRemote?.rtcpMux || !this.sdpRemote) this.rtcpTarget = this.target;
    else this.rtcpTarget = { address: rinfo.address, port: this.sdpRemote.rtcpPort };
    return true;
  }

  private receiveRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    let packets: ReturnType<typeof parseRtcpCompound>;
    try {
      packets = parseRtcpCompound(msg);
    } catch {
      this.counters.invalid++;
      return;
    }
    if (this.target && rinfo.address !== this.target.address) {
      this.counters.foreign++;
      return;
    }
    this.counters.rtcpReceived++;
    const wall = this.wallClock();
    for (const p of packets) {
      if (p.type === 'SR') this.receiver.onSenderReport(p.ntpMsw, p.ntpLsw, wall);
      if (p.type === 'SR' || p.type === 'RR') {
        for (const block of p.reports) {
          if (block.ssrc === this.ssrc) this.sender.onReportBlock(block, wall);
        }
      }
    }
  }

  private retireReceiver(): void {
    const r = this.receiver;
    this.prior.packetsReceived += r.packetsReceived;
    this.prior.octetsReceived += r.octetsReceived;
    this.prior.packetsLost += r.packetsLost;
    this.receiver = new ReceiverStats();
  }

  /** `sent` is called once the datagram has left (or failed to). */
  private sendReport(extra?: Buffer, sent?: () => void): void {
    const target = this.rtcpTarget;
    const socket = this.sdpRemote?.rtcpMux || !this.rtcp ? this.rtp : this.rtcp;
    if (!target || this.closed) {
      sent?.();
      return;
    }
    const wall = this.wallClock();
    const reports = this.remoteSsrc !== undefined ? [this.receiver.reportBlock(this.remoteSsrc, wall)] : [];
    // RFC 3550 6.4: an SR when we sent since the start, else an RR; SDES CNAME always (6.1).
    const info = this.sender.senderInfo(wall);
    const first = info
      ? buildSenderReport({ ssrc: this.ssrc, ...info, reports })
      : buildReceiverReport({ ssrc: this.ssrc, reports });
    const parts = [first, buildSdes(this.ssrc, this.cname)];
    if (extra) parts.push(extra);
    socket.send(buildCompound(parts), target.port, target.address, sent && (() => sent()));
    this.counters.rtcpSent++;
  }
}
