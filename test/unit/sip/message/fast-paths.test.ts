// The regular expressions of fast-paths.ts must accept only values that the hand-written
// scanners accept too: values generated from the patterns themselves, then the same values
// with bytes replaced, inserted or cut.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  isUsualBareNameAddr,
  isUsualNameAddr,
  isUsualVia,
  USUAL_SHAPES,
} from '../../../../src/sip/message/fast-paths.ts';
import { nameAddrAt, singleNameAddrAt } from '../../../../src/sip/message/name-addr-parser.ts';
import { expiresSeen } from '../../../../src/sip/message/params-parser.ts';
import { Source } from '../../../../src/sip/message/source.ts';
import type { Via } from '../../../../src/sip/message/via.ts';
import { viaListAt } from '../../../../src/sip/message/via-parser.ts';

const RUNS = 400;

interface Shape {
  name: string;
  pattern: string;
  usual: (src: Source, start: number, end: number) => boolean;
  /** The scanner: throws when it rejects the value; checks, then builds. */
  scan: (src: Source) => void;
}

const SHAPES: Shape[] = [
  {
    name: 'Via',
    pattern: USUAL_SHAPES.via,
    usual: isUsualVia,
    scan: (src) => {
      viaListAt(src, 0, src.b.length, null);
      const out: Via[] = [];
      viaListAt(src, 0, src.b.length, out);
      assert.equal(out.length, 1);
    },
  },
  {
    name: 'name-addr',
    pattern: USUAL_SHAPES.nameAddr,
    usual: isUsualNameAddr,
    scan: (src) => {
      singleNameAddrAt(src, 0, src.b.length, 'From', false);
      singleNameAddrAt(src, 0, src.b.length, 'From', true)?.uri;
    },
  },
  {
    name: 'Contact without parameters',
    pattern: USUAL_SHAPES.bareNameAddr,
    usual: isUsualBareNameAddr,
    scan: (src) => {
      expiresSeen.start = -1;
      nameAddrAt(src, 0, src.b.length, 'Contact', false);
      assert.equal(expiresSeen.start, -1);
      singleNameAddrAt(src, 0, src.b.length, 'Contact', true)?.uri;
    },
  },
];

const edits = fc.array(
  fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('replace', 'insert', 'cut'),
    byte: fc.constantFrom(
      0x00,
      0x09,
      0x0a,
      0x0d,
      0x20,
      0x22,
      0x25,
      0x2c,
      0x2f,
      0x30,
      0x35,
      0x36,
      0x39,
      0x3a,
      0x3b,
      0x3c,
      0x3d,
      0x3e,
      0x3f,
      0x40,
      0x5b,
      0x5c,
      0x5d,
      0x61,
      0x80,
      0xc3,
      0xff,
    ),
  }),
  { minLength: 1, maxLength: 3 },
);

function edited(value: string, list: { at: number; kind: string; byte: number }[]): Buffer {
  let bytes = [...Buffer.from(value, 'utf8')];
  for (const e of list) {
    const at = e.at % (bytes.length + 1);
    if (e.kind === 'replace' && at < bytes.length) bytes[at] = e.byte;
    else if (e.kind === 'insert') bytes.splice(at, 0, e.byte);
    else bytes = bytes.slice(0, at);
  }
  return Buffer.from(bytes);
}

/** The Source the parser would make of these octets: Latin-1, one character per octet. */
function sourceOf(bytes: Buffer): Source {
  return new Source(bytes, bytes.toString('latin1'), false);
}

describe('fast paths accept a subset of what the scanners accept', () => {
  for (const shape of SHAPES) {
    const values = fc.stringMatching(new RegExp(`^${shape.pattern}$`));

    test(`${shape.name}: values of the usual shape`, () => {
      fc.assert(
        fc.property(values, (value) => {
          const src = sourceOf(Buffer.from(value, 'utf8'));
          assert.ok(shape.usual(src, 0, src.b.length), value);
          shape.scan(src);
        }),
        { numRuns: RUNS },
      );
    });

    test(`${shape.name}: the same with bytes replaced, inserted or cut`, () => {
      fc.assert(
        fc.property(values, edits, (value, list) => {
          const src = sourceOf(edited(value, list));
          if (shape.usual(src, 0, src.b.length)) shape.scan(src);
        }),
        { numRuns: RUNS * 2 },
      );
    });
  }

  test('what the shapes leave to the scanners', () => {
    const via = (v: string) => isUsualVia(Source.of(v), 0, v.length);
    const na = (v: string) => isUsualNameAddr(Source.of(v), 0, v.length);
    assert.ok(via('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport'));
    assert.ok(!via('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1'), 'IPv6');
    assert.ok(!via('SIP / 2.0 / UDP a.example.com'), 'LWS');
    assert.ok(!via('SIP/2.0/UDP a.example.com:65536'), 'port out of range');
    assert.ok(!via('SIP/2.0/UDP a.example.com, SIP/2.0/UDP b.example.com'), 'two values');
    assert.ok(na('"A \\"B\\"" <sip:a@example.com;transport=tcp>;tag=1'));
    assert.ok(!na('sip:a@example.com;tag=1'), 'addr-spec');
    assert.ok(!na('<sip:a@example.com?Subject=x>'), 'URI headers');
    assert.ok(!na('<tel:+1-212-555-0100>'), 'other schemes');
    assert.ok(!na('<sip:a@example.com> ;tag=1'), 'LWS');
  });
});
