/**
 * The XML tree of a KDBX payload. KDBX XML has no mixed content, so an
 * element holds either text or child elements; `text` keeps the decoded
 * text of a leaf. Unknown subtrees are kept as these nodes and written back
 * verbatim, which is what makes a read → write round trip lossless.
 */
import type { ProtectedValue } from '../../secret/index.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string> | null;
  children: XmlElement[];
  text: string;
  /** Set on elements with Protected="True" once the inner stream has been applied. */
  secret?: ProtectedValue;
}

export function el(name: string, text = '', attrs: Record<string, string> | null = null): XmlElement {
  return { name, attrs, children: [], text };
}

export function parent(name: string, children: XmlElement[]): XmlElement {
  return { name, attrs: null, children, text: '' };
}

export function child(node: XmlElement, name: string): XmlElement | undefined {
  for (const c of node.children) if (c.name === name) return c;
  return undefined;
}

/** Attribute truthiness as KeePassXC reads it: "true" in any case, or "1". */
export function isTrueAttr(value: string | undefined): boolean {
  return value !== undefined && (value === '1' || value.toLowerCase() === 'true');
}

export function cloneNode(node: XmlElement): XmlElement {
  return {
    name: node.name,
    attrs: node.attrs ? { ...node.attrs } : null,
    children: node.children.map(cloneNode),
    text: node.text,
    secret: node.secret?.clone(),
  };
}
