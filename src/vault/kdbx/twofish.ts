/**
 * Twofish (Schneier et al., "Twofish: A 128-Bit Block Cipher", 1998) with
 * 128-, 192- and 256-bit keys, and CBC with PKCS#7 padding as KeePassXC uses
 * it for KDBX 3.1/4.x and KeePass 1 files (docs/kdbx.md §3, §14). Written from the
 * paper: q0/q1 from their 4-bit t-tables (the paper's section 4.3.5), MDS over GF(2^8) mod
 * x^8+x^6+x^5+x^3+1, RS over GF(2^8) mod x^8+x^6+x^3+x^2+1, the key-dependent
 * S-boxes folded with the MDS columns into four 256-word tables per key.
 * Checked against Schneier's ECB_TBL and ECB_IVAL known answers
 * (test/vectors/twofish-*.json). Table lookups are not constant-time, as in
 * every table-driven implementation (KeePassXC's libgcrypt included).
 */

const T = [
  // q0: t0..t3
  [[0x8, 0x1, 0x7, 0xd, 0x6, 0xf, 0x3, 0x2, 0x0, 0xb, 0x5, 0x9, 0xe, 0xc, 0xa, 0x4],
    [0xe, 0xc, 0xb, 0x8, 0x1, 0x2, 0x3, 0x5, 0xf, 0x4, 0xa, 0x6, 0x7, 0x0, 0x9, 0xd],
    [0xb, 0xa, 0x5, 0xe, 0x6, 0xd, 0x9, 0x0, 0xc, 0x8, 0xf, 0x3, 0x2, 0x4, 0x7, 0x1],
    [0xd, 0x7, 0xf, 0x4, 0x1, 0x2, 0x6, 0xe, 0x9, 0xb, 0x3, 0x0, 0x8, 0x5, 0xc, 0xa]],
  // q1: t0..t3
  [[0x2, 0x8, 0xb, 0xd, 0xf, 0x7, 0x6, 0xe, 0x3, 0x1, 0x9, 0x4, 0x0, 0xa, 0xc, 0x5],
    [0x1, 0xe, 0x2, 0xb, 0x4, 0xc, 0x3, 0x7, 0x6, 0xd, 0xa, 0x5, 0xf, 0x9, 0x0, 0x8],
    [0x4, 0xc, 0x7, 0x5, 0x1, 0x6, 0x9, 0xa, 0x0, 0xe, 0xd, 0x8, 0x2, 0xb, 0x3, 0xf],
    [0xb, 0x9, 0x5, 0x1, 0xc, 0x3, 0xd, 0xe, 0x6, 0x4, 0x7, 0xf, 0x2, 0x0, 0x8, 0xa]],
];

const ror4 = (x: number) => ((x >>> 1) | (x << 3)) & 15;

function qPerm(t: number[][], x: number): number {
  let a = x >>> 4;
  let b = x & 15;
  let a1 = a ^ b;
  let b1 = (a ^ ror4(b) ^ (8 * a)) & 15;
  a = t[0][a1];
  b = t[1][b1];
  a1 = a ^ b;
  b1 = (a ^ ror4(b) ^ (8 * a)) & 15;
  return (t[3][b1] << 4) | t[2][a1];
}

const Q0 = new Uint8Array(256);
const Q1 = new Uint8Array(256);
for (let x = 0; x < 256; x++) {
  Q0[x] = qPerm(T[0], x);
  Q1[x] = qPerm(T[1], x);
}

/** Multiplication in GF(2^8) modulo `poly`. */
function gfMul(a: number, b: number, poly: number): number {
  let r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x100) a ^= poly;
    b >>>= 1;
  }
  return r;
}

const MDS_POLY = 0x169;
const RS_POLY = 0x14d;
const MDS = [
  [0x01, 0xef, 0x5b, 0x5b],
  [0x5b, 0xef, 0xef, 0x01],
  [0xef, 0x5b, 0x01, 0xef],
  [0xef, 0x01, 0xef, 0x5b],
];
const RS = [
  [0x01, 0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e],
  [0xa4, 0x56, 0x82, 0xf3, 0x1e, 0xc6, 0x68, 0xe5],
  [0x02, 0xa1, 0xfc, 0xc1, 0x47, 0xae, 0x3d, 0x19],
  [0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e, 0x03],
];

/** MDS column j times byte y, as a little-endian word (the MDS product of y in position j). */
const MDS_COL: Uint32Array[] = [0, 1, 2, 3].map((j) => {
  const col = new Uint32Array(256);
  for (let y = 0; y < 256; y++) {
    col[y] = (gfMul(MDS[0][j], y, MDS_POLY) | (gfMul(MDS[1][j], y, MDS_POLY) << 8) | (gfMul(MDS[2][j], y, MDS_POLY) << 16) | (gfMul(MDS[3][j], y, MDS_POLY) << 24)) >>> 0;
  }
  return col;
});

/** The q permutations each byte of h goes through first, by key length (paper Fig. 2), outermost last. */
const Q_ORDER: Uint8Array[][] = [
  // byte 0: q1 ← L3, q1 ← L2, q0 ← L1, q0 ← L0, q1
  [Q1, Q1, Q0, Q0, Q1],
  [Q0, Q1, Q1, Q0, Q0],
  [Q0, Q0, Q0, Q1, Q1],
  [Q1, Q0, Q1, Q1, Q0],
];

/** h's byte j before the MDS: the q/xor chain with the key words L (k of them, L[0] applied last). */
function hByte(j: number, x: number, L: Uint8Array[], k: number): number {
  const q = Q_ORDER[j];
  // For k = 4 all five stages run; k = 3 skips the first, k = 2 the first two.
  let y = x;
  for (let stage = 4 - k, l = k - 1; l >= 0; stage++, l--) y = q[stage][y] ^ L[l][j];
  return q[4][y];
}

function h(x: number, L: Uint8Array[], k: number): number {
  return (MDS_COL[0][hByte(0, x & 255, L, k)] ^ MDS_COL[1][hByte(1, (x >>> 8) & 255, L, k)]
    ^ MDS_COL[2][hByte(2, (x >>> 16) & 255, L, k)] ^ MDS_COL[3][hByte(3, x >>> 24, L, k)]) >>> 0;
}

const rol = (x: number, n: number) => ((x << n) | (x >>> (32 - n))) >>> 0;
const ror = (x: number, n: number) => ((x >>> n) | (x << (32 - n))) >>> 0;

/** One expanded key: 40 subkeys and the four key-dependent S-box×MDS tables. */
export class Twofish {
  #K = new Uint32Array(40);
  #S = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];

  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new RangeError(`Twofish key must be 16, 24 or 32 bytes, not ${key.length}`);
    const k = key.length / 8;
    const me: Uint8Array[] = [];
    const mo: Uint8Array[] = [];
    const s: Uint8Array[] = [];
    for (let i = 0; i < k; i++) {
      me.push(key.subarray(8 * i, 8 * i + 4));
      mo.push(key.subarray(8 * i + 4, 8 * i + 8));
      const si = new Uint8Array(4);
      for (let r = 0; r < 4; r++) {
        let v = 0;
        for (let c = 0; c < 8; c++) v ^= gfMul(RS[r][c], key[8 * i + c], RS_POLY);
        si[r] = v;
      }
      s.push(si);
    }
    const rho = 0x01010101;
    for (let i = 0; i < 20; i++) {
      const a = h(Math.imul(2 * i, rho) >>> 0, me, k);
      const b = rol(h(Math.imul(2 * i + 1, rho) >>> 0, mo, k), 8);
      this.#K[2 * i] = (a + b) >>> 0;
      this.#K[2 * i + 1] = rol((a + 2 * b) >>> 0, 9);
    }
    // g uses S in reverse order: L0 = S_{k-1} … L_{k-1} = S_0.
    const L = s.slice().reverse();
    for (let j = 0; j < 4; j++) for (let x = 0; x < 256; x++) this.#S[j][x] = MDS_COL[j][hByte(j, x, L, k)];
    for (const b of s) b.fill(0);
  }

  #g0(x: number): number {
    const S = this.#S;
    return (S[0][x & 255] ^ S[1][(x >>> 8) & 255] ^ S[2][(x >>> 16) & 255] ^ S[3][x >>> 24]) >>> 0;
  }

  /** One 16-byte block, `src` at `si` → `dst` at `di` (may be the same place). */
  encryptBlock(src: Uint8Array, si: number, dst: Uint8Array, di: number): void {
    const K = this.#K;
    let r0 = read32(src, si) ^ K[0];
    let r1 = read32(src, si + 4) ^ K[1];
    let r2 = read32(src, si + 8) ^ K[2];
    let r3 = read32(src, si + 12) ^ K[3];
    for (let r = 0; r < 16; r += 2) {
      let t0 = this.#g0(r0);
      let t1 = this.#g0(rol(r1, 8));
      r2 = ror((r2 ^ (t0 + t1 + K[2 * r + 8])) >>> 0, 1);
      r3 = (rol(r3, 1) ^ (t0 + 2 * t1 + K[2 * r + 9])) >>> 0;
      t0 = this.#g0(r2);
      t1 = this.#g0(rol(r3, 8));
      r0 = ror((r0 ^ (t0 + t1 + K[2 * r + 10])) >>> 0, 1);
      r1 = (rol(r1, 1) ^ (t0 + 2 * t1 + K[2 * r + 11])) >>> 0;
    }
    write32(dst, di, r2 ^ K[4]);
    write32(dst, di + 4, r3 ^ K[5]);
    write32(dst, di + 8, r0 ^ K[6]);
    write32(dst, di + 12, r1 ^ K[7]);
  }

  decryptBlock(src: Uint8Array, si: number, dst: Uint8Array, di: number): void {
    const K = this.#K;
    let r2 = read32(src, si) ^ K[4];
    let r3 = read32(src, si + 4) ^ K[5];
    let r0 = read32(src, si + 8) ^ K[6];
    let r1 = read32(src, si + 12) ^ K[7];
    for (let r = 14; r >= 0; r -= 2) {
      let t0 = this.#g0(r2);
      let t1 = this.#g0(rol(r3, 8));
      r0 = (rol(r0, 1) ^ (t0 + t1 + K[2 * r + 10])) >>> 0;
      r1 = ror((r1 ^ (t0 + 2 * t1 + K[2 * r + 11])) >>> 0, 1);
      t0 = this.#g0(r0);
      t1 = this.#g0(rol(r1, 8));
      r2 = (rol(r2, 1) ^ (t0 + t1 + K[2 * r + 8])) >>> 0;
      r3 = ror((r3 ^ (t0 + 2 * t1 + K[2 * r + 9])) >>> 0, 1);
    }
    write32(dst, di, r0 ^ K[0]);
    write32(dst, di + 4, r1 ^ K[1]);
    write32(dst, di + 8, r2 ^ K[2]);
    write32(dst, di + 12, r3 ^ K[3]);
  }

  wipe(): void {
    this.#K.fill(0);
    for (const t of this.#S) t.fill(0);
  }
}

function read32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function write32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

/** Twofish-CBC with PKCS#7 padding (always at least one pad byte, as KeePassXC writes). */
export function twofishCbcEncrypt(key: Uint8Array, iv: Uint8Array, plain: Uint8Array): Uint8Array {
  if (iv.length !== 16) throw new RangeError(`Twofish-CBC IV must be 16 bytes, not ${iv.length}`);
  const pad = 16 - (plain.length % 16);
  const out = new Uint8Array(plain.length + pad);
  out.set(plain);
  out.fill(pad, plain.length);
  const tf = new Twofish(key);
  let prev = iv;
  let prevAt = 0;
  for (let i = 0; i < out.length; i += 16) {
    for (let j = 0; j < 16; j++) out[i + j] ^= prev[prevAt + j];
    tf.encryptBlock(out, i, out, i);
    prev = out;
    prevAt = i;
  }
  tf.wipe();
  return out;
}

/** Twofish-CBC decryption without judging the padding (the caller strips it: see stripPadding). */
export function twofishCbcDecryptRaw(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 16) throw new RangeError(`Twofish-CBC IV must be 16 bytes, not ${iv.length}`);
  const out = new Uint8Array(data.length);
  const tf = new Twofish(key);
  for (let i = 0; i < data.length; i += 16) {
    tf.decryptBlock(data, i, out, i);
    if (i === 0) for (let j = 0; j < 16; j++) out[j] ^= iv[j];
    else for (let j = 0; j < 16; j++) out[i + j] ^= data[i - 16 + j];
  }
  tf.wipe();
  return out;
}
