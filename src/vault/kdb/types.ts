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
}

export interface KdbGroup {
  id: number;
  name: string;
  icon: number;
  level: number;
  times: KdbTimes;
  groups: KdbGroup[];
  entries: KdbEntry[];
}

export interface KdbDatabase {
  /** Top-level groups (level 0), in file order. */
  groups: KdbGroup[];
  /** Meta-stream entries (KeePassX UI state) skipped. */
  skippedMetaStreams: number;
  rounds: number;
}
