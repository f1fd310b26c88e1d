/**
 * The XML the model keeps as `UnmodelledXml` (docs/kdbx.md §9): made here
 * from the reader's elements, opened here by the writer and by merge, which
 * compares and copies it. An UnmodelledXml is the element itself (a branded
 * type, no wrapper: a 10k-entry vault holds ~10k AutoType trees).
 */
import { createHash } from 'node:crypto';
import { cloneNode, el, parent, type XmlElement } from '../xml/index.js';
import type { UnmodelledXml } from '../model/index.js';

export function unmodelled(node: XmlElement): UnmodelledXml {
  return node as unknown as UnmodelledXml;
}

export function xmlOf(x: UnmodelledXml): XmlElement {
  return x as unknown as XmlElement;
}

export function cloneUnmodelled(x: UnmodelledXml): UnmodelledXml {
  return unmodelled(cloneNode(xmlOf(x)));
}

/** An unambiguous text of an XML subtree (texts are length-prefixed, secrets hashed); cheaper than serialising it. */
export function unmodelledText(x: UnmodelledXml): string {
  return treeText(xmlOf(x));
}

function treeText(n: XmlElement): string {
  let s = `<${n.name}`;
  if (n.attrs) for (const k in n.attrs) s += ` ${k}=${n.attrs[k].length}:${n.attrs[k]}`;
  s += `>${n.text.length}:${n.text}`;
  if (n.secret) {
    const bytes = n.secret.getBytes();
    s += `#${createHash('sha256').update(bytes).digest('base64')}`;
    bytes.fill(0);
  }
  for (const c of n.children) s += treeText(c);
  return s + '>';
}

/** AutoType as KeePassXC writes it for a new entry; what the writer writes for an entry without one. */
export const DEFAULT_AUTO_TYPE = unmodelled(parent('AutoType', [el('Enabled', 'True'), el('DataTransferObfuscation', '0')]));

/** AutoType defaults that programs write or leave out at will: saying them or not is the same setting. */
const AUTOTYPE_DEFAULTS: Record<string, string> = { Enabled: 'True', DataTransferObfuscation: '0', DefaultSequence: '' };

/**
 * AutoType as a setting, not as bytes: KeePassXC adds `<DefaultSequence/>`
 * to every entry it saves, which must not look like an edit. No AutoType is
 * KeePassXC's default (what the writer writes for it).
 */
export function autoTypeSetting(autoType: UnmodelledXml | undefined): string {
  if (!autoType) return '';
  const parts: string[] = [];
  for (const c of xmlOf(autoType).children) {
    if (c.children.length === 0 && AUTOTYPE_DEFAULTS[c.name] === c.text.trim()) continue;
    parts.push(c.children.length ? treeText(c) : `${c.name}=${c.text.trim()}`);
  }
  return parts.sort().join('\u0001');
}

/** An enabled AutoType with a default sequence and window associations (a KeePass 1 import's). */
export function autoTypeWith(defaultSequence: string, associations: { window: string; sequence: string }[]): UnmodelledXml {
  const assoc = associations.map((a) => parent('Association', [el('Window', a.window), el('KeystrokeSequence', a.sequence)]));
  return unmodelled(parent('AutoType', [el('Enabled', 'True'), el('DataTransferObfuscation', '0'), el('DefaultSequence', defaultSequence), ...assoc]));
}
