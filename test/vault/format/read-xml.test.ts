import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getHeapSnapshot } from 'node:v8';
import { readXmlExport } from '../../../src/vault/index.js';
import { splitTags } from '../../../src/vault/format/read-xml.js';
import { xmlOf } from '../../../src/vault/format/unmodelled.js';
import { parseXml, type XmlElement } from '../../../src/vault/xml/index.js';
import { CorruptFileError } from '../../../src/errors/index.js';

// A 3.x-style document whose <Root> comes before the <Meta> that holds the attachment pool.
const rootFirst = (ref: string) => `<?xml version="1.0" encoding="UTF-8"?>
<KeePassFile>
  <Root><Group><UUID>AAAAAAAAAAAAAAAAAAAAAQ==</UUID><Name>Root</Name>
    <Entry><UUID>AAAAAAAAAAAAAAAAAAAAAg==</UUID>
      <String><Key>Title</Key><Value>site</Value></String>
      <Binary><Key>a.txt</Key><Value Ref="${ref}"/></Binary>
      <Binary><Key>b.txt</Key><Value>${Buffer.from('inline').toString('base64')}</Value></Binary>
    </Entry>
  </Group></Root>
  <Meta><Binaries><Binary ID="0">${Buffer.from('pooled').toString('base64')}</Binary></Binaries></Meta>
</KeePassFile>`;

describe('KDBX XML reader', () => {
  it('resolves attachment references that come before the pool, keeping the entry\'s attachment order', () => {
    const entry = readXmlExport(rootFirst('0')).root.entries[0];
    expect([...entry.attachments.keys()]).toEqual(['a.txt', 'b.txt']);
    expect(Buffer.from(entry.attachments.get('a.txt')!.data).toString()).toBe('pooled');
    expect(Buffer.from(entry.attachments.get('b.txt')!.data).toString()).toBe('inline');
  });

  it('refuses a reference to a binary the pool does not have', () => {
    expect(() => readXmlExport(rootFirst('7'))).toThrow(CorruptFileError);
    expect(() => readXmlExport(rootFirst('7'))).toThrow(/attachment reference '7' has no binary/);
  });

  it('splits tags as KeePassXC does (on , ; and TAB, trimmed, no empties), with or without a separator', () => {
    const reference = (t: string) => t.split(/[,;\t]/).map((x) => x.trim()).filter(Boolean);
    const tagText = fc.array(fc.constantFrom('a', 'B', ' ', ',', ';', '\t', '\u00a0', '\n', 'é', 'long tag name'), { maxLength: 12 }).map((xs) => xs.join(''));
    fc.assert(fc.property(tagText, (t) => {
      expect(splitTags(t)).toEqual(reference(t));
    }), { numRuns: 2000 });
    expect(splitTags('  bench ')).toEqual(['bench']);
    expect(splitTags(' ')).toEqual([]);
  });

  it('reads every AutoType as its own text says, when AutoTypes repeat, differ, nest or repeat at another indentation', () => {
    const plain = '<AutoType><Enabled>True</Enabled><DataTransferObfuscation>0</DataTransferObfuscation></AutoType>';
    const variants = [
      plain,
      plain,
      '<AutoType><Enabled>False</Enabled><DataTransferObfuscation>0</DataTransferObfuscation></AutoType>',
      plain,
      '<AutoType>\n  <Enabled>True</Enabled>\n  <DataTransferObfuscation>0</DataTransferObfuscation>\n</AutoType>',
      '<AutoType><Enabled>True</Enabled><DataTransferObfuscation>0</DataTransferObfuscation><Association><Window>a &amp; b</Window><KeystrokeSequence/></Association></AutoType>',
      '<AutoType/>',
      '<AutoType><Enabled>True</Enabled><DataTransferObfuscation>0</DataTransferObfuscation></AutoType><!-- same prefix -->',
      '<AutoType><Enabled>True</Enabled><DataTransferObfuscation>0</DataTransferObfuscation><DefaultSequence>{USERNAME}</DefaultSequence></AutoType>',
      plain,
    ];
    const entries = variants.map((at, i) => {
      const uuid = Buffer.alloc(16, i + 1).toString('base64');
      return `<Entry><UUID>${uuid}</UUID><String><Key>Title</Key><Value>e${i}</Value></String>${at}<History><Entry><UUID>${uuid}</UUID>${at}</Entry></History></Entry>`;
    });
    const doc = `<KeePassFile><Meta/><Root><Group><UUID>${Buffer.alloc(16, 99).toString('base64')}</UUID><Name>R</Name>${entries.join('\n')}</Group></Root></KeePassFile>`;
    const strip = (n: XmlElement): unknown => ({ name: n.name, attrs: n.attrs ?? null, text: n.text, children: n.children.map(strip) });
    const got = readXmlExport(doc).root.entries;
    variants.forEach((at, i) => {
      const want = strip(parseXml(at.replace(/<!--.*-->$/, '')));
      expect(strip(xmlOf(got[i].autoType!))).toEqual(want);
      expect(strip(xmlOf(got[i].history[0].autoType!))).toEqual(want);
    });
  });

  it('keeps nothing of the document alive once read (a module-level memo once held a slice of it)', async () => {
    const id = (n: number) => Buffer.alloc(16, n).toString('base64');
    const time = '<Times><CreationTime>2024-05-01T10:00:00Z</CreationTime><LastModificationTime>2024-05-01T10:00:00Z</LastModificationTime></Times>';
    const padding = 8 * 1024 * 1024;
    const db = readXmlExport(
      `<KeePassFile><Meta/><!--${'x'.repeat(padding)}--><Root><Group><UUID>${id(1)}</UUID><Name>R</Name>${time}` +
        `<Entry><UUID>${id(2)}</UUID>${time}<String><Key>Title</Key><Value>a title longer than thirteen</Value></String></Entry></Group></Root></KeePassFile>`,
    );
    expect(db.root.entries[0].get('Title')).toBe('a title longer than thirteen');
    // A heap snapshot collects garbage first, then lists what is alive: no string the size of the document.
    const chunks: Buffer[] = [];
    for await (const c of getHeapSnapshot()) chunks.push(c as Buffer);
    const snap = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const { node_fields: fields, node_types: [types] } = snap.snapshot.meta;
    const [iType, iSize] = [fields.indexOf('type'), fields.indexOf('self_size')];
    let largest = 0;
    for (let i = 0; i < snap.nodes.length; i += fields.length) {
      if (types[snap.nodes[i + iType]] === 'string') largest = Math.max(largest, snap.nodes[i + iSize]);
    }
    expect(largest).toBeLessThan(padding);
  }, 60_000);
});
