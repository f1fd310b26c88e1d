/** Types for the `bcrypt-pbkdf` package (OpenBSD's bcrypt_pbkdf in JavaScript; it ships none). */
declare module 'bcrypt-pbkdf' {
  export function pbkdf(pass: Uint8Array, passlen: number, salt: Uint8Array, saltlen: number, key: Uint8Array, keylen: number, rounds: number): number;
  const mod: { pbkdf: typeof pbkdf };
  export default mod;
}
