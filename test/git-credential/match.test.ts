/** Which entry answers a git credential request, and the protocol's parsing. */
import { describe, expect, test } from 'vitest';
import { matchCredential, parseCredentialRequest, formatCredentialAnswer, type Candidate } from '../../src/git-credential/index.js';

const c = (path: string, url: string, username = 'fred'): Candidate => ({ uuid: path, path, url, username });
const req = (text: string) => parseCredentialRequest(text);
const pick = (cands: Candidate[], text: string) => {
  const m = matchCredential(cands, req(text));
  return m.kind === 'one' ? m.entry.path : m.kind;
};

describe('matching', () => {
  const entries = [
    c('GitHub', 'https://github.com'),
    c('GitHub work', 'https://github.com/acme', 'fred-acme'),
    c('Old http', 'http://git.example.org'),
    c('Bare host', 'gitlab.com'),
    c('www', 'https://www.codeberg.org/'),
    c('Port', 'https://git.example.org:8443'),
  ];
  test('protocol, host and port must agree; no scheme means https; www. is the same site', () => {
    expect(pick(entries, 'protocol=https\nhost=gitlab.com\n')).toBe('Bare host');
    expect(pick(entries, 'protocol=http\nhost=gitlab.com\n')).toBe('none');
    expect(pick(entries, 'protocol=https\nhost=codeberg.org\n')).toBe('www');
    expect(pick(entries, 'protocol=http\nhost=git.example.org\n')).toBe('Old http');
    expect(pick(entries, 'protocol=https\nhost=git.example.org\n')).toBe('none');
    expect(pick(entries, 'protocol=https\nhost=git.example.org:8443\n')).toBe('Port');
    expect(pick(entries, 'protocol=https\nhost=gitlab.com:443\n')).toBe('Bare host');
  });
  test('without a path the host-wide entry wins; with useHttpPath the longest path prefix wins; a username narrows', () => {
    expect(pick(entries, 'protocol=https\nhost=github.com\n')).toBe('GitHub');
    expect(pick(entries, 'protocol=https\nhost=github.com\npath=acme/tool.git\n')).toBe('GitHub work');
    expect(pick(entries, 'protocol=https\nhost=github.com\npath=acmeco/tool.git\n')).toBe('GitHub');
    expect(pick(entries, 'protocol=https\nhost=github.com\nusername=fred-acme\n')).toBe('GitHub work');
    expect(pick(entries, 'protocol=https\nhost=github.com\nusername=nobody\n')).toBe('none');
  });
  test('two equally good entries are ambiguous (git then asks)', () => {
    expect(pick([c('A', 'https://h.example'), c('B', 'h.example/')], 'protocol=https\nhost=h.example\n')).toBe('ambiguous');
    expect(pick([c('A', 'https://h.example', 'a'), c('B', 'h.example/', 'b')], 'protocol=https\nhost=h.example\nusername=b\n')).toBe('B');
  });
  test('a request without protocol or host matches nothing', () => {
    expect(pick(entries, 'host=github.com\n')).toBe('none');
  });
});

describe('protocol', () => {
  test('url= is split into its parts; unknown keys are kept; a blank line ends the request', () => {
    const r = req('url=https://ann@forge.example:8443/a/b.git\ncapability[]=authtype\npassword_expiry_utc=99\n\nprotocol=ignored\n');
    expect(r).toMatchObject({ protocol: 'https', host: 'forge.example:8443', path: 'a/b.git', username: 'ann', other: { password_expiry_utc: '99' } });
  });
  test('a value with a line break cannot go to git', () => {
    expect(() => formatCredentialAnswer({ password: 'a\nb' })).toThrow(/line break/);
    expect(formatCredentialAnswer({ username: 'u', password: 'p', skipped: undefined })).toBe('username=u\npassword=p\n');
  });
  test('a line without = is refused', () => {
    expect(() => req('protocol\n')).toThrow(/key=value/);
  });
});
