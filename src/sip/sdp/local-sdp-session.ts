import { randomInt } from 'node:crypto';
import { SipError } from '../errors.ts';
import { createAnswer, type SdpAnswer } from './create-answer.ts';
import { createOffer, processAnswer } from './create-offer.ts';
import type { MediaCapabilities, NegotiatedMedia } from './negotiated-media.ts';
import { parseSdp } from './parse-sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';
import { addrTypeOf, type SessionDescription } from './session-description.ts';

export interface LocalSdpSessionOptions {
  /** Written into o=; the address of each SDP's c= line when absent. */
  address?: string;
  /** o= username; `-` by default (RFC 4566 5.2). */
  username?: string;
  /** o= sess-id; random digits by default. */
  sessionId?: string;
  /** The first sess-version; 1 by default. */
  initialVersion?: bigint;
}

/**
 * Our side of one SDP session (one dialog's media): the o= line that every offer and answer
 * of ours carries, and the offer awaiting its answer. RFC 3264 8: the sess-version goes up
 * by one when an SDP differs from the previous one we sent, and stays when it is the same
 * (a re-INVITE answered with the same SDP keeps its version).
 */
export class LocalSdpSession {
  readonly sessionId: string;
  private readonly username: string;
  private readonly address?: string;
  private version: bigint;
  /** The previous SDP as serialized with an empty version, to see whether content changed. */
  private lastBody?: string;
  private pendingOffer?: SessionDescription;

  constructor(opts: LocalSdpSessionOptions = {}) {
    this.username = opts.username ?? '-';
    this.address = opts.address;
    this.sessionId = opts.sessionId ?? String(randomInt(1, 2 ** 47));
    this.version = opts.initialVersion ?? 1n;
  }

  /** The sess-version of the last SDP rendered (or the one the next will get). */
  get sessionVersion(): string {
    return String(this.version);
  }

  /** The offer sent and not yet answered, if any. */
  get offer(): SessionDescription | undefined {
    return this.pendingOffer;
  }

  /** Fills in our o= line (in place) and serializes, bumping the version if the content changed. */
  render(sdp: SessionDescription): string {
    const address = this.address ?? sdp.connection?.address ?? sdp.origin.address;
    sdp.origin = {
      username: this.username,
      sessionId: this.sessionId,
      sessionVersion: '',
      netType: 'IN',
      addrType: addrTypeOf(address),
      address,
    };
    const body = serializeSdp(sdp);
    if (this.lastBody !== undefined && body !== this.lastBody) this.version += 1n;
    this.lastBody = body;
    const version = String(this.version);
    sdp.origin.sessionVersion = version;
    // The version goes into the o= line (the second line, where the empty one left two
    // spaces) instead of serializing again.
    const before = `\r\no=${this.username} ${this.sessionId} `;
    const at = body.indexOf(before);
    if (at < 0) return serializeSdp(sdp);
    const cut = at + before.length;
    return [body.slice(0, cut), version, body.slice(cut)].join('');
  }

  /** Builds and renders an offer (RFC 3264 5), remembered until `processAnswer`. */
  createOffer(caps: MediaCapabilities): { sdp: string; offer: SessionDescription } {
    const offer = createOffer(caps);
    const sdp = this.render(offer);
    this.pendingOffer = offer;
    return { sdp, offer };
  }

  /** Answers a remote offer (RFC 3264 6); throws a 488 SipError when nothing is acceptable. */
  createAnswer(
    offer: SessionDescription | string | Buffer,
    caps: MediaCapabilities,
  ): SdpAnswer & { sdp: string } {
    const parsed = typeof offer === 'string' || Buffer.isBuffer(offer) ? parseSdp(offer) : offer;
    const result = createAnswer(parsed, caps);
    return { ...result, sdp: this.render(result.answer) };
  }

  /** Reads the answer to the pending offer (RFC 3264 7); the offer is no longer pending after. */
  processAnswer(answer: SessionDescription | string | Buffer): NegotiatedMedia {
    const offer = this.pendingOffer;
    if (!offer) throw new SipError('STATE', 'an SDP answer arrived but no offer of ours is pending');
    // The exchange is over whatever the answer holds (RFC 3264 4): a bad one ends in a new offer or a BYE.
    this.pendingOffer = undefined;
    const parsed = typeof answer === 'string' || Buffer.isBuffer(answer) ? parseSdp(answer) : answer;
    return processAnswer(offer, parsed);
  }
}
