/** What the shell's menus share: the prompt types, the idle lock, escaping, and saving. */
import { escapeControls } from '../terminal-safe.js';
import type { Session } from '../session.js';

export class IdleLock extends Error {}

/** The shell runs on a terminal: every vault value it shows is escaped (terminal-safe.ts). */
export const t = (v: string): string => escapeControls(v);

export type Prompts = typeof import('@inquirer/prompts');
export type Ask = <T>(fn: (ctx: { signal: AbortSignal; output: NodeJS.WritableStream }) => Promise<T>) => Promise<T>;
/** Saves the session, counts the change and says `what`. */
export type Saver = (s: Session, what: string) => Promise<void>;
