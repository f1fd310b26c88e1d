/**
 * The names file-sync tools give the losing side of a conflict, beside the
 * file they conflict with. For `personal.kdbx`:
 *
 * - Syncthing: `personal.sync-conflict-20240301-101500-ABCD123.kdbx`
 *   (`<name>.sync-conflict-<date>-<time>-<modifiedBy>.<ext>`, modifiedBy the
 *   short device id; releases before 0.14.20 wrote no device part). Source:
 *   docs.syncthing.net "How are conflicts handled?", syncthing/syncthing#2559.
 * - Nextcloud / ownCloud desktop ≥ 2.5 and OpenCloud:
 *   `personal (conflicted copy 2024-03-01 101500).kdbx`, some versions with the
 *   user before the date; older ownCloud: `personal_conflict-20240301-101500.kdbx`.
 *   Source: nextcloud/documentation desktop/conflicts.rst, opencloud-eu/docs
 *   conflict-files.md, owncloud/client#4095.
 * - Dropbox: `personal (Fred's conflicted copy 2024-03-01).kdbx`, a counter
 *   when there are several that day (`… 2024-03-01 (1))`), no name on some
 *   older clients. Source: help.dropbox.com/syncing-uploads/conflicted-copy.
 * - Google Drive for desktop (and Backup and Sync / File Stream) keeps both
 *   files and numbers the second: `personal (1).kdbx`, `personal (1) (1).kdbx`.
 *   Source: keepassxreboot/keepassxc#2066, Grive/grive#166.
 * - OneDrive (Windows client and abraunegg/onedrive) appends the computer
 *   name: `personal-DESKTOP-4F2K9Q1.kdbx`, then `-2`, `-3`. Source:
 *   abraunegg/onedrive#207, skilion/onedrive#265 and #338.
 *
 * A name that matches says only "maybe a copy of this vault": the caller
 * still checks that the file opens with this vault's key as this vault.
 */

export type ConflictTool = 'syncthing' | 'nextcloud' | 'owncloud' | 'dropbox' | 'google-drive' | 'onedrive';

/** Each tool's suffix, inserted between the stem and the extension (possibly several times: a conflict of a conflict). */
const SUFFIXES: [ConflictTool, RegExp][] = [
  ['syncthing', /\.sync-conflict-\d{8}-\d{6}(?:-[A-Z0-9]{7})?/],
  ['nextcloud', / \(conflicted copy (?:[^()/]{1,64} )?\d{4}-\d{2}-\d{2} \d{6}\)/],
  ['owncloud', /_conflict-\d{8}-\d{6}/],
  ['dropbox', / \((?:[^()/]{1,64}'s )?conflicted copy(?: \d{4}-\d{2}-\d{2})?(?: \(\d{1,4}\))?\)/],
  ['google-drive', / \(\d{1,4}\)/],
  // A Windows computer name: at most 15 characters, at least one letter (so `personal-2024.kdbx`, a dated backup, is not taken for one).
  ['onedrive', /-(?=[A-Za-z0-9-]{0,14}[A-Za-z])[A-Za-z0-9][A-Za-z0-9-]{0,14}(?:-\d{1,4})?/],
];

/** Which tool's conflict name `candidate` is for the vault file named `fileName` (same directory), if any. */
export function conflictToolOf(fileName: string, candidate: string): ConflictTool | undefined {
  if (candidate === fileName || candidate.startsWith('.')) return undefined;
  const dot = fileName.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  if (!candidate.startsWith(stem) || !candidate.endsWith(ext) || candidate.length <= fileName.length) return undefined;
  const middle = candidate.slice(stem.length, candidate.length - ext.length);
  // OneDrive's suffix ends the name and comes once: repeated, its length limit would not hold and `-old-copy` would match.
  const any = SUFFIXES.filter(([t]) => t !== 'onedrive').map(([, r]) => `(?:${r.source})`).join('|');
  const onedrive = SUFFIXES.find(([t]) => t === 'onedrive')![1].source;
  if (!new RegExp(`^(?:(?:${any})+|(?:${any})*(?:${onedrive}))$`).test(middle)) return undefined;
  // Named after the first suffix: the tool that made this file from the vault's own name.
  return SUFFIXES.find(([, r]) => new RegExp(`^${r.source}`).test(middle))![0];
}

/** The names in `names` that are conflict copies of `fileName`, sorted (so every run sees them in one order). */
export function conflictNames(fileName: string, names: string[]): { name: string; tool: ConflictTool }[] {
  return names
    .map((name) => ({ name, tool: conflictToolOf(fileName, name) }))
    .filter((x): x is { name: string; tool: ConflictTool } => x.tool !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
