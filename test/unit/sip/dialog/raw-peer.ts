import { type SipRequest, SipResponse } from '../../../../src/sip/message/message.ts';
import { parseMessage } from '../../../../src/sip/message/parser.ts';
import { createResponse } from '../../../../src/sip/message/response.ts';
import type { HostPort } from '../../../../src/sip/transport/types.ts';
import type { MemoryNetwork, MemoryTransport } from '../../../helpers/memory-transport.ts';

/** A scripted SIP peer on the memory network: records what it gets, sends what the test builds. */
export class RawPeer {
  readonly requests: SipRequest[] = [];
  readonly responses: SipResponse[] = [];
  readonly transport: MemoryTransport;
  /** Answers every request but ACK with this status when set, back to where it came from. */
  autoAnswer?: number;

  constructor(net: MemoryNetwork, port: number) {
    this.transport = net.transport({ address: '127.0.0.1', port });
    this.transport.onMessage((data, source) => {
      const msg = parseMessage(data, { datagram: true });
      if (msg instanceof SipResponse) {
        this.responses.push(msg);
        return;
      }
      const req = msg as SipRequest;
      this.requests.push(req);
      if (this.autoAnswer && req.method !== 'ACK')
        void this.send(createResponse(req, this.autoAnswer), source);
    });
  }

  get local(): HostPort {
    return this.transport.local;
  }

  send(msg: SipRequest | SipResponse | string | Buffer, to: HostPort = { address: '127.0.0.1', port: 5080 }) {
    const data =
      typeof msg === 'string' ? Buffer.from(msg, 'latin1') : Buffer.isBuffer(msg) ? msg : msg.toBuffer();
    return this.transport.send(data, to);
  }

  /** Statuses of the responses received, in order. */
  get statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}
