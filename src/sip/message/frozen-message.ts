import { ownString as own, ownOptional } from '../../util/own-string.ts';
import type { SipMessage } from './message.ts';
import { Via } from './via.ts';

/** What the transport needs of a message to send it: the top Via (where a response goes) and the bytes. */
export interface WireMessage {
  readonly via: readonly Via[];
  toBuffer(): Buffer;
}

/**
 * A message as it was sent, kept as its bytes and what its top Via says about where it goes:
 * what a transaction or dialog holds to send it again for 32 s (a lingering BYE's 200, the
 * ACK of a 2xx) instead of the message object, its header objects and the received message
 * their lazy values point into (about 2 KB each, against the few hundred bytes of the
 * datagram).
 *
 * Of the Via it keeps the fields a response's destination is read from (RFC 3261 18.2.2,
 * RFC 3581 4): transport, sent-by, received, rport and maddr; a Via with only those is made
 * when a resend asks for it. A clone of the whole Via held a parameter map per message,
 * the branch (a slice of the received header text, which it kept alive) and the rest.
 */
export class FrozenMessage implements WireMessage {
  private readonly bytes: Buffer;
  private readonly transport: string | undefined;
  private readonly host: string;
  private readonly port: number | undefined;
  private readonly received: string | undefined;
  private readonly rport: string | null | undefined;
  private readonly maddr: string | undefined;

  private constructor(top: Via | undefined, bytes: Buffer) {
    this.bytes = bytes;
    this.transport = top?.transport;
    this.host = own(top?.host ?? '');
    this.port = top?.port;
    this.received = ownOptional(top?.received);
    // null: rport asked for without a value; undefined: absent.
    const rport = top?.params.get('rport');
    this.rport = rport === null ? null : ownOptional(rport);
    this.maddr = ownOptional(top?.maddr);
  }

  /** Serializes `m` once; later changes to `m` are not seen. */
  static of(m: SipMessage): FrozenMessage {
    return new FrozenMessage(m.via[0], m.toBuffer());
  }

  /** The top Via as far as routing goes (see the class comment); empty when the message had none. */
  get via(): readonly Via[] {
    if (this.transport === undefined) return [];
    const params = new Map<string, string | null>();
    if (this.received !== undefined) params.set('received', this.received);
    if (this.rport !== undefined) params.set('rport', this.rport);
    if (this.maddr !== undefined) params.set('maddr', this.maddr);
    return [new Via({ transport: this.transport, host: this.host, port: this.port, params })];
  }

  toBuffer(): Buffer {
    return this.bytes;
  }
}
