import { describe, expect, it } from 'vitest';
import { XmlWriter, el, parent } from '../../../src/vault/xml/index.js';
import { ProtectedValue } from '../../../src/secret/index.js';

describe('XmlWriter', () => {
  it('writes a shared tree exactly as node() does, at every depth, and never caches one with a protected value', () => {
    const autoType = parent('AutoType', [el('Enabled', 'True'), el('DefaultSequence', 'a & <b>')]);
    const secret = parent('AutoType', [{ ...el('Window', ''), attrs: { Protected: 'True' }, secret: ProtectedValue.fromString('x') }]);
    let calls = 0;
    const write = (shared: boolean) => {
      calls = 0;
      const w = new XmlWriter(() => `v${++calls}`);
      const put = (n: typeof autoType) => (shared ? w.sharedNode(n) : w.node(n));
      w.open('A');
      put(autoType);
      w.open('B');
      put(autoType);
      put(secret);
      w.close('B');
      put(autoType);
      put(secret);
      w.close('A');
      return w.toString();
    };
    const plain = write(false);
    expect(write(true)).toBe(plain);
    expect(calls).toBe(2); // the protected value was written (and its stream consumed) each time
    expect(plain).toContain('\t\t<AutoType>\n\t\t\t<Enabled>True</Enabled>');
  });

  it('writes a safe leaf as leaf() writes it, empty ones self-closed', () => {
    const write = (safe: boolean) => {
      const w = new XmlWriter();
      w.open('Times');
      for (const t of ['AAAAAAAAAAAAAAAAAAAAAA==', '2024-01-01T00:00:00Z', 'True', '42', 'null', '']) (safe ? w.safeLeaf('X', t) : w.leaf('X', t));
      w.close('Times');
      return w.toString();
    };
    expect(write(true)).toBe(write(false));
    expect(write(true)).toContain('\t<X/>\n');
  });
});
