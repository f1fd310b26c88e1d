/**
 * Which entry answers a credential request. An entry's URL is read as the
 * rest of stv reads it (no scheme means https; `www.` before the host is the
 * same site) and must agree with the request on protocol, host and port — a
 * password stored for https is never offered to plain http. When git sends a
 * path (credential.useHttpPath), an entry whose URL has a path must be a
 * prefix of it on a segment boundary; the longest such path wins. A username
 * in the request must equal the entry's.
 */
import type { CredentialRequest } from './protocol.js';

export interface Candidate {
  uuid: string;
  path: string;
  url: string;
  username: string;
}

export interface Site {
  protocol: string;
  hostname: string;
  port: string;
  /** Path without leading or trailing slashes, and without a trailing `.git`. */
  path: string;
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ftp: '21' };

/** An entry URL as a site; undefined for URLs we cannot read. */
export function siteOfUrl(url: string): Site | undefined {
  const text = url.trim();
  if (!text) return undefined;
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return undefined;
  }
  const protocol = u.protocol.replace(/:$/, '').toLowerCase();
  if (!u.hostname) return undefined;
  return { protocol, hostname: normaliseHost(u.hostname), port: u.port || DEFAULT_PORTS[protocol] || '', path: normalisePath(decodeURIComponent(u.pathname)) };
}

/** The request as a site; undefined when git sent no protocol or host (nothing to match). */
export function siteOfRequest(req: CredentialRequest): Site | undefined {
  if (!req.protocol || !req.host) return undefined;
  const protocol = req.protocol.toLowerCase();
  let u: URL;
  try {
    u = new URL(`http://${req.host}`);
  } catch {
    return undefined;
  }
  return { protocol, hostname: normaliseHost(u.hostname), port: u.port || DEFAULT_PORTS[protocol] || '', path: normalisePath(req.path ?? '') };
}

function normaliseHost(h: string): string {
  return h.toLowerCase().replace(/^www\./, '').replace(/\.$/, '');
}

function normalisePath(p: string): string {
  return p.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
}

/** How well an entry's site fits the request: undefined when it does not, higher is more specific. */
export function fit(entry: Site, want: Site): number | undefined {
  if (entry.protocol !== want.protocol || entry.hostname !== want.hostname || entry.port !== want.port) return undefined;
  if (!entry.path) return 0;
  // Git sent no path (the default): an entry for one repository still serves the host, after host-wide entries.
  if (!want.path) return -1;
  if (want.path === entry.path || want.path.startsWith(`${entry.path}/`)) return entry.path.length;
  return undefined;
}

export type MatchResult = { kind: 'none' } | { kind: 'one'; entry: Candidate } | { kind: 'ambiguous'; entries: Candidate[] };

export function matchCredential(candidates: Candidate[], req: CredentialRequest): MatchResult {
  const want = siteOfRequest(req);
  if (!want) return { kind: 'none' };
  let best: Candidate[] = [];
  let bestScore = -Infinity;
  for (const c of candidates) {
    if (req.username !== undefined && req.username !== '' && c.username !== req.username) continue;
    const site = siteOfUrl(c.url);
    const score = site && fit(site, want);
    if (score === undefined) continue;
    if (score > bestScore) {
      best = [c];
      bestScore = score;
    } else if (score === bestScore) best.push(c);
  }
  if (!best.length) return { kind: 'none' };
  if (best.length === 1) return { kind: 'one', entry: best[0] };
  return { kind: 'ambiguous', entries: best };
}

/** The URL `store` writes on a new entry: protocol, host (with a port git gave) and path. */
export function requestUrl(req: CredentialRequest): string {
  const path = req.path ? `/${req.path.replace(/^\/+/, '')}` : '';
  return `${req.protocol}://${req.host}${path}`;
}
