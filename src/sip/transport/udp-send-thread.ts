import { Worker } from 'node:worker_threads';

/*
 * The shared ring. Control words (Int32), each written by one side only:
 *   HEAD   the next byte the thread reads (the thread)
 *   TAIL   the next byte the main thread writes (the main thread)
 *   SLEEP  1 while the thread waits for work (set by the thread; the main thread swaps it
 *          back to 0 and wakes it); 2 while it naps, looking again within NAP_MS on its own
 *          (the main thread wakes it only when the ring fills up)
 * A record starts on a 4-byte boundary: u32 length of the datagram (0: the rest of the ring
 * is unused, go on at its start), u16 port, u8 length of the address, the address (ASCII),
 * the datagram.
 */
const HEAD = 0;
const TAIL = 1;
const SLEEP = 2;
const CONTROL_BYTES = 16;
const RECORD_HEADER = 7;
/** About 8,000 SIP messages: far more than one turn of the event loop sends. */
export const DEFAULT_RING_BYTES = 4 * 1024 * 1024;
/**
 * While datagrams keep coming (one within BUSY_MS), the thread naps NAP_MS at a time instead
 * of sleeping until woken: waking a sleeping thread is a futex wake, which costs the waker
 * 5-10 us (an inter-processor interrupt; more on a busy virtual machine), as much as the
 * send it saves. A datagram waits at most NAP_MS for the thread then.
 */
const NAP_MS = 0.5;
const BUSY_MS = 20;

export interface UdpSendThreadOptions {
  /** The transport's address; the thread's socket shares its port. */
  address: string;
  /** 0: a free port, which the transport then binds too. */
  port: number;
  sendBufferSize: number;
  ringBytes?: number;
  /** The kernel refused a datagram (no route, a firewall): the destination and why. */
  onFailure: (address: string, port: number, message: string) => void;
  /** A datagram reached the thread's socket instead of the transport's. */
  onStray: (data: Buffer, address: string, port: number) => void;
  /** The thread died; the transport sends from its own socket from now on. */
  onExit: (err: unknown) => void;
}

type FromThread =
  | { t: 'bound'; port: number }
  | { t: 'failed'; address: string; port: number; message: string }
  | { t: 'stray'; data: Uint8Array; address: string; port: number };

/**
 * The sending half of a UDP transport, on a thread of its own. On loopback a datagram is
 * delivered inside the send call, the receiver's wake-up included (20-40 us each in the dial
 * bench, a fifth of the main thread's time); with this the main thread copies the datagram
 * into a shared ring and, only when the thread sleeps (after BUSY_MS without datagrams),
 * wakes it (a futex wake).
 *
 * The thread's socket is bound to the transport's address and port, both sockets with
 * SO_REUSEADDR, the thread's first: what it sends leaves from the transport's port (RFC 3581
 * responses go back from where the request came), and Linux delivers arriving datagrams to
 * the socket bound last, the transport's. What reaches the thread's socket anyway is handed
 * over (`onStray`). Datagrams leave in the order they were queued.
 */
export class UdpSendThread {
  private readonly ctl: Int32Array;
  private readonly ring: Uint8Array;
  private readonly size: number;
  private tail = 0;
  private running = true;

  private constructor(
    private readonly worker: Worker,
    sab: SharedArrayBuffer,
    readonly port: number,
  ) {
    this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4);
    this.ring = new Uint8Array(sab, CONTROL_BYTES);
    this.size = this.ring.length;
  }

  /** Starts the thread; resolves once its socket is bound (rejects when it cannot bind). */
  static start(opts: UdpSendThreadOptions): Promise<UdpSendThread> {
    const sab = new SharedArrayBuffer(CONTROL_BYTES + align4(opts.ringBytes ?? DEFAULT_RING_BYTES));
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { sab, address: opts.address, port: opts.port, sendBufferSize: opts.sendBufferSize },
    });
    return new Promise((resolve, reject) => {
      let thread: UdpSendThread | undefined;
      worker.on('message', (m: FromThread) => {
        if (m.t === 'bound') {
          thread = new UdpSendThread(worker, sab, m.port);
          worker.unref();
          resolve(thread);
        } else if (m.t === 'failed') {
          opts.onFailure(m.address, m.port, m.message);
        } else {
          opts.onStray(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), m.address, m.port);
        }
      });
      worker.on('error', (err) => {
        if (!thread) reject(err);
      });
      worker.on('exit', (code) => {
        if (!thread) {
          reject(new Error(`the udp send thread exited (${code}) before binding`));
          return;
        }
        if (!thread.running) return;
        thread.running = false;
        opts.onExit(new Error(`the udp send thread exited (${code})`));
      });
    });
  }

  /**
   * Queues `data` for `address:port` (an IP literal). False when the ring has no room for it
   * or the thread is gone: the caller sends it itself.
   */
  send(data: Uint8Array, port: number, address: string): boolean {
    if (!this.running) return false;
    const need = align4(RECORD_HEADER + address.length + data.length);
    const head = Atomics.load(this.ctl, HEAD);
    let at = this.tail;
    // One word always stays free, so that a full ring never looks empty (HEAD === TAIL).
    if (at >= head) {
      if (at + need + 4 > this.size) {
        // No room before the end: mark the rest unused and start again at 0, if there is room there.
        if (need + 4 > head) return this.full();
        this.writeU32(at, 0);
        at = 0;
      }
    } else if (at + need + 4 > head) {
      return this.full();
    }
    const ring = this.ring;
    this.writeU32(at, data.length);
    ring[at + 4] = port & 0xff;
    ring[at + 5] = port >>> 8;
    ring[at + 6] = address.length;
    const from = at + RECORD_HEADER;
    for (let i = 0; i < address.length; i++) ring[from + i] = address.charCodeAt(i);
    ring.set(data, from + address.length);
    at += need;
    if (at === this.size) at = 0;
    this.tail = at;
    Atomics.store(this.ctl, TAIL, at);
    const sleep = Atomics.load(this.ctl, SLEEP);
    if (sleep === 1) {
      if (Atomics.compareExchange(this.ctl, SLEEP, 1, 0) === 1) Atomics.notify(this.ctl, SLEEP);
    } else if (sleep === 2 && (at - head + this.size) % this.size > this.size >>> 1) {
      Atomics.notify(this.ctl, SLEEP); // half full: do not wait for the nap to end
    }
    return true;
  }

  /** No room: the thread, napping or asleep, is woken to make some; the caller sends this one. */
  private full(): false {
    if (Atomics.load(this.ctl, SLEEP) !== 0) Atomics.notify(this.ctl, SLEEP);
    return false;
  }

  /** Stops the thread; what it has not sent yet is dropped. */
  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.worker.terminate();
  }

  private writeU32(at: number, v: number): void {
    const ring = this.ring;
    ring[at] = v & 0xff;
    ring[at + 1] = (v >>> 8) & 0xff;
    ring[at + 2] = (v >>> 16) & 0xff;
    ring[at + 3] = v >>> 24;
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The thread (CommonJS, run with `eval`: nothing to bundle or resolve). It binds, reports its
 * port, then sends what the ring holds. While the ring is empty it naps (see NAP_MS) or,
 * after BUSY_MS without work, blocks on SLEEP (a futex wait, up to 100 ms); every 64 rounds of work or after a wait that timed out it lets its
 * event loop run, which reports failed sends and datagrams that arrived on its socket.
 */
const THREAD_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const { isIP } = require('node:net');
const { sab, address, port, sendBufferSize } = workerData;
const ctl = new Int32Array(sab, 0, ${CONTROL_BYTES / 4});
const ring = new Uint8Array(sab, ${CONTROL_BYTES});
const size = ring.length;
const family = isIP(address);
// Destinations are IP literals, answered at once, so that send() sends now instead of on a
// nextTick (which would wait for the event loop this thread holds while it works).
const lookup = (host, _options, callback) => callback(null, host, family);
const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6, reuseAddr: true, lookup });
function failed(to, toPort, message) {
  parentPort.postMessage({ t: 'failed', address: to, port: toPort, message });
}
socket.on('error', () => {});
// One callback for every send: dgram reports a failure only to a callback, with the destination.
const sent = (err) => {
  if (err) failed(String(err.address ?? ''), Number(err.port ?? 0), err.message);
};
socket.on('message', (data, from) => {
  parentPort.postMessage({ t: 'stray', data, address: from.address, port: from.port });
});

function drain() {
  let head = Atomics.load(ctl, ${HEAD});
  const tail = Atomics.load(ctl, ${TAIL});
  if (head === tail) return false;
  while (head !== tail) {
    const length = ring[head] | (ring[head + 1] << 8) | (ring[head + 2] << 16) | (ring[head + 3] << 24);
    if (length === 0) {
      head = 0;
      continue;
    }
    const toPort = ring[head + 4] | (ring[head + 5] << 8);
    const addressLength = ring[head + 6];
    const from = head + ${RECORD_HEADER};
    const to = String.fromCharCode.apply(null, ring.subarray(from, from + addressLength));
    const start = from + addressLength;
    try {
      // A copy: the ring's bytes are reused once HEAD moves past them.
      socket.send(Buffer.from(ring.subarray(start, start + length)), toPort, to, sent);
    } catch (err) {
      failed(to, toPort, err.message); // refused before the kernel (a port out of range)
    }
    head += (${RECORD_HEADER} + addressLength + length + 3) & ~3;
    if (head === size) head = 0;
  }
  Atomics.store(ctl, ${HEAD}, head);
  return true;
}

let lastWork = 0;
function run() {
  for (let round = 0; round < 64; round++) {
    if (drain()) {
      lastWork = performance.now();
      continue;
    }
    if (performance.now() - lastWork < ${BUSY_MS}) {
      Atomics.store(ctl, ${SLEEP}, 2);
      Atomics.wait(ctl, ${SLEEP}, 2, ${NAP_MS});
      Atomics.store(ctl, ${SLEEP}, 0);
      continue;
    }
    Atomics.store(ctl, ${SLEEP}, 1);
    if (Atomics.load(ctl, ${HEAD}) !== Atomics.load(ctl, ${TAIL})) {
      Atomics.store(ctl, ${SLEEP}, 0);
      continue;
    }
    const woke = Atomics.wait(ctl, ${SLEEP}, 1, 100);
    Atomics.store(ctl, ${SLEEP}, 0);
    if (woke === 'timed-out') break;
  }
  setImmediate(run);
}

socket.bind({ address, port }, () => {
  try {
    socket.setSendBufferSize(sendBufferSize);
  } catch {}
  parentPort.postMessage({ t: 'bound', port: socket.address().port });
  run();
});
`;
