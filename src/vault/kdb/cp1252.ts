/**
 * Password encodings KeePass 1 used: Windows-1252 first, then Latin-1 and
 * UTF-8 as KeePassXC retries (docs/kdbx.md §11). Characters a code page
 * cannot hold become '?', as Qt's codecs do.
 */

// Windows-1252 bytes 0x80–0x9F (Unicode.org cp1252.txt); the rest of 0x00–0xFF is Latin-1.
const HIGH: Record<number, number> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
  0x02c6: 0x88, 0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91,
  0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98,
  0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};
const UNDEFINED_IN_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

export function encodeCp1252(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80 || (cp >= 0xa0 && cp <= 0xff) || UNDEFINED_IN_1252.has(cp)) out.push(cp);
    else out.push(HIGH[cp] ?? 0x3f);
  }
  return Uint8Array.from(out);
}

export function encodeLatin1(text: string): Uint8Array {
  return Uint8Array.from([...text].map((ch) => {
    const cp = ch.codePointAt(0)!;
    return cp <= 0xff ? cp : 0x3f;
  }));
}

/** The distinct byte forms to try, in KeePassXC's order. */
export function passwordCandidates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const b of [encodeCp1252(text), encodeLatin1(text), new Uint8Array(Buffer.from(text, 'utf8'))]) {
    if (!out.some((o) => Buffer.from(o).equals(Buffer.from(b)))) out.push(b);
  }
  return out;
}
