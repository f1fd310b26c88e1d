/** stv totp [show] ENTRY (--qr, --json) and stv totp set ENTRY. */
import { StvError, UsageError } from '../../errors/index.js';
import { resolveEntry } from '../../vault/index.js';
import { otpFieldFor, renderQr, totpNow, type TotpNow } from '../../totp/index.js';
import { type GlobalOptions, info, out, printJson } from '../runtime.js';
import { query } from './read-actions.js';
import { openSession } from '../session.js';
import { canPrompt, promptSecret, readStdinLine } from '../secrets-input.js';

export async function show(opts: GlobalOptions, entry: string, o: { qr?: boolean }): Promise<void> {
  // The QR code is the TOTP secret itself: only onto a terminal, never into a pipe or a log.
  if (o.qr && !process.stdout.isTTY) throw new UsageError('--qr shows the TOTP secret: it prints only to a terminal, and stdout is not one');
  const r = (await query(opts, 'totp', { entry, uri: Boolean(o.qr) })) as TotpNow & { uri?: string };
  if (o.qr) {
    if (!r.uri) throw new StvError('this entry has no otpauth URI to show');
    out(await renderQr(r.uri));
    return;
  }
  if (opts.json) return printJson({ code: r.code, period: r.period, remaining: r.remaining, path: (r as { path?: string }).path });
  out(r.code);
}

function numberFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number, got '${v}'`);
  return Number(v);
}

export async function set(opts: GlobalOptions, spec: string, o: { period?: string; digits?: string; algorithm?: string }): Promise<void> {
  const settings = { period: numberFlag(o.period, '--period'), digits: numberFlag(o.digits, '--digits'), algorithm: o.algorithm };
  // Stdin may carry the secret: then it never carries the master password.
  const s = await openSession(opts, canPrompt() ? {} : { stdinCarries: 'the TOTP secret' });
  try {
    const e = resolveEntry(s.vault.db, spec);
    const input = canPrompt() ? await promptSecret('TOTP secret (base32) or otpauth:// URI:') : readStdinLine();
    if (input === undefined) throw new UsageError("give the TOTP secret or otpauth URI at the prompt, or on the next stdin line");
    const uri = await otpFieldFor(input, e, settings);
    s.vault.db.updateEntry(e, (x) => x.set('otp', uri, true));
    await s.save();
    const now = await totpNow(e);
    info(opts, `TOTP set on ${e.path()}; current code ${now.code} (${now.remaining} s left)`);
  } finally {
    s.close();
  }
}
