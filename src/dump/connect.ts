/**
 * How this tool connects to a project, before any psql: session mode instead of the transaction
 * pooler, and sessions without statement or idle-in-transaction time-outs.
 */
import type { Connection } from '../config/secrets.js';
import { sessionModeConnection } from '../config/supabase-host.js';

/**
 * Startup options of every session: a big COPY must not be cancelled by a role's or the
 * project's statement_timeout, nor a long restore by idle_in_transaction_session_timeout.
 */
export const TIMEOUTS_OFF = '-c statement_timeout=0 -c idle_in_transaction_session_timeout=0';

/** The libpq environment with TIMEOUTS_OFF after the URL's own `options` (the later -c wins). */
export function withTimeoutsOff(pg: Record<string, string>): Record<string, string> {
  const own = pg.PGOPTIONS?.trim();
  return { ...pg, PGOPTIONS: own ? `${own} ${TIMEOUTS_OFF}` : TIMEOUTS_OFF };
}

/** The same environment as the URL alone gives it: for a pooler that refuses startup options. */
export function withoutTimeoutsOff(env: NodeJS.ProcessEnv, conn: Connection): NodeJS.ProcessEnv {
  const rest = { ...env };
  delete rest.PGOPTIONS;
  const own = conn.params['options'];
  return own === undefined ? rest : { ...rest, PGOPTIONS: own };
}

/** A Supabase URL on the transaction pooler's port moves to session mode, with a notice. */
export function sessionMode(conn: Connection, notice: (message: string) => void): Connection {
  const moved = sessionModeConnection(conn);
  if (!moved) return conn;
  notice(moved.notice);
  return moved.conn;
}
