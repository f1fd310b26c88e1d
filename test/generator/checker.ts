/**
 * An independent, deliberately simple checker of a password against raw
 * Password Rules text — written separately from src/generator so a bug in
 * the generator's parser cannot hide itself.
 */
const SETS: Record<string, string> = {
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  digit: '0123456789',
  special: "-~!@#$%^&*_+=`|(){}[:;\"'<>,.?] ",
};
let printable = '';
for (let c = 32; c < 127; c++) printable += String.fromCharCode(c);
SETS['ascii-printable'] = printable;
SETS.unicode = printable;

function classes(value: string): string {
  let out = '';
  const re = /\[(\]?[^\]]*\]?)\]|([a-z-]+)/gi;
  for (const m of value.matchAll(re)) {
    if (m[1] !== undefined) out += m[1][0] + m[1].slice(1).replace(/-/g, '');
    else out += SETS[m[2].toLowerCase()] ?? '';
  }
  return out;
}

/** Split rule text on ';' outside brackets. */
function parts(rule: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inClass = false;
  for (let i = 0; i < rule.length; i++) {
    const c = rule[i];
    if (inClass && c === ']') {
      if (rule[i + 1] === ']') { cur += ']]'; i++; inClass = false; continue; }
      inClass = false;
    } else if (!inClass && c === '[') inClass = true;
    else if (!inClass && c === ';') { out.push(cur); cur = ''; continue; }
    cur += c;
  }
  out.push(cur);
  return out;
}

export function satisfies(password: string, ruleText: string): string | true {
  const required: string[] = [];
  let allowed = '';
  let min = 0;
  let max = Infinity;
  let consec = Infinity;
  for (const part of parts(ruleText)) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    const name = part.slice(0, i).trim().toLowerCase();
    const value = part.slice(i + 1).trim();
    if (name === 'minlength') min = Math.max(min, Number(value));
    if (name === 'maxlength') max = Math.min(max, Number(value));
    if (name === 'max-consecutive') consec = Math.min(consec, Number(value));
    if (name === 'required') required.push(classes(value));
    if (name === 'allowed') allowed += classes(value);
  }
  const all = required.length || allowed ? allowed + required.join('') : printable;
  if (password.length < min) return `shorter than ${min}`;
  if (password.length > max) return `longer than ${max}`;
  for (const c of password) if (!all.includes(c)) return `'${c}' not allowed`;
  for (const r of required) if (![...password].some((c) => r.includes(c))) return `misses one of [${r}]`;
  let run = 1;
  for (let i = 1; i < password.length; i++) {
    run = password[i] === password[i - 1] ? run + 1 : 1;
    if (run > consec) return `more than ${consec} '${password[i]}' in a row`;
  }
  return true;
}
