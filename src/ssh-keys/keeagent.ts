/**
 * KeePassXC's per-entry SSH agent settings: the `KeeAgent.settings`
 * attachment (KeeAgent's format, which KeePassXC reads and writes, UTF-16
 * with a byte order mark), read as KeePassXC's KeeAgentSettings::fromXml
 * reads it: booleans are true when they start with "t", defaults are off,
 * the lifetime 600 s, the key in a file unless the location says attachment.
 */
import { CorruptFileError } from '../errors/index.js';
import { parseXml, xmlChild as child, type XmlElement } from '../vault/index.js';

export const SETTINGS_ATTACHMENT = 'KeeAgent.settings';

export interface KeeAgentSettings {
  allowUseOfSshKey: boolean;
  addAtDatabaseOpen: boolean;
  removeAtDatabaseClose: boolean;
  useConfirmConstraintWhenAdding: boolean;
  useLifetimeConstraintWhenAdding: boolean;
  lifetimeConstraintDuration: number;
  selectedType: 'attachment' | 'file';
  attachmentName: string;
  fileName: string;
}

function decode(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  // UTF-16 without a mark: the first character '<' shows the byte order.
  if (bytes[0] === 0x3c && bytes[1] === 0) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0 && bytes[1] === 0x3c) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes);
}

const bool = (el: XmlElement | undefined) => (el?.text ?? '').trim().toLowerCase().startsWith('t');

export function parseKeeAgentSettings(bytes: Uint8Array): KeeAgentSettings {
  let root: XmlElement;
  try {
    // The XML declaration names UTF-16; the text is decoded already.
    root = parseXml(decode(bytes).replace(/^\s*<\?xml[^?]*\?>/, ''));
  } catch (e) {
    throw new CorruptFileError(`the ${SETTINGS_ATTACHMENT} attachment is not valid XML (${(e as Error).message})`);
  }
  if (root.name !== 'EntrySettings') throw new CorruptFileError(`the ${SETTINGS_ATTACHMENT} attachment is not KeeAgent settings (root element ${root.name})`);
  const loc = child(root, 'Location');
  const lifetime = Number.parseInt(child(root, 'LifetimeConstraintDuration')?.text ?? '600', 10);
  return {
    allowUseOfSshKey: bool(child(root, 'AllowUseOfSshKey')),
    addAtDatabaseOpen: bool(child(root, 'AddAtDatabaseOpen')),
    removeAtDatabaseClose: bool(child(root, 'RemoveAtDatabaseClose')),
    useConfirmConstraintWhenAdding: bool(child(root, 'UseConfirmConstraintWhenAdding')),
    useLifetimeConstraintWhenAdding: bool(child(root, 'UseLifetimeConstraintWhenAdding')),
    lifetimeConstraintDuration: Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 600,
    selectedType: (loc && child(loc, 'SelectedType')?.text.trim()) === 'attachment' ? 'attachment' : 'file',
    attachmentName: (loc && child(loc, 'AttachmentName')?.text) ?? '',
    fileName: (loc && child(loc, 'FileName')?.text) ?? '',
  };
}
