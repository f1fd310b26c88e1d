/**
 * Apple's Password Rules language (the `passwordrules` attribute and
 * password-manager-resources' quirks list):
 *   minlength: 8; maxlength: 16; required: upper, digit; allowed: lower, [-_]; max-consecutive: 2;
 * A `required` line needs one character from the union of its classes; the
 * password may use the union of every required and allowed class (all of
 * ascii-printable if neither is given). Errors carry the character position.
 */
import { UsageError } from '../errors/index.js';

const range = (a: string, b: string) => Array.from({ length: b.charCodeAt(0) - a.charCodeAt(0) + 1 }, (_, i) => String.fromCharCode(a.charCodeAt(0) + i)).join('');
export const CLASSES: Record<string, string> = {
  upper: range('A', 'Z'),
  lower: range('a', 'z'),
  digit: range('0', '9'),
  // Apple's definitions of special and ascii-printable include the space; ours
  // leave it out, so no generated password holds an invisible character that
  // many forms trim. A rule that means a space lists it: `allowed: [ ]`.
  special: "-~!@#$%^&*_+=`|(){}[:;\"'<>,.?]",
  'ascii-printable': range('!', '~'),
  // We generate from ASCII only: `unicode` is read as ascii-printable (documented).
  unicode: range('!', '~'),
};

export interface Rule {
  minLength?: number;
  maxLength?: number;
  /** Each entry: the characters of one `required` line (sorted, unique). */
  required: string[];
  /** Characters from `allowed` lines. */
  allowed: string;
  maxConsecutive?: number;
  /**
   * A class that Apple defines with the space (special, ascii-printable,
   * unicode) was named: a space the user typed (a passphrase separator)
   * passes the rule, though the generator never draws one from those classes.
   */
  acceptsSpace?: boolean;
}

function fail(text: string, pos: number, msg: string): never {
  throw new UsageError(`invalid password rule at character ${pos + 1}: ${msg} (in '${text}')`);
}

const uniqueSorted = (s: string) => [...new Set(s)].sort().join('');

/**
 * A character-level scanner, as Apple's parser reads rules: ';' inside a
 * custom class is a character, ']]' is a literal ']' then the end of the
 * class, and '-' counts only as the first character of a class.
 */
class Scanner {
  i = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.i >= this.text.length;
  }
  skip(re: RegExp): void {
    while (!this.done && re.test(this.text[this.i])) this.i++;
  }
}

function parseCustomClass(sc: Scanner): string {
  const open = sc.i;
  sc.i++; // '['
  let set = '';
  for (;;) {
    if (sc.done) fail(sc.text, open, "custom class '[' is not closed");
    const c = sc.text[sc.i++];
    if (c === ']') {
      if (sc.text[sc.i] === ']') {
        set += ']';
        sc.i++;
      }
      return set;
    }
    if (c === '-' && set.length > 0) continue; // Apple ignores a '-' that is not first
    if (c >= ' ' && c <= '~') set += c;
  }
}

const CLASSES_WITH_SPACE = new Set(['special', 'ascii-printable', 'unicode']);

function parseClassList(sc: Scanner, rule: Rule): string {
  let chars = '';
  for (;;) {
    sc.skip(/[\s,]/);
    if (sc.done || sc.text[sc.i] === ';') return uniqueSorted(chars);
    if (sc.text[sc.i] === '[') {
      chars += parseCustomClass(sc);
      continue;
    }
    const start = sc.i;
    sc.skip(/[A-Za-z-]/);
    const name = sc.text.slice(start, sc.i).toLowerCase();
    if (!(name in CLASSES)) {
      let end = sc.i;
      while (end < sc.text.length && !/[\s,;]/.test(sc.text[end])) end++;
      fail(sc.text, start, `unknown character class '${sc.text.slice(start, Math.max(end, start + 1))}' (use ${Object.keys(CLASSES).join(', ')} or [custom])`);
    }
    chars += CLASSES[name];
    if (CLASSES_WITH_SPACE.has(name)) rule.acceptsSpace = true;
  }
}

export function parseRule(text: string): Rule {
  const rule: Rule = { required: [], allowed: '' };
  const sc = new Scanner(text);
  for (;;) {
    sc.skip(/[\s;]/);
    if (sc.done) return rule;
    const nameStart = sc.i;
    sc.skip(/[A-Za-z-]/);
    const name = text.slice(nameStart, sc.i).toLowerCase();
    sc.skip(/\s/);
    if (!name || text[sc.i] !== ':') {
      const end = text.indexOf(';', nameStart);
      fail(text, nameStart, `expected 'name: value', got '${text.slice(nameStart, end === -1 ? undefined : end).trim()}'`);
    }
    sc.i++; // ':'
    if (name === 'required' || name === 'allowed') {
      const valueStart = sc.i;
      const set = parseClassList(sc, rule);
      if (name === 'required') {
        if (!set) fail(text, valueStart, 'required needs at least one character class');
        rule.required.push(set);
      } else rule.allowed = uniqueSorted(rule.allowed + set);
      continue;
    }
    sc.skip(/\s/);
    const valueStart = sc.i;
    while (!sc.done && text[sc.i] !== ';') sc.i++;
    const value = text.slice(valueStart, sc.i).trim();
    if (!['minlength', 'maxlength', 'max-consecutive'].includes(name)) {
      fail(text, nameStart, `unknown property '${text.slice(nameStart, nameStart + name.length)}' (use minlength, maxlength, required, allowed, max-consecutive)`);
    }
    if (!/^\d+$/.test(value)) fail(text, valueStart, `${name} needs a whole number, got '${value}'`);
    const n = Number(value);
    if (name === 'minlength') rule.minLength = Math.max(rule.minLength ?? 0, n);
    else if (name === 'maxlength') rule.maxLength = Math.min(rule.maxLength ?? Infinity, n);
    else rule.maxConsecutive = Math.min(rule.maxConsecutive ?? Infinity, n);
  }
}

/** The characters a password may use. */
export function alphabetOf(rule: Rule): string {
  if (!rule.required.length && !rule.allowed) return CLASSES['ascii-printable'];
  return uniqueSorted(rule.allowed + rule.required.join(''));
}

function describeSet(set: string): string {
  for (const [name, chars] of Object.entries(CLASSES)) if (chars.length === set.length && uniqueSorted(chars) === set) return name;
  return `[${set}]`;
}

export function formatRule(rule: Rule): string {
  const parts: string[] = [];
  if (rule.minLength !== undefined) parts.push(`minlength: ${rule.minLength};`);
  if (rule.maxLength !== undefined && rule.maxLength !== Infinity) parts.push(`maxlength: ${rule.maxLength};`);
  for (const r of rule.required) parts.push(`required: ${describeSet(r)};`);
  if (rule.allowed) parts.push(`allowed: ${describeSet(rule.allowed)};`);
  if (rule.maxConsecutive !== undefined && rule.maxConsecutive !== Infinity) parts.push(`max-consecutive: ${rule.maxConsecutive};`);
  return parts.join(' ');
}

export const DEFAULT_RULE = 'minlength: 20; maxlength: 20; required: upper; required: lower; required: digit; required: special;';
