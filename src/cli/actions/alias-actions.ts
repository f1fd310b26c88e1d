/** alias setup/new/ls/who/burn/noplus/config over an unlocked session. */
import { UsageError } from '../../errors/index.js';
import { expandPath } from '../../config/index.js';
import {
  tagsOfOtherVaults, setupAliases, getSetup, aliasForSite, burntAliases, listAliases, whoIs, burnAlias, markNoPlus, eximConfig, postfixConfig, postfixAccessMap, sieveScript, burntList, rememberBases,
} from '../../aliases/index.js';
import { type GlobalOptions, info, out, printJson, warn } from '../runtime.js';
import { openIfUnlocked, openSession, type Session } from '../session.js';

/** Tags the user's other vaults use (read through the agent only), with a warning for each vault that could not be checked. */
export async function otherVaultTags(s: Session): Promise<string[]> {
  const peers = Object.entries(s.config.vaults ?? {}).map(([name, v]) => ({
    name,
    path: expandPath(v.path),
    openIfUnlocked: async () => {
      const other = await openIfUnlocked({ ...s.opts, vault: name, passwordFile: undefined, passwordFd: undefined, password: true });
      return other && { db: other.vault.db, close: () => other.close() };
    },
  }));
  const { tags, sharing, unknown } = await tagsOfOtherVaults(s.vault.db, s.ref.path, peers);
  const them = (l: string[]) => (l.length > 1 ? 'them' : 'it');
  if (sharing.length) warn(`${sharing.join(', ')} ${sharing.length > 1 ? 'share' : 'shares'} a base address with this vault and ${sharing.length > 1 ? 'are' : 'is'} locked, so ${sharing.length > 1 ? 'their' : 'its'} aliases were not checked; unlock ${them(sharing)} to keep aliases unique across vaults`);
  if (unknown.length) warn(`${unknown.join(', ')} ${unknown.length > 1 ? 'were' : 'was'} never seen unlocked here, so whether ${unknown.length > 1 ? 'they share' : 'it shares'} a base address is unknown; unlock ${them(unknown)} once ('stv --vault ${unknown[0]} unlock') and stv remembers`);
  return tags;
}


async function withVault<T>(opts: GlobalOptions, fn: (s: Session) => T | Promise<T>, save = false): Promise<T> {
  const s = await openSession(opts);
  try {
    const r = await fn(s);
    if (save) await s.save();
    return r;
  } finally {
    s.close();
  }
}

export async function setup(opts: GlobalOptions, o: { base: string[]; separator?: string[]; style?: 'plain' | 'code' }): Promise<void> {
  const st = await withVault(opts, (s) => {
    const setUp = setupAliases(s.vault.db, { bases: o.base, separators: o.separator, style: o.style });
    rememberBases(s.ref.path, setUp.bases);
    return setUp;
  }, true);
  info(opts, `aliases for ${st.bases.join(', ')} with separators ${st.separators.join(' ')} (${st.style} tags)`);
}

export async function newOne(opts: GlobalOptions, site: string, o: { tag?: string; base?: string; group?: string }): Promise<void> {
  const r = await withVault(opts, async (s) => {
    const { record, entry, created } = aliasForSite(s.vault.db, site, { ...o, otherVaultTags: await otherVaultTags(s) });
    return { ...record, path: entry.path(), created };
  }, true);
  if (opts.json) return printJson(r);
  out(r.address);
  info(opts, r.created ? `recorded on a new entry ${r.path}` : `recorded on ${r.path} (its username now; the old one is in its history)`);
}

export async function ls(opts: GlobalOptions): Promise<void> {
  const list = await withVault(opts, (s) => listAliases(s.vault.db).map(({ entry, record }) => ({ ...record, path: entry.path() })));
  if (opts.json) return printJson(list);
  for (const a of list) out(`${a.address}\t${a.path}\t${a.site}${a.burnt ? '\tBURNT' : ''}`);
}

export async function who(opts: GlobalOptions, text: string): Promise<void> {
  const hits = await withVault(opts, (s) => whoIs(s.vault.db, text));
  if (opts.json) return printJson(hits);
  for (const h of hits) out(`${h.address}\t${h.path}\t${h.site}\tcreated ${h.created.slice(0, 10)}${h.burnt ? `\tburnt ${h.burnt.slice(0, 10)}` : ''}`);
}

export async function burn(opts: GlobalOptions, address: string): Promise<void> {
  const r = await withVault(opts, (s) => burnAlias(s.vault.db, address), true);
  info(opts, `burnt ${r.address}; update the server's reject list with 'stv alias config burnt'`);
}

export async function noplus(opts: GlobalOptions, site: string): Promise<void> {
  await withVault(opts, (s) => markNoPlus(s.vault.db, site), true);
  info(opts, `${site}: new aliases will not use '+'`);
}

export async function config(opts: GlobalOptions, kind: string): Promise<void> {
  const text = await withVault(opts, (s) => {
    const st = getSetup(s.vault.db);
    const burnt = burntAliases(s.vault.db).map((a) => a.address);
    switch (kind) {
      case 'exim': return eximConfig(st, burnt);
      case 'postfix': return postfixConfig(st, burnt);
      case 'postfix-map': return postfixAccessMap(burnt);
      case 'sieve': return sieveScript(st);
      case 'burnt': return burntList(burnt);
      case 'secret':
        if (!st.secret) throw new UsageError("no secret: the setup uses plain tags ('stv alias setup --style code' makes one)");
        return `${Buffer.from(st.secret, 'base64').toString('hex')}\n`;
      default: throw new UsageError(`unknown kind '${kind}'; use exim, postfix, postfix-map, sieve, burnt or secret`);
    }
  });
  process.stdout.write(text);
}
