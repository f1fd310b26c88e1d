/**
 * Test helpers for the KDBX layers: open a file with our reader, and pull
 * protected values out of its XML in document order with a plain regex scan
 * (so these tests do not depend on the XML layer).
 */
import { readOuterHeader, transformKey, decryptKdbx, createInnerStream, type OuterHeader, type InnerHeader } from '../../../src/vault/kdbx/index.js';
import { compositeKey, keyfileComponent, passwordComponent } from '../../../src/vault/keys/index.js';
import { ByteReader } from '../../../src/vault/kdbx/bytes.js';

export interface Field { id: number; value: Uint8Array }

/** A 4.x file split into its header fields and the block stream after the header SHA-256 + HMAC. */
export function splitHeader(file: Uint8Array): { prefix: Uint8Array; fields: Field[]; rest: Uint8Array } {
  const r = new ByteReader(file, 12);
  const fields: Field[] = [];
  for (;;) {
    const id = r.u8('id');
    const value = Uint8Array.from(r.bytesOf(r.u32('len'), 'value'));
    fields.push({ id, value });
    if (id === 0) break;
  }
  return { prefix: file.subarray(0, 12), fields, rest: file.subarray(r.offset + 64) };
}

export interface Opened {
  header: OuterHeader;
  inner: InnerHeader;
  transformed: Uint8Array;
  xml: string;
}

export function composite(password?: string, keyfile?: Uint8Array): Uint8Array {
  return compositeKey({
    password: password === undefined ? undefined : passwordComponent(Buffer.from(password, 'utf8')),
    keyfile: keyfile === undefined ? undefined : keyfileComponent(keyfile),
  });
}

export async function openKdbx(file: Uint8Array, password?: string, keyfile?: Uint8Array): Promise<Opened> {
  const header = readOuterHeader(file);
  const transformed = await transformKey(composite(password, keyfile), header.kdf);
  const { inner, xml } = decryptKdbx(file, header, transformed);
  return { header, inner, transformed, xml: Buffer.from(xml).toString('utf8') };
}

/** Protected values in document order: [key of the enclosing String, plaintext]. */
export function protectedValues(o: Opened): [string, string][] {
  // KeePassXC's 3.x reader always uses Salsa20 (docs/kdbx.md §8, §12 #14).
  const stream = o.header.version.major < 4 ? createInnerStream(2, o.header.protectedStreamKey!) : createInnerStream(o.inner.streamId, o.inner.streamKey);
  const out: [string, string][] = [];
  const re = /<Key>([^<]*)<\/Key>\s*<Value Protected="True"(?:\/>|>([^<]*)<\/Value>)/g;
  for (const m of o.xml.matchAll(re)) {
    const data = Buffer.from(m[2] ?? '', 'base64');
    const ks = stream.keystream(data.length);
    for (let i = 0; i < data.length; i++) data[i] ^= ks[i];
    out.push([m[1], data.toString('utf8')]);
  }
  return out;
}

export function titles(xml: string): string[] {
  return [...xml.matchAll(/<Key>Title<\/Key>\s*<Value(?: [^>]*)?>([^<]*)<\/Value>/g)].map((m) => m[1]);
}

/** Re-protects every protected value with a new stream, for feeding XML back to the writer. */
export function reprotect(o: Opened, stream: { keystream(n: number): Uint8Array }): string {
  const plain = protectedValues(o);
  let i = 0;
  return o.xml.replace(/(<Key>[^<]*<\/Key>\s*<Value Protected="True")(\/>|>[^<]*<\/Value>)/g, (_all, head: string) => {
    const value = Buffer.from(plain[i++][1], 'utf8');
    if (value.length === 0) return `${head}/>`;
    const ks = stream.keystream(value.length);
    for (let j = 0; j < value.length; j++) value[j] ^= ks[j];
    return `${head}>${value.toString('base64')}</Value>`;
  });
}
