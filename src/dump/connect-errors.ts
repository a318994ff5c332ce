/**
 * What to do about a failed connection, from the words psql or pg_dump printed (pure). The
 * texts matched are the ones libpq and Supabase's pooler (Supavisor) really send; see
 * docs/connecting.md for each with its cause.
 */
import type { Connection } from '../config/secrets.js';
import { poolerUserAdvice, supabaseHost, useSessionPoolerAdvice } from '../config/supabase-host.js';

export interface ConnectionAdvice {
  /** One sentence naming the fix, or null when the text is not one we know. */
  advice: string | null;
  /** The pooler's session pool is full: worth retrying after a wait. */
  poolFull: boolean;
}

/** Supavisor's words when every session slot of the project's pool is taken. */
export const POOL_FULL = /\(EMAXCONNSESSION\)|max clients reached in session mode/i;
const TENANT_NOT_FOUND = /Tenant or user not found/i;
const NO_ROUTE = /Network is unreachable|No route to host|Cannot assign requested address/i;
const NO_ADDRESS = /could not translate host name|Name or service not known|nodename nor servname/i;
const TIMEOUT = /timeout expired|Connection timed out|Operation timed out/i;
const REFUSED = /Connection refused/i;
const CLOSED =
  /server closed the connection unexpectedly|SSL connection has been closed unexpectedly/i;
const PASSWORD = /password authentication failed|SASL authentication failed|no password supplied/i;
const PREPARED = /prepared statement "[^"]*" (already exists|does not exist)/i;
const STATEMENT_TIMEOUT = /canceling statement due to statement timeout/i;
const NO_OPTIONS = /unsupported startup parameter/i;

const PAUSED =
  'a Free project pauses after a week without activity: if the Dashboard shows it paused, ' +
  'restore it there (Project overview → Restore project) and run again';

export function connectionAdvice(
  reason: string,
  conn: Pick<Connection, 'host' | 'port' | 'user'>,
): ConnectionAdvice {
  const host = supabaseHost(conn);
  const none = { advice: null, poolFull: false };
  if (POOL_FULL.test(reason))
    return {
      poolFull: true,
      advice:
        "the pooler's session pool for this project is full: each session-mode client holds " +
        'one of its connections (pool_size) for as long as it stays connected, and other ' +
        'clients (apps, other jobs backing up this project) hold them all. Retried with ' +
        'backoff; run fewer jobs against this project at once, or raise Pool Size (Dashboard: ' +
        'Database → Settings → Connection pooling)',
    };
  if (TENANT_NOT_FOUND.test(reason)) return { ...none, advice: poolerUserAdvice(conn) || null };
  if (PASSWORD.test(reason))
    return {
      ...none,
      advice:
        'the password is wrong for this user: reset it in the Dashboard (Database → Settings → ' +
        'Reset database password) and update the secret; percent-encode special characters',
    };
  if (NO_OPTIONS.test(reason))
    return {
      ...none,
      advice:
        'this server or pooler refuses startup options (PGBouncer does unless ' +
        'ignore_startup_parameters lists "options"): connect in session mode to PostgreSQL or ' +
        'to Supavisor instead',
    };
  if (PREPARED.test(reason))
    return {
      ...none,
      advice:
        'this is a transaction-mode pooler, where pg_dump cannot keep its one session: use ' +
        'the session-mode port (Supabase: 5432 on the same pooler host)',
    };
  if (STATEMENT_TIMEOUT.test(reason))
    return {
      ...none,
      advice:
        'a statement_timeout cut a statement short: dumps and restores ask for ' +
        'statement_timeout=0 (PGOPTIONS), which this pooler did not pass on; connect in ' +
        'session mode, or run ALTER ROLE postgres SET statement_timeout = 0 for the run',
    };
  if (host.kind === 'direct') {
    // Every way a direct host can be out of reach gets the pooler advice (issue #15).
    const paused = NO_ADDRESS.test(reason) || REFUSED.test(reason) ? `; ${PAUSED}` : '';
    return { ...none, advice: useSessionPoolerAdvice(host.ref) + paused };
  }
  if (TIMEOUT.test(reason))
    return {
      ...none,
      advice:
        'no answer within the connect timeout (PGCONNECT_TIMEOUT, 15 s by default here): ' +
        'check the host and port, that this runner may reach it (Supabase: Database → ' +
        'Network restrictions), and whether the project is paused',
    };
  if (host.kind === 'pooler' && (REFUSED.test(reason) || CLOSED.test(reason)))
    return { ...none, advice: `the pooler dropped the connection; ${PAUSED}` };
  if (NO_ADDRESS.test(reason))
    return { ...none, advice: 'the host name has no address: check it for typos' };
  if (NO_ROUTE.test(reason))
    return {
      ...none,
      advice:
        'this machine has no route to that address (an IPv6 address on a runner without ' +
        'IPv6?): use a host name with an IPv4 address',
    };
  return none;
}
