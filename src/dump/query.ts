/** Catalog queries through psql (the same client restore uses), connection only via environment. */
import { ProcessFailure, run } from '../proc/run.js';

export interface PsqlTarget {
  psql: string;
  /** Full child environment, including the PG* connection variables. */
  env: NodeJS.ProcessEnv;
}

/**
 * Runs one query that returns a single json value and parses it. With search_path set to
 * pg_catalog, pg_get_*def() names every user object with its schema, as a restore needs.
 */
export async function queryJson<T>(target: PsqlTarget, sql: string): Promise<T> {
  const args = [
    '-X',
    '-q',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    'SET search_path = pg_catalog',
    '-c',
    sql,
  ];
  const { stdout } = await run(target.psql, args, { env: target.env });
  const text = stdout.trim();
  return JSON.parse(text === '' ? 'null' : text) as T;
}

/** The server's own words from a failed psql, without psql's prefix noise. */
export function psqlReason(err: unknown): string {
  if (err instanceof ProcessFailure) {
    const lines = err.stderr
      .split('\n')
      .map((l) => l.replace(/^psql: /, '').trim())
      .filter((l) => l !== '');
    return lines.join('; ') || err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
