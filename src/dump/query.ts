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
  const [value] = await queryJsonAll(target, [sql], vars);
  return value as T;
}

/**
 * Several such queries over one connection, their values in order: a psql per query costs a
 * connection each (through a pooler, a TLS handshake and a pooler slot). Each value ends with a
 * NUL byte (-0), which JSON text never holds, so values may span lines.
 */
export async function queryJsonAll(
  target: PsqlTarget,
  sqls: string[],
  vars: Record<string, string> = {},
): Promise<unknown[]> {
  const names = Object.keys(vars);
  const bad = names.find((n) => !/^[a-z_][a-z0-9_]*$/.test(n));
  if (bad !== undefined) throw new Error(`invalid psql variable name ${JSON.stringify(bad)}`);
  const base = ['-X', '-q', '-A', '-t', '-0', '-v', 'ON_ERROR_STOP=1'];
  const setVars = Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]);
  const search = 'SET search_path = pg_catalog';
  const { stdout } =
    names.length === 0
      ? await run(target.psql, [...base, '-c', search, ...sqls.flatMap((q) => ['-c', q])], {
          env: target.env,
        })
      : await run(target.psql, [...base, ...setVars, '-f', '-'], {
          env: target.env,
          input: `${search};\n${sqls.map((q) => `${q};\n`).join('')}`,
        });
  // A single query that returned no row printed nothing: null, as before batches.
  if (sqls.length === 1 && stdout.trim() === '') return [null];
  const values = stdout.split('\0');
  // One value per query, each terminated: the piece after the last NUL is empty.
  if (values.length !== sqls.length + 1 || values[sqls.length]!.trim() !== '')
    throw new Error(`psql returned ${values.length - 1} values for ${sqls.length} catalog queries`);
  return values.slice(0, sqls.length).map((v) => {
    const text = v.trim();
    return JSON.parse(text === '' ? 'null' : text) as unknown;
  });
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
