/** Before dumping: can we connect, what server is it, and which pg_dump fits it. */
import { ConnectionError } from '../errors.js';
import { choosePgTools, findPgInstallations, type PgTools } from './pg-tools.js';
import { psqlReason, queryJson } from './query.js';
import { ToolError } from '../errors.js';

export interface ServerInfo {
  version: string;
  major: number;
  databaseBytes: number;
}

export interface Preflight {
  server: ServerInfo;
  pg: PgTools;
}

const INFO_SQL = `select json_build_object(
  'version', current_setting('server_version'),
  'num', current_setting('server_version_num')::int,
  'size', pg_database_size(current_database()))`;

/**
 * `installClient` (the action's install-pg-client) is called when no pg_dump here can dump the
 * server; the tools are then looked for again, and the usual error stands if none fits still.
 */
export async function preflight(
  env: NodeJS.ProcessEnv,
  pgBinDir: string | undefined,
  where: string,
  installClient?: (major: number) => Promise<void>,
): Promise<Preflight> {
  const find = () => findPgInstallations({ extraDirs: pgBinDir ? [pgBinDir] : [] });
  const found = await find();
  const newest = found[0];
  if (!newest) {
    throw new ToolError(
      'no PostgreSQL client tools (pg_dump, pg_dumpall, psql) were found on PATH or in /usr/lib/postgresql/*/bin; install postgresql-client (apt-get install postgresql-client) or set pg-bin-dir',
    );
  }
  let info: { version: string; num: number; size: number };
  try {
    info = await queryJson(
      { psql: newest.psql, env: { ...env, PGCONNECT_TIMEOUT: env.PGCONNECT_TIMEOUT ?? '15' } },
      INFO_SQL,
    );
  } catch (err) {
    throw new ConnectionError(`cannot connect to ${where}: ${psqlReason(err)}`);
  }
  const major = Math.floor(info.num / 10000);
  const server = { version: info.version, major, databaseBytes: info.size };
  if (installClient && !found.some((t) => t.major >= major)) {
    await installClient(major);
    return { server, pg: choosePgTools(await find(), major) };
  }
  return { server, pg: choosePgTools(found, major) };
}
