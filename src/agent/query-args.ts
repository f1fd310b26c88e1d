/**
 * The queries the agent answers, as they cross the socket: which ops there
 * are and their arguments, checked field by field. Kept apart from the code
 * that runs them (src/agent-host), so a client that only asks loads no vault code.
 */
import { UsageError } from '../errors/index.js';

export const QUERY_OPS = ['show', 'ls', 'find', 'field', 'paths', 'history', 'conflicts', 'totp'] as const;
export type QueryOp = (typeof QUERY_OPS)[number];

export function isQueryOp(v: string): v is QueryOp {
  return (QUERY_OPS as readonly string[]).includes(v);
}

export interface QueryArgs {
  entry?: string;
  group?: string;
  query?: string;
  field?: string;
  showProtected?: boolean;
  /** show: a version from `stv history` (0: current). */
  version?: number;
  /** totp: the otpauth URI too (for a QR code). */
  uri?: boolean;
  recursive?: boolean;
  flat?: boolean;
  json?: boolean;
}

const STRING_ARGS = ['entry', 'group', 'query', 'field'] as const;
const BOOLEAN_ARGS = ['showProtected', 'uri', 'recursive', 'flat', 'json'] as const;

/** Arguments as they came over the socket (validated for size by the protocol), typed field by field; anything else is refused. */
export function queryArgsFrom(wire: Record<string, string | boolean | number>): QueryArgs {
  const a: QueryArgs = {};
  for (const [k, v] of Object.entries(wire)) {
    if ((STRING_ARGS as readonly string[]).includes(k) && typeof v === 'string') a[k as (typeof STRING_ARGS)[number]] = v;
    else if ((BOOLEAN_ARGS as readonly string[]).includes(k) && typeof v === 'boolean') a[k as (typeof BOOLEAN_ARGS)[number]] = v;
    else if (k === 'version' && typeof v === 'number') a.version = v;
    else throw new UsageError(`the query argument ${k} is not one stv sends`);
  }
  return a;
}

/** Arguments for the socket: the fields that are set. */
export function queryArgsToWire(a: QueryArgs): Record<string, string | boolean | number> {
  return Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Record<string, string | boolean | number>;
}
