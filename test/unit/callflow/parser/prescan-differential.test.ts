import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { parseVobizXml } from '../../../../src/callflow/parser/parse-vobiz-xml.ts';
import { prescan } from '../../../../src/callflow/parser/prescan.ts';

/**
 * The parser skips fast-xml-parser's validator on documents the pre-scan finds well-formed, so
 * the pre-scan must reject everything the validator rejects. Mutate a valid document at random
 * (seeded) and check it, then check the parse result agrees.
 */
const BASE = `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <PreAnswer><Speak voice="WOMAN">Thank you for calling.</Speak></PreAnswer>
  <Gather action="https://ivr.test/menu?a=1&amp;b=2" numDigits="1" finishOnKey='#'>
    <Speak>Press 1 <break time="500ms"/> or say <emphasis>sales</emphasis>.</Speak>
    <Play loop="1"><![CDATA[https://cdn.test/a.mp3?x=1&y=2]]></Play>
    <!-- fall through -->
  </Gather>
  <Dial timeout="20"><Number sendDigits="ww1">+14155550100</Number><User>sip:a@b.test</User></Dial>
  <Hangup/>
</Response>
`;
const PIECES = [
  '<',
  '>',
  '/',
  '"',
  "'",
  '=',
  ' ',
  '&',
  ';',
  '!',
  '?',
  '-',
  '[',
  ']',
  'a',
  'Speak',
  '&amp;',
  '</Speak>',
  '<Play>',
  '\n',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<?x?>',
  'x="1"',
  '&#0;',
  '&#65;',
  '<?xml version="1.0"?>',
];

test('every document the validator rejects is rejected by the pre-scan (and by the parser)', () => {
  let seed = 20240601;
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % k;
  };
  assert.equal(XMLValidator.validate(BASE), true);
  assert.equal(prescan(BASE, 32).syntax, undefined);
  let rejected = 0;
  for (let t = 0; t < 20_000; t++) {
    let doc = BASE;
    for (let ops = 1 + rnd(3); ops > 0; ops--) {
      const at = rnd(doc.length);
      const kind = rnd(3);
      const piece = PIECES[rnd(PIECES.length)];
      if (kind === 0) doc = doc.slice(0, at) + doc.slice(at + 1 + rnd(5));
      else if (kind === 1) doc = doc.slice(0, at) + piece + doc.slice(at);
      else doc = doc.slice(0, at) + piece + doc.slice(at + 1);
    }
    if (XMLValidator.validate(doc) === true) continue;
    rejected++;
    const scan = prescan(doc, 32);
    assert.ok(scan.syntax || scan.fatal, `pre-scan accepted a document the validator rejects:\n${doc}`);
    assert.equal(parseVobizXml(doc).ok, false);
  }
  assert.ok(rejected > 5_000, `only ${rejected} malformed samples`);
});
