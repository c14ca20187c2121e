/**
 * The pcap reader of test/helpers/pcap.ts, which the DTMF tests replay SIPp's captures
 * with: every link type and byte order it claims, on captures built here byte by byte.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePcap, parseRtp } from '../../../helpers/pcap.ts';

function udp(sport: number, dport: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

function ipv4(
  src: number[],
  dst: number[],
  l4: Buffer,
  o: { proto?: number; flagsFrag?: number } = {},
): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + l4.length, 2);
  h.writeUInt16BE(o.flagsFrag ?? 0x4000, 6); // DF
  h[8] = 64;
  h[9] = o.proto ?? 17;
  Buffer.from(src).copy(h, 12);
  Buffer.from(dst).copy(h, 16);
  return Buffer.concat([h, l4]);
}

function ipv6(src: Buffer, dst: Buffer, l4: Buffer, hopByHop = false): Buffer {
  const ext = hopByHop ? Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]) : Buffer.alloc(0);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(ext.length + l4.length, 4);
  h[6] = hopByHop ? 0 : 17;
  h[7] = 64;
  src.copy(h, 8);
  dst.copy(h, 24);
  return Buffer.concat([h, ext, l4]);
}

const ethernet = (ip: Buffer, type = 0x0800, vlan = false) => {
  const tag = vlan ? Buffer.from([0x81, 0x00, 0x00, 0x2a]) : Buffer.alloc(0);
  const t = Buffer.alloc(2);
  t.writeUInt16BE(type);
  return Buffer.concat([Buffer.alloc(12, 0xaa), tag, t, ip, Buffer.alloc(6)]); // with trailing padding
};

const sll = (ip: Buffer, type: number) => {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(type, 14);
  return Buffer.concat([h, ip]);
};

/** A classic pcap file; `le` picks the byte order, `nano` the nanosecond magic. */
function pcapFile(
  linkType: number,
  frames: { sec: number; frac: number; data: Buffer }[],
  le = true,
  nano = false,
) {
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  };
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const header = Buffer.concat([
    u32(nano ? 0xa1b23c4d : 0xa1b2c3d4),
    u16(2),
    u16(4),
    u32(0),
    u32(0),
    u32(65535),
    u32(linkType),
  ]);
  const records = frames.map((f) =>
    Buffer.concat([u32(f.sec), u32(f.frac), u32(f.data.length), u32(f.data.length), f.data]),
  );
  return Buffer.concat([header, ...records]);
}

const V6_SRC = Buffer.from('20010db8000000000000000000000001', 'hex');
const V6_DST = Buffer.from('fe800000000000000a000000000000ff', 'hex');
const data = Buffer.from('hello rtp');

describe('parsePcap', () => {
  test('Ethernet, little-endian, microseconds: IPv4 UDP (padding cut), VLAN tag, IPv6; others skipped', () => {
    const v4 = ipv4([10, 0, 0, 1], [10, 0, 0, 2], udp(5004, 6000, data));
    const file = pcapFile(1, [
      { sec: 1000, frac: 250_000, data: ethernet(v4) },
      { sec: 1000, frac: 500_000, data: ethernet(v4, 0x0800, true) },
      { sec: 1001, frac: 0, data: ethernet(ipv6(V6_SRC, V6_DST, udp(1, 2, data)), 0x86dd) },
      { sec: 1001, frac: 1, data: ethernet(Buffer.alloc(28), 0x0806) }, // ARP
      {
        sec: 1001,
        frac: 2,
        data: ethernet(ipv4([1, 1, 1, 1], [2, 2, 2, 2], Buffer.alloc(20), { proto: 6 })),
      },
      {
        sec: 1001,
        frac: 3,
        data: ethernet(ipv4([1, 1, 1, 1], [2, 2, 2, 2], udp(1, 2, data), { flagsFrag: 0x2000 })),
      },
    ]);
    const packets = parsePcap(file);
    assert.deepEqual(packets, [
      { tsMs: 1_000_250, src: '10.0.0.1', sport: 5004, dst: '10.0.0.2', dport: 6000, payload: data },
      { tsMs: 1_000_500, src: '10.0.0.1', sport: 5004, dst: '10.0.0.2', dport: 6000, payload: data },
      { tsMs: 1_001_000, src: '2001:db8::1', sport: 1, dst: 'fe80::a00:0:0:ff', dport: 2, payload: data },
    ]);
  });

  test('Linux cooked (SLL), big-endian, nanoseconds; IPv6 with a hop-by-hop header', () => {
    const file = pcapFile(
      113,
      [
        {
          sec: 2,
          frac: 1_500_000,
          data: sll(ipv4([127, 0, 0, 1], [127, 0, 0, 1], udp(40000, 6000, data)), 0x0800),
        },
        { sec: 3, frac: 0, data: sll(ipv6(V6_SRC, V6_DST, udp(7, 8, data), true), 0x86dd) },
      ],
      false,
      true,
    );
    const packets = parsePcap(file);
    assert.deepEqual(
      packets.map((p) => [p.tsMs, p.src, p.sport, p.dst, p.dport, p.payload.toString()]),
      [
        [2001.5, '127.0.0.1', 40000, '127.0.0.1', 6000, 'hello rtp'],
        [3000, '2001:db8::1', 7, 'fe80::a00:0:0:ff', 8, 'hello rtp'],
      ],
    );
  });

  test('raw IP (101) and BSD loopback (0), both address-family byte orders', () => {
    const v4 = ipv4([192, 168, 0, 3], [192, 168, 0, 1], udp(49176, 10000, data));
    const v6 = ipv6(
      Buffer.alloc(16),
      Buffer.from('00000000000000000000000000000001', 'hex'),
      udp(3, 4, data),
    );
    const raw = parsePcap(pcapFile(101, [{ sec: 0, frac: 0, data: v4 }], false));
    assert.equal(raw[0].src, '192.168.0.3');
    const family = (v: number, le: boolean) => {
      const b = Buffer.alloc(4);
      if (le) b.writeUInt32LE(v);
      else b.writeUInt32BE(v);
      return b;
    };
    const loop = parsePcap(
      pcapFile(0, [
        { sec: 0, frac: 0, data: Buffer.concat([family(2, true), v4]) },
        { sec: 0, frac: 0, data: Buffer.concat([family(30, false), v6]) },
      ]),
    );
    assert.deepEqual(
      loop.map((p) => [p.src, p.dst]),
      [
        ['192.168.0.3', '192.168.0.1'],
        ['::', '::1'],
      ],
    );
  });

  test('a truncated last record is dropped; bad magic, pcapng and unknown link types are errors', () => {
    const good = pcapFile(101, [
      { sec: 0, frac: 0, data: ipv4([1, 2, 3, 4], [5, 6, 7, 8], udp(1, 2, data)) },
    ]);
    assert.equal(parsePcap(good).length, 1);
    assert.equal(parsePcap(good.subarray(0, good.length - 3)).length, 0);
    assert.throws(() => parsePcap(Buffer.alloc(24)), /magic/);
    assert.throws(
      () => parsePcap(Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff', 'hex')),
      /pcapng/,
    );
    assert.throws(() => parsePcap(pcapFile(228, [])), /link type 228/);
    assert.throws(() => parsePcap(Buffer.alloc(10)), /shorter/);
  });
});

describe('parseRtp', () => {
  test('header fields; payload after CSRCs and the extension, without padding', () => {
    const pkt = Buffer.concat([
      Buffer.from([0x80 | 0x20 | 0x10 | 2, 0x80 | 101]), // V=2, P, X, CC=2; M, PT 101
      Buffer.from([0xff, 0xfe]), // seq
      Buffer.from([0xff, 0xff, 0xfe, 0x00]), // timestamp
      Buffer.from([0x0e, 0x05, 0x38, 0x4e]), // SSRC
      Buffer.alloc(8), // 2 CSRCs
      Buffer.from([0xbe, 0xde, 0x00, 0x01, 1, 2, 3, 4]), // extension, one word
      Buffer.from([0x01, 0x8a, 0x08, 0xc0]), // payload
      Buffer.from([0, 0, 3]), // padding, count 3
    ]);
    const rtp = parseRtp(pkt);
    assert.ok(rtp);
    assert.deepEqual(
      { ...rtp, payload: [...rtp.payload] },
      {
        marker: true,
        payloadType: 101,
        seq: 0xfffe,
        timestamp: 0xfffffe00,
        ssrc: 0x0e05384e,
        payload: [0x01, 0x8a, 0x08, 0xc0],
      },
    );
  });

  test('not RTP: short, wrong version, lengths that do not add up', () => {
    assert.equal(parseRtp(Buffer.alloc(11)), null);
    assert.equal(parseRtp(Buffer.alloc(12)), null); // version 0
    assert.equal(parseRtp(Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), null); // 15 CSRCs missing
    const ok = parseRtp(Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 9]));
    assert.deepEqual([...(ok?.payload ?? [])], [9]);
  });
});
