/**
 * What `stv passwd` says after a key change: which old-key copies it
 * re-encrypted or removed (PATH.bak, the mounted sticks' backup generations)
 * and what remains — the sticks' current copies until the next sync, sticks
 * not mounted, files under keys stv cannot tell are old. The work is
 * src/sync/rotate.ts.
 */
import { loadConfig } from '../config/index.js';
import type { DerivedKey } from '../vault/index.js';
import { info, warn, type GlobalOptions } from './runtime.js';
import type { Session } from './session.js';

const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;

export async function rotateAfterKeyChange(opts: GlobalOptions, s: Session, oldKey: DerivedKey): Promise<void> {
  const sync = await import('../sync/index.js');
  const vaultId = sync.vaultIdOf(s.vault.db);
  const extra = loadConfig().stickPaths ?? [];
  const sticks = vaultId ? sync.findSticks(extra).filter((m) => m.info.vaults[vaultId]) : [];
  const unmounted = vaultId ? sync.listSticks(extra).filter((l) => !l.mounted && l.vaults.some((v) => v.vaultId === vaultId)).map((l) => l.label) : [];
  const r = await sync.rotateAfterKeyChange({ path: s.ref.path, vaultId, oldKey, vault: s.vault, sticks, unmountedSticks: unmounted });
  if (r.bak.reencrypted.length) info(opts, `re-encrypted ${s.ref.path}.bak with the new key`);
  if (r.bak.remaining.length) warn(`${s.ref.path}.bak is under a key stv cannot match; it may open with an old password: delete it if so`);
  for (const { label, report } of r.sticks) {
    const done = [report.reencrypted.length && `re-encrypted ${n(report.reencrypted.length, 'backup generation')}`, report.removed.length && `removed ${n(report.removed.length, 'generation')} under an older key`].filter(Boolean);
    if (done.length) info(opts, `stick ${label}: ${done.join(', ')}`);
    if (report.remaining.length) warn(`stick ${label}: ${n(report.remaining.length, 'backup generation')} under keys stv did not retire (KeePassXC saves, or older): ${report.remaining.join(', ')}`);
  }
  if (sticks.length) info(opts, `the vault on ${sticks.map((m) => m.info.label).join(', ')} still has the old key until 'stv sync'`);
  if (unmounted.length) info(opts, `not mounted: ${unmounted.join(', ')}: their copies and old-key backup generations are replaced or removed at their next 'stv sync'`);
}
