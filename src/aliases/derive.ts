/**
 * Per-site tags and addresses: `fred+amazon@example.com` from
 * www.amazon.co.uk. The tag is the registrable domain without its public
 * suffix (tldts), folded to ASCII and reduced to [a-z0-9] with safe inner
 * '.'/'_'. Optional "code" style appends a short keyed HMAC so a mail server
 * can reject guessed addresses.
 */
import { createHmac } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { parse } from 'tldts';
import { UsageError } from '../errors/index.js';

/** The rule of HTML's <input type=email> (WHATWG "valid e-mail address"). */
export const WHATWG_EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
export const MAX_LOCAL = 64;
export const MAX_ADDRESS = 254;
export const CODE_HEX = 8;

export function cleanTag(raw: string): string {
  const folded = raw.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  return folded
    .replace(/[^a-z0-9._]+/g, '')
    .replace(/[._]{2,}/g, (m) => m[0])
    .replace(/^[._]+|[._]+$/g, '');
}

/** The readable tag for a site (domain or URL). IP addresses have no name to use: give --tag. */
export function tagForSite(site: string): string {
  const p = parse(site.includes('://') ? site : `https://${site}`);
  if (p.isIp) throw new UsageError(`${site} is an IP address, with no site name to tag; give one with --tag`);
  if (!p.hostname) throw new UsageError(`'${site}' is not a domain or URL`);
  let name = p.domainWithoutSuffix ?? p.hostname;
  let tag = cleanTag(name);
  if (!tag) {
    // A script with no ASCII letters (e.g. 例え.jp): use the punycode label without its prefix.
    name = domainToASCII(name).replace(/^xn--/, '');
    tag = cleanTag(name);
  }
  if (!tag) throw new UsageError(`cannot make a tag from '${site}'; give one with --tag`);
  return tag;
}

/**
 * The code a mail server recomputes to tell a real alias from a guessed one.
 * HMAC-SHA1 keyed by the secret's hex text, because that is what Exim can
 * check: its ${hmac} knows only md5 and sha1, and ${readfile} of the file
 * `stv alias config secret` writes yields the hex text, not the raw bytes.
 */
export function codeFor(tag: string, secret: Uint8Array): string {
  return createHmac('sha1', Buffer.from(secret).toString('hex')).update(tag).digest('hex').slice(0, CODE_HEX);
}

export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw new UsageError(`'${address}' is not an e-mail address`);
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}

export function validateAddress(address: string): void {
  const { local } = splitAddress(address);
  if (Buffer.byteLength(local) > MAX_LOCAL) throw new UsageError(`the local part of ${address} is over ${MAX_LOCAL} octets; use a shorter --tag`);
  if (Buffer.byteLength(address) > MAX_ADDRESS) throw new UsageError(`${address} is over ${MAX_ADDRESS} octets`);
  if (!WHATWG_EMAIL.test(address)) throw new UsageError(`${address} is not accepted by web forms (HTML input type=email); use another --tag or separator`);
}
