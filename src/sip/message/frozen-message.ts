import type { SipMessage } from './message.ts';
import type { Via } from './via.ts';

/** What the transport needs of a message to send it: the top Via (where a response goes) and the bytes. */
export interface WireMessage {
  readonly via: readonly Via[];
  toBuffer(): Buffer;
}

/**
 * A message as it was sent, kept as its bytes and top Via: what a transaction or dialog
 * holds to send it again for 32 s (a lingering BYE's 200, the ACK of a 2xx) instead of the
 * message object, its header objects and the received message their lazy values point into
 * (about 2 KB each, against the few hundred bytes of the datagram).
 */
export class FrozenMessage implements WireMessage {
  readonly via: readonly Via[];
  private readonly bytes: Buffer;

  private constructor(via: readonly Via[], bytes: Buffer) {
    this.via = via;
    this.bytes = bytes;
  }

  /** Serializes `m` once; later changes to `m` are not seen. */
  static of(m: SipMessage): FrozenMessage {
    const top = m.via[0];
    return new FrozenMessage(top ? [top.clone()] : [], m.toBuffer());
  }

  toBuffer(): Buffer {
    return this.bytes;
  }
}
