/** The content of a KeePass 1 database as read: a group tree with entries. */
import type { ProtectedValue } from '../../secret/index.js';

export interface KdbTimes {
  created?: Date;
  modified?: Date;
  accessed?: Date;
  /** Undefined when the entry never expires (KeePass 1 stores 2999-12-28 23:59:59). */
  expires?: Date;
}

export interface KdbEntry {
  uuid: Uint8Array;
  groupId: number;
  icon: number;
  title: string;
  url: string;
  username: string;
  password: ProtectedValue;
  notes: string;
  times: KdbTimes;
  /** KeePass 1 allows at most one attachment per entry. */
  attachment?: { name: string; data: Uint8Array };
  /** Index into KdbDatabase.customIcons (KeePassX's KPX_CUSTOM_ICONS_4 meta-stream). */
  customIcon?: number;
}

export interface KdbGroup {
  id: number;
  name: string;
  icon: number;
  level: number;
  times: KdbTimes;
  /** From KeePassX's KPX_GROUP_TREE_STATE meta-stream; true when it has none. */
  expanded: boolean;
  customIcon?: number;
  groups: KdbGroup[];
  entries: KdbEntry[];
}

export interface KdbDatabase {
  /** Top-level groups (level 0), in file order. */
  groups: KdbGroup[];
  /** Entries whose group does not exist: KeePassXC puts them in the root group. */
  orphans: KdbEntry[];
  /** Meta-stream entries (KeePassX UI state) read as such, never as entries. */
  skippedMetaStreams: number;
  /** Meta-streams KeePassXC ignores too (other KeePass 1 plugins' state), by name. */
  unknownMetaStreams: string[];
  /** PNG data of KeePassX's custom icons, indexed by KdbEntry/KdbGroup.customIcon. */
  customIcons: Uint8Array[];
  rounds: number;
  cipher: 'aes' | 'twofish';
}
