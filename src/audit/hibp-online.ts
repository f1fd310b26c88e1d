/**
 * The Pwned Passwords range API (k-anonymity): only the first 5 hex digits
 * of a password's SHA-1 leave the machine; the answer lists every suffix
 * with that prefix (`SUFFIX:COUNT` lines) and we look ours up locally.
 * Padding is asked for (Add-Padding), so the answer's size tells an
 * observer nothing either; padded lines have a count of 0.
 * https://haveibeenpwned.com/API/v3#PwnedPasswords
 */
import { StvError } from '../errors/index.js';

export const DEFAULT_RANGE_URL = 'https://api.pwnedpasswords.com/range/';

export interface RangeClient {
  /** Breach counts for these SHA-1 hashes (hex), one request per distinct 5-digit prefix. */
  counts(sha1Hexes: string[]): Promise<Map<string, number>>;
  /** Requests made (for the tests). */
  requests: number;
}

export function rangeClient(baseUrl = DEFAULT_RANGE_URL, timeoutMs = 20_000): RangeClient {
  const client: RangeClient = {
    requests: 0,
    async counts(hashes) {
      const byPrefix = new Map<string, Set<string>>();
      for (const h of hashes) {
        const up = h.toUpperCase();
        const p = up.slice(0, 5);
        if (!byPrefix.has(p)) byPrefix.set(p, new Set());
        byPrefix.get(p)!.add(up.slice(5));
      }
      const out = new Map<string, number>();
      for (const [prefix, suffixes] of byPrefix) {
        const found = await fetchRange(baseUrl, prefix, timeoutMs);
        client.requests++;
        for (const s of suffixes) out.set(prefix + s, found.get(s) ?? 0);
      }
      return out;
    },
  };
  return client;
}

async function fetchRange(baseUrl: string, prefix: string, timeoutMs: number): Promise<Map<string, number>> {
  const url = `${baseUrl}${prefix}`;
  let text: string;
  try {
    const res = await fetch(url, { headers: { 'Add-Padding': 'true', 'User-Agent': 'stickvault-audit' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new StvError(`the Pwned Passwords API answered ${res.status} ${res.statusText} for ${baseUrl}${'*'.repeat(5)}`);
    text = await res.text();
  } catch (e) {
    if (e instanceof StvError) throw e;
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new StvError(`cannot reach the Pwned Passwords API at ${baseUrl} (${cause}); check the network or hibpRangeUrl, or use --hibp FILE`);
  }
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([0-9A-Fa-f]{35}):(\d+)\s*$/.exec(line);
    if (m && Number(m[2]) > 0) found.set(m[1].toUpperCase(), Number(m[2]));
  }
  return found;
}
