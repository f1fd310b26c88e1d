import { describe, expect, it } from 'vitest';
import { readXmlExport } from '../../../src/vault/index.js';
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
});
