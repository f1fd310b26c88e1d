/**
 * TOTP as KeePassXC keeps it: an `otpauth://` URI in the entry's protected
 * `otp` field (older KeePassXC: `TOTP Seed` plus `TOTP Settings` "30;6").
 * Codes follow RFC 6238 (via otpauth); a bare base32 secret is stored in
 * the URI form KeePassXC writes (Totp::writeSettings), so either tool reads it.
 */
import { UsageError, NotFoundError } from '../errors/index.js';
import type { Entry } from '../vault/index.js';

export { renderQr } from './qr.js';

type OtpAuth = typeof import('otpauth');
let lib: Promise<OtpAuth> | undefined;
const otpauth = (): Promise<OtpAuth> => (lib ??= import('otpauth'));

/** The entry's TOTP as a URI, or undefined when it has none. */
export function otpUriOf(e: Entry): string | undefined {
  const otp = e.get('otp');
  if (otp) return otp.startsWith('otpauth://') ? otp : `otpauth://totp/stickvault?secret=${encodeURIComponent(otp)}`;
  const seed = e.get('TOTP Seed');
  if (!seed) return undefined;
  const [period = '30', digits = '6'] = e.get('TOTP Settings').split(';');
  return `otpauth://totp/stickvault?secret=${encodeURIComponent(seed.replace(/\s/g, ''))}&period=${Number(period) || 30}&digits=${Number(digits) || 6}`;
}

export interface TotpNow {
  code: string;
  period: number;
  /** Whole seconds the code stays valid. */
  remaining: number;
  digits: number;
}

async function parse(uri: string, where: string) {
  const { URI, TOTP } = await otpauth();
  let otp;
  try {
    otp = URI.parse(uri);
  } catch (err) {
    throw new UsageError(`${where} is not a valid otpauth URI: ${(err as Error).message}`);
  }
  if (!(otp instanceof TOTP)) throw new UsageError(`${where} is an HOTP (counter) URI; only TOTP is supported`);
  return otp;
}

export async function totpNow(e: Entry, now = Date.now()): Promise<TotpNow> {
  const uri = otpUriOf(e);
  if (!uri) throw new NotFoundError(`entry '${e.path()}' has no TOTP set up (no 'otp' field); add one with 'stv totp set'`);
  const otp = await parse(uri, `the otp field of '${e.path()}'`);
  const remaining = Math.ceil((otp.period * 1000 - (now % (otp.period * 1000))) / 1000);
  return { code: otp.generate({ timestamp: now }), period: otp.period, remaining, digits: otp.digits };
}

export interface TotpSettings {
  period?: number;
  digits?: number;
  algorithm?: string;
}

const ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'];

/**
 * What `totp set` stores for what the user typed: an otpauth URI as given
 * (after checking it), or for a bare base32 secret KeePassXC's URI form
 * `otpauth://totp/TITLE:USER?secret=…&period=…&digits=…&issuer=TITLE`.
 */
export async function otpFieldFor(input: string, e: Entry, s: TotpSettings = {}): Promise<string> {
  const text = input.trim();
  if (!text) throw new UsageError('no TOTP secret given');
  if (/^otpauth:\/\//i.test(text)) {
    if (s.period || s.digits || s.algorithm) throw new UsageError('--period, --digits and --algorithm are for a bare secret; an otpauth URI carries its own');
    await parse(text, 'the input');
    return text;
  }
  const secret = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (!/^[A-Z2-7]+$/.test(secret)) throw new UsageError('the secret is neither an otpauth:// URI nor base32 (letters A-Z and digits 2-7)');
  if (secret.length < 16) throw new UsageError(`the secret is ${secret.length} base32 characters (${Math.floor((secret.length * 5) / 8)} bytes); TOTP secrets have at least 16 (80 bits)`);
  const period = s.period ?? 30;
  const digits = s.digits ?? 6;
  const algorithm = (s.algorithm ?? 'SHA1').toUpperCase();
  if (!Number.isInteger(period) || period < 1 || period > 86400) throw new UsageError('--period must be whole seconds from 1 to 86400');
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new UsageError('--digits must be 6 to 10');
  if (!ALGORITHMS.includes(algorithm)) throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
  const title = e.title ? encodeURIComponent(e.title) : 'KeePassXC';
  const user = e.get('UserName') ? encodeURIComponent(e.get('UserName')) : 'none';
  const uri = `otpauth://totp/${title}:${user}?secret=${secret}&period=${period}&digits=${digits}&issuer=${title}${algorithm === 'SHA1' ? '' : `&algorithm=${algorithm}`}`;
  await parse(uri, 'the secret');
  return uri;
}
