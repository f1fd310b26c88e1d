import { describe, expect, it } from 'vitest';
import { readXmlExport, writeXmlExport } from '../../../src/vault/index.js';

const META = [
  '<Generator>KeePass</Generator>',
  '<DatabaseName a="1">Name &amp; co</DatabaseName>',
  '<DatabaseNameChanged>2020-01-01T00:00:00Z</DatabaseNameChanged>',
  '<MemoryProtection>',
  '\t<ProtectTitle>true</ProtectTitle>',
  '\t<ProtectPassword>False</ProtectPassword>',
  '\t<Protect__proto__>True</Protect__proto__>',
  '</MemoryProtection>',
  '<RecycleBinEnabled>TRUE</RecycleBinEnabled>',
  '<RecycleBinUUID>not base64!</RecycleBinUUID>',
  '<HistoryMaxItems> 5 </HistoryMaxItems>',
  '<HistoryMaxSize/>',
  '<Unknown x="y">',
  '\t<Deep>1</Deep>',
  '</Unknown>',
];
const doc = `<KeePassFile><Meta>${META.join('')}</Meta><Root><Group><UUID>AAAAAAAAAAAAAAAAAAAAAQ==</UUID><Name>R</Name></Group></Root></KeePassFile>`;
const metaLines = (xml: string) => xml.slice(xml.indexOf('<Meta>') + 6, xml.indexOf('</Meta>')).split('\n').map((l) => l.replace(/^\t\t/, '')).filter((l) => l.trim());

describe('Meta', () => {
  it('reads the fields stickvault acts on as plain values, as KeePassXC reads them', () => {
    const m = readXmlExport(doc).meta;
    expect(m.databaseName).toBe('Name & co');
    expect(m.get('DatabaseNameChanged')).toEqual(new Date(Date.UTC(2020, 0, 1)));
    expect([m.protects('Title'), m.protects('Password'), m.protects('Notes'), m.protects('URL')]).toEqual([true, false, false, false]);
    expect(m.recycleBinEnabled).toBe(true);
    expect(m.recycleBinUuid).toBe('00000000000000000000000000000000');
    expect([m.historyMaxItems, m.historyMaxSize]).toEqual([5, 0]);
  });

  it('writes back what it read byte for byte, and a field it sets in its place with its attributes', () => {
    const db = readXmlExport(doc);
    expect(metaLines(writeXmlExport(db))).toEqual(META);
    db.meta.databaseName = 'Renamed';
    db.meta.historyMaxItems = -1;
    const lines = metaLines(writeXmlExport(db));
    expect(lines[1]).toBe('<DatabaseName a="1">Renamed</DatabaseName>');
    expect(lines[2]).toMatch(/^<DatabaseNameChanged>[A-Za-z0-9+/]{11}=<\/DatabaseNameChanged>$/);
    expect(lines[10]).toBe('<HistoryMaxItems>-1</HistoryMaxItems>');
    expect([...lines.slice(3, 10), ...lines.slice(11)]).toEqual([...META.slice(3, 10), ...META.slice(11)]);
  });
});
