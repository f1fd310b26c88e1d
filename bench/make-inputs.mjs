// Generates the benchmark inputs: KeePass XML with N entries (in 50 groups),
// and a copy where `changed` entries were edited later, then imports both
// with keepassxc-cli (KDBX 3.1, AES-KDF tuned to ~100 ms) so both tools read
// files neither of them wrote specially.
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const b64time = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function uuid(i, salt) {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(i, 12);
  b.writeUInt32BE(salt, 0);
  return b.toString('base64');
}

function times(d) {
  const t = b64time(d);
  return `<Times><LastModificationTime>${t}</LastModificationTime><CreationTime>${t}</CreationTime><LastAccessTime>${t}</LastAccessTime><ExpiryTime>${t}</ExpiryTime><Expires>False</Expires><UsageCount>0</UsageCount><LocationChanged>${t}</LocationChanged></Times>`;
}

function entry(i, edited) {
  const created = new Date(Date.UTC(2024, 0, 1) + i * 1000);
  const modified = edited ? new Date(Date.UTC(2025, 5, 1) + i * 1000) : created;
  const pw = edited ? `changed-${i}-${randomBytes(6).toString('hex')}` : `pw-${i}-Xy9!${(i * 7919) % 100000}`;
  const history = edited
    ? `<History><Entry><UUID>${uuid(i, 1)}</UUID><IconID>0</IconID><ForegroundColor/><BackgroundColor/><OverrideURL/><Tags/>${times(created)}${strings(i, `pw-${i}-Xy9!${(i * 7919) % 100000}`, '')}<AutoType><Enabled>True</Enabled><DataTransferObfuscation>0</DataTransferObfuscation></AutoType></Entry></History>`
    : '<History/>';
  return `<Entry><UUID>${uuid(i, 1)}</UUID><IconID>0</IconID><ForegroundColor/><BackgroundColor/><OverrideURL/><Tags>bench</Tags>${times(modified)}${strings(i, pw, edited ? ' (edited)' : '')}<AutoType><Enabled>True</Enabled><DataTransferObfuscation>0</DataTransferObfuscation></AutoType>${history}</Entry>`;
}

function strings(i, pw, suffix) {
  const s = (k, v, p) => `<String><Key>${k}</Key><Value${p ? ' ProtectInMemory="True"' : ''}>${esc(v)}</Value></String>`;
  return s('Notes', `Account number ${i}${suffix}\nSecurity question: pet name`) + s('Password', pw, true) + s('Title', `Site ${i}`) + s('URL', `https://login.site${i}.example.com/account`) + s('UserName', `user${i}@example.com`);
}

/** `offset`: which entries of each hundred are the edited ones (another offset gives a replica that differs elsewhere). */
export function makeXml(path, n, changed = 0, offset = 0) {
  const groups = 50;
  const parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<KeePassFile><Meta><Generator>bench</Generator><DatabaseName>bench</DatabaseName><HistoryMaxItems>10</HistoryMaxItems><HistoryMaxSize>6291456</HistoryMaxSize><RecycleBinEnabled>True</RecycleBinEnabled></Meta><Root>'];
  parts.push(`<Group><UUID>${uuid(0, 2)}</UUID><Name>Root</Name>${times(new Date(Date.UTC(2024, 0, 1)))}`);
  for (let g = 0; g < groups; g++) {
    parts.push(`<Group><UUID>${uuid(g + 1, 3)}</UUID><Name>Group ${g}</Name>${times(new Date(Date.UTC(2024, 0, 1)))}`);
    for (let i = g; i < n; i += groups) parts.push(entry(i, i < changed * 100 && i % 100 === offset));
    parts.push('</Group>');
  }
  parts.push('</Group><DeletedObjects/></Root></KeePassFile>\n');
  writeFileSync(path, parts.join(''));
}
