/**
 * What a connection URL points at on Supabase, read from the URL alone (pure: no DNS, no I/O).
 * The advice built here names the project's ref but never the password.
 */
import type { Connection } from './secrets.js';

/** The transaction pooler's port (Supavisor, and the old dedicated PgBouncer on db.<ref>). */
const TRANSACTION_PORT = 6543;
const SESSION_PORT = 5432;

export type SupabaseHost =
  /** db.<ref>.supabase.co: the direct connection, IPv6 only unless the IPv4 add-on is bought. */
  | { kind: 'direct'; ref: string; transactionMode: boolean }
  /** *.pooler.supabase.com: Supavisor; its user is postgres.<ref> (ref null when it is not). */
  | { kind: 'pooler'; ref: string | null; transactionMode: boolean }
  | { kind: 'other' };

const DIRECT = /^db\.([a-z0-9]+)\.supabase\.co\.?$/i;
const POOLER = /^[a-z0-9-]+\.pooler\.supabase\.com\.?$/i;
/** The ref in a pooler user name: `postgres.<ref>` (or `<role>.<ref>` for another role). */
const POOLER_USER = /^[^.]+\.([a-z0-9]+)$/i;

export function supabaseHost(conn: Pick<Connection, 'host' | 'port' | 'user'>): SupabaseHost {
  const transactionMode = conn.port === TRANSACTION_PORT;
  const direct = DIRECT.exec(conn.host);
  if (direct) return { kind: 'direct', ref: direct[1]!.toLowerCase(), transactionMode };
  if (POOLER.test(conn.host)) {
    const user = POOLER_USER.exec(conn.user);
    return { kind: 'pooler', ref: user ? user[1]!.toLowerCase() : null, transactionMode };
  }
  return { kind: 'other' };
}

/**
 * The Session pooler URL to use instead of a direct one, the ref filled in. The region is not in
 * a direct URL, so it stays a placeholder the Dashboard fills.
 */
export function sessionPoolerUrl(ref: string): string {
  return `postgresql://postgres.${ref}:<password>@aws-0-<region>.pooler.supabase.com:5432/postgres`;
}

/** What to tell a user whose direct host cannot be reached. */
export function useSessionPoolerAdvice(ref: string): string {
  return (
    `db.${ref}.supabase.co is Supabase's direct connection, which has only an IPv6 address ` +
    `(unless the project has the IPv4 add-on), and GitHub-hosted runners have no IPv6. Use ` +
    `the Session pooler URL instead: ${sessionPoolerUrl(ref)} (copy it from the Dashboard: ` +
    `Connect → Session pooler; the host's region prefix, aws-0- or aws-1-, is the one shown ` +
    `there), and keep the same password`
  );
}

/**
 * pg_dump needs one server session for the whole dump (a snapshot, SET, LOCK TABLE), which the
 * transaction pooler does not give. As the Supabase CLI does, a Supabase URL on port 6543 is
 * moved to session mode (5432) on the same host; null when the URL needs no change.
 */
export function sessionModeConnection(
  conn: Connection,
): { conn: Connection; notice: string } | null {
  const host = supabaseHost(conn);
  if (host.kind === 'other' || !host.transactionMode) return null;
  return {
    conn: { ...conn, port: SESSION_PORT },
    notice:
      `${conn.host}:${TRANSACTION_PORT} is Supabase's transaction pooler, where pg_dump cannot ` +
      `keep its one session (snapshot, SET, LOCK TABLE); connecting to session mode on the ` +
      `same host (port ${SESSION_PORT}) instead. Put port ${SESSION_PORT} in the URL to ` +
      `silence this notice`,
  };
}

/** Why the pooler found no project for this user ('' when the host is no pooler). */
export function poolerUserAdvice(conn: Pick<Connection, 'host' | 'port' | 'user'>): string {
  const host = supabaseHost(conn);
  if (host.kind !== 'pooler') return '';
  const shown = /^[A-Za-z0-9_.-]{1,80}$/.test(conn.user) ? `"${conn.user}"` : 'the URL user';
  return host.ref === null
    ? `the pooler finds the project by the user name, which must be postgres.<ref> (your ` +
        `project's ref after the dot), not ${shown}; copy the URL from the Dashboard: Connect ` +
        `→ Session pooler`
    : `the pooler knows no project "${host.ref}" in this region (user ${shown}): check the ref ` +
        `after "postgres.", that the host's region is the project's (copy the URL from the ` +
        `Dashboard: Connect → Session pooler), and that the project is not paused or deleted`;
}
