import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { parseXml, serializeXml, XmlCursor, type XmlElement } from '../../../src/vault/xml/index.js';
import { CorruptFileError } from '../../../src/errors/index.js';

/** The same tree built by saxes, the reference parser (whitespace between elements dropped). */
function saxesTree(xml: string): XmlElement {
  const p = new SaxesParser();
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  p.on('opentag', (t) => {
    const attrs = Object.keys(t.attributes).length ? (t.attributes as Record<string, string>) : null;
    const n: XmlElement = { name: t.name, attrs, children: [], text: '' };
    if (stack.length) stack[stack.length - 1].children.push(n);
    else root = n;
    stack.push(n);
  });
  p.on('text', (t) => {
    if (stack.length) stack[stack.length - 1].text += t;
  });
  p.on('cdata', (t) => {
    stack[stack.length - 1].text += t;
  });
  p.on('closetag', () => {
    const n = stack.pop()!;
    if (n.children.length) n.text = '';
  });
  p.write(xml).close();
  return root!;
}

const plain = (n: XmlElement): unknown => ({ name: n.name, attrs: n.attrs, text: n.text, children: n.children.map(plain) });

const SAMPLE = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile>
\t<Meta><Generator>KeePassXC</Generator><!-- a comment --></Meta>
\t<Root>
\t\t<Group><Name>R&amp;D &lt;lab&gt; &#x263A; &#9731;</Name><Notes>line1\r\nline2</Notes>
\t\t\t<Entry><String><Key>Password</Key><Value Protected="True">c2VjcmV0</Value></String>
\t\t\t<String><Key>Notes</Key><Value>   </Value></String>
\t\t\t<String><Key>Empty</Key><Value/></String>
\t\t\t<Unknown a='1' b="x &quot;y&quot;"><Deep><![CDATA[<raw> & stuff]]></Deep></Unknown></Entry>
\t\t</Group>
\t</Root>
</KeePassFile>
`;

describe('KDBX XML scanner', () => {
  it('builds the same tree as saxes, including entities, CDATA, whitespace-only values and CRLF', () => {
    expect(plain(parseXml(SAMPLE))).toEqual(plain(saxesTree(SAMPLE)));
    const notes = parseXml(SAMPLE).children[1].children[0].children.find((c) => c.name === 'Notes')!;
    expect(notes.text).toBe('line1\nline2');
  });

  it('round-trips through the serializer to the same tree', () => {
    const tree = parseXml(SAMPLE);
    expect(plain(parseXml(serializeXml(tree)))).toEqual(plain(tree));
  });

  it('agrees with saxes on random well-formed documents', () => {
    const name = fc.constantFrom('A', 'Entry', 'String', 'Key', 'Value', 'x-y.z');
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '&', '<', '>', '"', "'", 'é', '\n', '\t', '😀') });
    const tree: fc.Arbitrary<XmlElement> = fc.letrec<{ node: XmlElement }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.record({ name, attrs: fc.option(fc.dictionary(fc.constantFrom('a', 'Ref', 'Protected'), text, { maxKeys: 2 }), { nil: null }), children: fc.constant([] as XmlElement[]), text }),
        fc.record({ name, attrs: fc.constant(null), children: fc.array(tie('node'), { minLength: 1, maxLength: 4 }), text: fc.constant('') }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (t) => {
        const xml = serializeXml(t);
        expect(plain(parseXml(xml))).toEqual(plain(saxesTree(xml)));
      }),
      { numRuns: 300 },
    );
  });

  it('reads every element name right when there are more names than its name table has slots, and names that collide in it', () => {
    // 3000 names (the table has 1024 slots) of few lengths, so many share a slot and a length.
    const names = Array.from({ length: 3000 }, (_, i) => `n${i.toString(36)}`);
    const xml = `<root>${names.map((n, i) => `<${n}>${i}</${n}>`).join('')}${names.map((n) => `<${n}/>`).join('')}</root>`;
    expect(plain(parseXml(xml))).toEqual(plain(saxesTree(xml)));
    // An end tag that differs from its start tag in one character, in every position, is refused.
    for (const n of ['Entry', 'Value', names[2999]]) {
      for (let k = 0; k < n.length; k++) {
        const other = n.slice(0, k) + (n[k] === 'z' ? 'y' : 'z') + n.slice(k + 1);
        expect(() => parseXml(`<root><${n}>x</${other}></root>`)).toThrow(CorruptFileError);
      }
    }
  });

  it.each([
    ['a DOCTYPE (entity bombs, external entities)', '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>'],
    ['an external entity', '<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>'],
    ['an unknown entity', '<x>&nbsp;</x>'],
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b>'],
    ['two roots', '<a/><b/>'],
    ['mixed content', '<a>text<b/></a>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a bad character reference', '<a>&#xFFFFFFF;</a>'],
  ])('refuses %s with a CorruptFileError', (_what, xml) => {
    expect(() => parseXml(xml)).toThrow(CorruptFileError);
  });

  it('caps nesting depth instead of overflowing the stack', () => {
    const deep = '<a>'.repeat(100_000) + '</a>'.repeat(100_000);
    expect(() => parseXml(deep)).toThrow(/nesting deeper/);
  });

  it('the cursor skips children its caller leaves unread, and still reports every attributed leaf in document order', () => {
    const seen: string[] = [];
    const cursor = new XmlCursor(SAMPLE, { onAttributedLeaf: (n) => seen.push(`${n.name}:${n.text}`) });
    expect(cursor.root()).toBe('KeePassFile');
    const names: string[] = [];
    // Enter each top-level child and read nothing of it: the next call must skip it whole.
    while (cursor.nextChild(1)) names.push(cursor.name);
    cursor.finish();
    expect(names).toEqual(['Meta', 'Root']);
    expect(seen).toEqual(['Value:c2VjcmV0']);
  });
});
