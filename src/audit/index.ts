/** `stv audit`: password health checks and the Pwned Passwords lookups (a local file, or the range API). */
export { auditEntries, passwordSetAt, parseAge, FINDING_KINDS, type AuditOptions, type AuditReport, type EntryReport, type Finding, type FindingKind } from './checks.js';
export { HibpFile } from './hibp-file.js';
export { rangeClient, DEFAULT_RANGE_URL, type RangeClient } from './hibp-online.js';
