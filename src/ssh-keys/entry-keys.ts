/**
 * Where an entry keeps its SSH key: as KeePassXC's KeeAgent settings say
 * (an attachment, or a file whose path may use $VARIABLES and ~), or — for
 * an entry without settings that is named on the command line — its one
 * attachment that is a private key file. The path of a key file comes from
 * the vault, which someone else may have written: it is read only as a
 * regular file of at most 1 MiB, never through a symlink.
 */
import { homedir } from 'node:os';
import { readRegularFile, SafeReadError } from '../config/index.js';
import type { Entry } from '../vault/index.js';
import { parseKeeAgentSettings, SETTINGS_ATTACHMENT, type KeeAgentSettings } from './keeagent.js';
import { looksLikePrivateKey } from './private-key.js';

export interface KeySource {
  settings?: KeeAgentSettings;
  /** The key file's bytes; undefined when `problem` says why not. */
  bytes?: Uint8Array;
  /** Attachment name or file name, the last resort for the comment (as KeePassXC). */
  name: string;
  problem?: string;
}

export function expandKeyPath(path: string): string {
  const subst = path.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => process.env[(a ?? b)!] ?? '');
  return subst === '~' || subst.startsWith('~/') ? homedir() + subst.slice(1) : subst;
}

/** The entry's key source, or undefined when it holds no SSH key. */
export function keySourceOf(e: Entry): KeySource | undefined {
  if (!e.hasAttachments) return undefined;
  const raw = e.attachments.get(SETTINGS_ATTACHMENT);
  if (raw) {
    let settings: KeeAgentSettings;
    try {
      settings = parseKeeAgentSettings(raw.data);
    } catch (err) {
      return { name: SETTINGS_ATTACHMENT, problem: (err as Error).message };
    }
    if (settings.selectedType === 'attachment') {
      const a = e.attachments.get(settings.attachmentName);
      if (!settings.attachmentName || !a) return { settings, name: settings.attachmentName, problem: `its KeeAgent settings name the attachment '${settings.attachmentName}', which it does not have` };
      return { settings, name: settings.attachmentName, bytes: a.data };
    }
    if (!settings.fileName) return { settings, name: '', problem: 'its KeeAgent settings name no key file' };
    const path = expandKeyPath(settings.fileName);
    try {
      return { settings, name: path.split('/').pop() ?? path, bytes: new Uint8Array(readRegularFile(path, { maxBytes: 1024 * 1024, what: 'SSH key file' })) };
    } catch (err) {
      if (err instanceof SafeReadError) return { settings, name: path, problem: err.message };
      throw err;
    }
  }
  const keys = [...e.attachments].filter(([, a]) => looksLikePrivateKey(a.data));
  if (keys.length === 1) return { name: keys[0][0], bytes: keys[0][1].data };
  if (keys.length > 1) return { name: '', problem: `it has ${keys.length} private key attachments (${keys.map(([n]) => n).join(', ')}) and no KeeAgent settings to choose one` };
  return undefined;
}
