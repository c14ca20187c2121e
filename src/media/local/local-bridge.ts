import { PCMA, PCMU } from '../codec/g711.ts';
import type { MediaBridge } from '../media-engine.ts';
import type { RtpHeader } from '../rtp/packet.ts';
import type { LocalEndpoint } from './local-endpoint.ts';

const TE_FALLBACK_PT = 101;

/**
 * Two endpoints joined both ways. Audio is relayed packet by packet as it arrives, with no
 * clock and no jitter buffer in the path; when the two legs negotiated different codecs each
 * packet is decoded and re-encoded. RFC 4733 events are relayed with the other leg's payload
 * type. While a leg plays a prompt of its own, the relay into it pauses.
 */
export class LocalBridge implements MediaBridge {
  private readonly unsubscribe: Array<() => void> = [];
  private destroyed = false;

  constructor(
    readonly a: LocalEndpoint,
    readonly b: LocalEndpoint,
    private readonly onDestroyed: (bridge: LocalBridge) => void,
  ) {
    this.unsubscribe.push(a.onPacket((h, p, at) => this.forward(h, p, at, a, b)));
    this.unsubscribe.push(b.onPacket((h, p, at) => this.forward(h, p, at, b, a)));
    a.relayActive = true;
    b.relayActive = true;
  }

  get relaying(): boolean {
    return this.a.sendCodec === this.b.sendCodec;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const u of this.unsubscribe) u();
    this.a.relayActive = false;
    this.b.relayActive = false;
    this.onDestroyed(this);
  }

  private forward(h: RtpHeader, packet: Buffer, at: number, from: LocalEndpoint, to: LocalEndpoint): void {
    const pt = h.payloadType;
    if (pt === 0 || pt === 8) {
      const codec = pt === 0 ? PCMU : PCMA;
      to.relay(h, packet, at, codec === to.sendCodec ? undefined : codec);
    } else if (pt === (from.telephoneEventPt ?? TE_FALLBACK_PT) || pt === TE_FALLBACK_PT) {
      to.relayEvent(h, packet);
    }
  }
}
