import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseVobizXml } from '../../../../src/callflow/parser/parse-vobiz-xml.ts';
import { errors, only } from './parse-helpers.ts';

/** Runs `fn` and returns how long it took, in ms. */
function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('syntax errors carry line:col', () => {
  test('unescaped & in text', () => {
    const p = only(
      errors('<Response>\n  <Speak>Fish & chips</Speak>\n</Response>'),
      'XML_SYNTAX',
      "XML syntax: char '&' is not expected.",
    );
    assert.deepEqual([p.line, p.col], [2, 15]);
  });

  test('unescaped < in text', () => {
    const p = errors('<Response>\n  <Speak>1 < 2</Speak>\n</Response>')[0];
    assert.equal(p.code, 'XML_SYNTAX');
    assert.equal(p.line, 2);
    assert.ok(p.col !== undefined && p.col > 0);
  });

  test('& and < in attribute values, undefined entities, text after the root', () => {
    const amp = only(
      errors('<Response>\n<Play a="x&y">https://a.test/</Play></Response>'),
      'XML_SYNTAX',
      'XML syntax: "&" must be escaped as &amp;',
    );
    assert.deepEqual([amp.line, amp.col], [2, 11]);
    const lt = only(
      errors('<Response><Play a="x<y">https://a.test/</Play></Response>'),
      'XML_SYNTAX',
      'XML syntax: "<" in an attribute value must be written &lt;',
    );
    assert.deepEqual([lt.line, lt.col], [1, 21]);
    only(
      errors('<Response><Speak>a&nbsp;b</Speak></Response>'),
      'XML_SYNTAX',
      'XML syntax: undefined entity &nbsp; (only &amp; &lt; &gt; &quot; &apos; and &#N; exist)',
    );
    only(
      errors('<Response><Speak>&#0;</Speak></Response>'),
      'XML_SYNTAX',
      'XML syntax: character reference &#0; is not a valid XML character',
    );
    only(errors('<Response/>\ntrailing'), 'XML_SYNTAX', 'XML syntax: text after the root element');
  });

  test('mismatched and unclosed tags', () => {
    const p = errors('<Response>\n<Speak>a</Play>\n</Response>')[0];
    assert.equal(p.code, 'XML_SYNTAX');
    assert.equal(p.line, 2);
    only(
      errors('<Response>\n<Gather action="https://a.test/">'),
      'XML_SYNTAX',
      'XML syntax: <Gather> is not closed',
    );
    assert.equal(errors('<Response><Wait length=5/></Response>')[0].code, 'XML_SYNTAX');
    assert.equal(errors('<Response><Wait length="1" length="2"/></Response>')[0].code, 'XML_SYNTAX');
  });
});

describe('hostile documents', () => {
  test('billion laughs is refused as DOCTYPE before any parsing, fast', () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  ${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n  ')}
]>
<Response><Speak>&lol9;</Speak></Response>`;
    let errs: ReturnType<typeof errors> = [];
    const ms = timed(() => {
      errs = errors(lol);
    });
    const p = only(
      errs,
      'DOCTYPE',
      'DOCTYPE and other <! declarations are not allowed in VobizXML (no DTDs or custom entities)',
    );
    assert.deepEqual([p.line, p.col], [2, 1]);
    assert.ok(ms < 50, `took ${ms} ms`);
  });

  test('external entities (XXE) are refused as DOCTYPE', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><Speak>&x;</Speak></Response>';
    assert.equal(errors(xxe)[0].code, 'DOCTYPE');
    assert.equal(errors('<Response><!ENTITY x "y"></Response>')[0].code, 'DOCTYPE');
  });

  test('10 MB is refused as TOO_LARGE without being scanned', () => {
    const big = `<Response>${'<Wait/>'.repeat(1_500_000)}</Response>`;
    assert.ok(big.length > 10_000_000);
    let errs: ReturnType<typeof errors> = [];
    const ms = timed(() => {
      errs = errors(big);
    });
    only(errs, 'TOO_LARGE', 'document is more than 102400 bytes; the limit is 102400 bytes');
    assert.ok(ms < 50, `took ${ms} ms`);
  });

  test('the size limit counts UTF-8 bytes, not characters', () => {
    const euros = `<Response><Speak>${'€'.repeat(40_000)}</Speak></Response>`; // 40k chars, 120k bytes
    assert.ok(euros.length < 102_400);
    only(
      errors(euros),
      'TOO_LARGE',
      `document is ${Buffer.byteLength(euros)} bytes; the limit is 102400 bytes`,
    );
    assert.equal(parseVobizXml(euros, { maxBytes: 200_000 }).ok, true);
    assert.equal(errors('<Response/>', { maxBytes: 10 })[0].code, 'TOO_LARGE');
  });

  test('depth 10,000 is refused as TOO_DEEP, fast, without recursion', () => {
    const deep = `<Response>${'<Gather>'.repeat(10_000)}${'</Gather>'.repeat(10_000)}</Response>`;
    let errs: ReturnType<typeof errors> = [];
    const ms = timed(() => {
      errs = errors(deep, { maxBytes: 1_000_000 });
    });
    const p = only(errs, 'TOO_DEEP', 'elements are nested more than 32 levels deep');
    assert.equal(p.col, 11 + 31 * 8); // the 33rd element's start tag
    assert.ok(ms < 50, `took ${ms} ms`);
  });

  test('the depth limit: 32 levels pass the pre-scan, 33 do not', () => {
    const nest = (n: number) => `<Response>${'<X>'.repeat(n - 1)}${'</X>'.repeat(n - 1)}</Response>`;
    assert.equal(errors(nest(32))[0].code, 'UNKNOWN_ELEMENT');
    assert.equal(errors(nest(33))[0].code, 'TOO_DEEP');
    assert.equal(errors(nest(5), { maxDepth: 4 })[0].code, 'TOO_DEEP');
  });

  test('documents at the size limit stay linear: 6,000 attributes, 14,000 verbs, long text', () => {
    const attrs = Array.from({ length: 6000 }, (_, i) => `a${i}="v"`).join(' ');
    const cases = [
      `<Response><Wait ${attrs}/></Response>`,
      `<Response>${'<Wait/>'.repeat(14_000)}</Response>`,
      `<Response><Speak>${'word '.repeat(20_000)}</Speak></Response>`,
      `<Response><Speak>${'&amp;'.repeat(20_000)}</Speak></Response>`,
      `<Response><Wait a="${'x'.repeat(90_000)}<"/></Response>`,
    ];
    for (const xml of cases) {
      const ms = timed(() => parseVobizXml(xml));
      assert.ok(ms < 1000, `${xml.slice(0, 30)}...: ${ms} ms`);
    }
    assert.equal(parseVobizXml(cases[1]).ok, true);
  });

  test('empty documents', () => {
    only(errors(''), 'EMPTY', 'document is empty');
    only(errors(' \n\t '), 'EMPTY', 'document is empty');
    only(errors('\uFEFF'), 'EMPTY', 'document is empty');
  });

  test('an HTML error page is not a call flow', () => {
    const page =
      '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>';
    only(errors(page), 'ROOT', 'this is an HTML page, not VobizXML: expected a <Response> root');
    const xhtml = '<html><body><p>Internal Server Error</p></body></html>';
    only(
      errors(xhtml),
      'ROOT',
      'the root element must be <Response>, found <html> (this is an HTML page, not VobizXML)',
    );
    assert.equal(errors('<html><body>Oops<br></body></html>')[0].code, 'XML_SYNTAX');
    assert.equal(errors('Internal Server Error')[0].code, 'XML_SYNTAX');
  });

  test('zero or two Response roots', () => {
    only(errors('<?xml version="1.0"?><!-- nothing -->'), 'ROOT', 'no <Response> root element');
    only(errors('<Other/>'), 'ROOT', 'the root element must be <Response>, found <Other>');
    const two = only(
      errors('<Response/>\n<Response/>'),
      'ROOT',
      'a document has exactly one <Response> root, found 2',
    );
    assert.deepEqual([two.line, two.col], [2, 1]);
  });

  test('prototype-polluting names are refused without side effects', () => {
    only(
      errors('<Response><__proto__/></Response>'),
      'UNKNOWN_ELEMENT',
      '<__proto__> is not a VobizXML element',
    );
    assert.equal(errors('<Response><constructor/></Response>')[0].code, 'UNKNOWN_ELEMENT');
    const attr = only(
      errors('<Response>\n<Play __proto__="x">https://a.test/</Play></Response>'),
      'XML_SYNTAX',
      'XML syntax: attribute name __proto__ is not allowed',
    );
    assert.deepEqual([attr.line, attr.col], [2, 7]);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    // Other Object.prototype names are ordinary unknown elements, reported as written.
    only(
      errors('<Response>\n<toString/></Response>'),
      'UNKNOWN_ELEMENT',
      '<toString> is not a VobizXML element',
      'Response/toString[1]',
    );
  });

  test('arbitrary input never throws', () => {
    const piece = fc.constantFrom(
      '<',
      '>',
      '/',
      '"',
      '=',
      '&',
      ';',
      '<Response>',
      '</Response>',
      '<Speak>',
      '</Speak>',
      '<Play loop="2">',
      '</Play>',
      '<!--',
      '-->',
      '<![CDATA[',
      ']]>',
      '<?xml version="1.0"?>',
      '&amp;',
      '&#x41;',
      ' ',
      'a',
      '\n',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 4 })), { maxLength: 40 }), (parts) => {
        const r = parseVobizXml(parts.join(''));
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 3000, seed: 42 },
    );
  });
});
