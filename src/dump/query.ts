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
 * `vars` are psql variables, read in the SQL as `:'name'` (psql quotes them as literals): how
 * config values reach a query, never as SQL text. With vars the SQL goes through psql's own
 * reader (stdin), which is what substitutes them; without, it is sent as it is (-c).
 */
export async function queryJson<T>(
  target: PsqlTarget,
  sql: string,
  vars: Record<string, string> = {},
): Promise<T> {
  const names = Object.keys(vars);
  const bad = names.find((n) => !/^[a-z_][a-z0-9_]*$/.test(n));
  if (bad !== undefined) throw new Error(`invalid psql variable name ${JSON.stringify(bad)}`);
  const base = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  const setVars = Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]);
  const search = 'SET search_path = pg_catalog';
  const { stdout } =
    names.length === 0
      ? await run(target.psql, [...base, '-c', search, '-c', sql], { env: target.env })
      : await run(target.psql, [...base, ...setVars, '-f', '-'], {
          env: target.env,
          input: `${search};\n${sql};\n`,
        });
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
