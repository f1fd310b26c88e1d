/**
 * Payload encryption (docs/kdbx.md §3, §6): AES-256-CBC with PKCS#7 padding,
 * or ChaCha20 (RFC 7539, 12-byte nonce, counter 0, no padding), both via
 * node:crypto (OpenSSL) for speed; Twofish-CBC with PKCS#7 in our own code
 * (OpenSSL has no Twofish).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { corrupt } from './bytes.js';
import type { CipherName } from './header.js';
import { twofishCbcDecryptRaw, twofishCbcEncrypt } from './twofish.js';

function chachaIv(nonce: Uint8Array): Buffer {
  // node's chacha20 IV = 4-byte little-endian counter (0) ‖ 12-byte nonce.
  const iv = Buffer.alloc(16);
  iv.set(nonce, 4);
  return iv;
}

export function encryptPayload(cipher: CipherName, key: Uint8Array, iv: Uint8Array, plain: Uint8Array): Uint8Array {
  if (cipher === 'twofish') return twofishCbcEncrypt(key, iv, plain);
  const c = cipher === 'aes256' ? createCipheriv('aes-256-cbc', key, iv) : createCipheriv('chacha20', key, chachaIv(iv));
  return new Uint8Array(Buffer.concat([c.update(plain), c.final()]));
}

/**
 * Decrypts without judging the padding: callers check the wrong-key signal
 * first (3.x start bytes), then call `stripPadding` (a bad pad is corruption).
 */
export function decryptPayloadRaw(cipher: CipherName, key: Uint8Array, iv: Uint8Array, data: Uint8Array, where: string): Uint8Array {
  if (cipher !== 'chacha20' && (data.length === 0 || data.length % 16 !== 0)) {
    throw corrupt(`encrypted payload is ${data.length} bytes, not a positive multiple of the ${cipher === 'twofish' ? 'Twofish' : 'AES'} block size (${where})`);
  }
  if (cipher === 'twofish') return twofishCbcDecryptRaw(key, iv, data);
  if (cipher === 'aes256') {
    const d = createDecipheriv('aes-256-cbc', key, iv);
    d.setAutoPadding(false);
    return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
  }
  const d = createDecipheriv('chacha20', key, chachaIv(iv));
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

/** PKCS#7 check and strip for CBC; ChaCha20 plaintext is returned as is. */
export function stripPadding(cipher: CipherName, plain: Uint8Array, where: string): Uint8Array {
  if (cipher === 'chacha20') return plain;
  const pad = plain[plain.length - 1];
  let ok = pad >= 1 && pad <= 16 && pad <= plain.length;
  for (let i = 1; ok && i <= pad; i++) ok = plain[plain.length - i] === pad;
  if (!ok) throw corrupt(`bad PKCS#7 padding at the end of the encrypted payload (${where})`);
  return plain.subarray(0, plain.length - pad);
}
