import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRtpHeader, readRtpHeader, writeRtpHeader } from '../../../../src/media/rtp/packet.ts';

describe('RTP header (RFC 3550 5.1)', () => {
  it('writes and reads back every field', () => {
    const buf = Buffer.alloc(12 + 160);
    writeRtpHeader(buf, true, 8, 0xfffe, 0xdeadbeef, 0x01020304);
    assert.equal(buf.subarray(0, 12).toString('hex'), '8088fffedeadbeef01020304');
    const h = createRtpHeader();
    assert.ok(readRtpHeader(buf, h));
    assert.deepEqual(h, {
      marker: true,
      payloadType: 8,
      sequence: 0xfffe,
      timestamp: 0xdeadbeef,
      ssrc: 0x01020304,
      payloadOffset: 12,
      payloadLength: 160,
    });
  });

  it('skips CSRCs and the header extension, and strips padding', () => {
    // V=2 P=1 X=1 CC=2
    const head = Buffer.from('b200000100000002000000aa', 'hex');
    const csrcs = Buffer.alloc(8);
    const ext = Buffer.from('bede0001aabbccdd', 'hex');
    const payload = Buffer.from([1, 2, 3]);
    const pad = Buffer.from([0, 0, 3]);
    const h = createRtpHeader();
    assert.ok(readRtpHeader(Buffer.concat([head, csrcs, ext, payload, pad]), h));
    assert.equal(h.payloadOffset, 12 + 8 + 8);
    assert.equal(h.payloadLength, 3);
  });

  it('rejects other versions, short packets and bad padding or extension lengths', () => {
    const h = createRtpHeader();
    assert.equal(readRtpHeader(Buffer.alloc(11, 0x80), h), false);
    assert.equal(readRtpHeader(Buffer.from('400000010000000200000003', 'hex'), h), false);
    assert.equal(readRtpHeader(Buffer.from('a000000100000002000000030000', 'hex'), h), false);
    assert.equal(readRtpHeader(Buffer.from('a00000010000000200000003ff', 'hex'), h), false);
    assert.equal(readRtpHeader(Buffer.from('900000010000000200000003bede00ff', 'hex'), h), false);
    assert.equal(readRtpHeader(Buffer.from('8f0000010000000200000003', 'hex'), h), false);
  });
});
