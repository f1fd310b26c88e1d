/**
 * KeePassX's meta-stream entries (KeePassXC KeePass1Reader::parseMetaStream):
 * fake entries whose `bin-stream` attachment holds UI state. The two
 * KeePassXC reads are applied to the tree; any other is counted and
 * ignored, as KeePassXC ignores it. A malformed stream is ignored too
 * (KeePassXC only warns), so a file that KeePassXC opens opens here.
 */
import type { KdbEntry, KdbGroup } from './types.js';

const u32 = (d: Uint8Array, at: number) => new DataView(d.buffer, d.byteOffset + at, 4).getUint32(0, true);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** KPX_GROUP_TREE_STATE: u32 count, then {u32 group id, u8 expanded} × count. */
export function applyGroupTreeState(data: Uint8Array, groups: Map<number, KdbGroup>): boolean {
  if (data.length < 4) return false;
  const n = u32(data, 0);
  if (data.length - 4 !== n * 5) return false;
  for (let i = 0, at = 4; i < n; i++, at += 5) {
    const g = groups.get(u32(data, at));
    if (g) g.expanded = data[at + 4] !== 0;
  }
  return true;
}

/**
 * KPX_CUSTOM_ICONS_4: u32 icons, u32 entries, u32 groups; icons as {u32 size, PNG};
 * entries as {16-byte UUID, u32 icon}; groups as {u32 id, u32 icon}.
 */
export function applyCustomIcons(data: Uint8Array, entries: Map<string, KdbEntry>, groups: Map<number, KdbGroup>, icons: Uint8Array[]): boolean {
  if (data.length < 12) return false;
  const [nIcons, nEntries, nGroups] = [u32(data, 0), u32(data, 4), u32(data, 8)];
  let at = 12;
  const first = icons.length;
  for (let i = 0; i < nIcons; i++) {
    if (data.length < at + 4) return false;
    const size = u32(data, at);
    at += 4;
    if (data.length < at + size) return false;
    icons.push(Uint8Array.from(data.subarray(at, at + size)));
    at += size;
  }
  if (data.length < at + nEntries * 20) return false;
  for (let i = 0; i < nEntries; i++, at += 20) {
    const e = entries.get(hex(data.subarray(at, at + 16)));
    const icon = u32(data, at + 16);
    if (e && icon < nIcons) e.customIcon = first + icon;
  }
  if (data.length < at + nGroups * 8) return false;
  for (let i = 0; i < nGroups; i++, at += 8) {
    const g = groups.get(u32(data, at));
    const icon = u32(data, at + 4);
    if (g && icon < nIcons) g.customIcon = first + icon;
  }
  return true;
}
