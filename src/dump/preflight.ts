/** Before dumping: can we connect, what server is it, and which pg_dump fits it. */
import type { Connection } from '../config/secrets.js';
import { ConnectionError, ToolError } from '../errors.js';
import { POOL_FULL_RETRY, withRetry, type RetryPolicy } from '../retry.js';
import { connectionAdvice } from './connect-errors.js';
import { withoutTimeoutsOff } from './connect.js';
import { choosePgTools, findPgInstallations, parseServerMajor, type PgTools } from './pg-tools.js';
import { psqlReason, queryJson } from './query.js';
import { checkDirectHost, systemProbe, type NetworkProbe } from './reachability.js';

export interface ServerInfo {
  version: string;
  major: number;
  databaseBytes: number;
}

export interface Preflight {
  server: ServerInfo;
  pg: PgTools;
  /** The environment that connected (without TIMEOUTS_OFF if the server refused them). */
  env: NodeJS.ProcessEnv;
}

/** What preflight needs to explain a failure and to wait out a full pool. */
export interface ConnectOptions {
  conn: Connection;
  warn: (message: string) => void;
  probe?: NetworkProbe;
  sleep?: (ms: number) => Promise<void>;
  policy?: RetryPolicy;
}

const INFO_SQL = `select json_build_object(
  'version', current_setting('server_version'),
  'num', current_setting('server_version_num')::int,
  'size', pg_database_size(current_database()))`;

interface Info {
  version: string;
  num: number;
  size: number;
}

/**
 * `installClient` (the action's install-pg-client) is called when no pg_dump here can dump the
 * server; the tools are then looked for again, and the usual error stands if none fits still.
 */
export async function preflight(
  env: NodeJS.ProcessEnv,
  pgBinDir: string | undefined,
  where: string,
  connect?: ConnectOptions,
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
  // A direct host this machine cannot reach fails here, with the URL to use instead.
  if (connect) await checkDirectHost(connect.conn, connect.probe ?? systemProbe);
  const ask = (e: NodeJS.ProcessEnv) =>
    queryJson<Info>(
      { psql: newest.psql, env: { ...e, PGCONNECT_TIMEOUT: e.PGCONNECT_TIMEOUT ?? '15' } },
      INFO_SQL,
    );
  let used = env;
  let info: Info;
  try {
    info = await retryingPoolFull(() => ask(used), where, connect);
  } catch (err) {
    const reason = psqlReason(err);
    if (!connect || !/unsupported startup parameter/i.test(reason))
      throw failure(where, err, connect);
    // A pooler that refuses startup options: connect without ours, and say what that costs.
    used = withoutTimeoutsOff(env, connect.conn);
    connect.warn(
      `${where} refuses startup options, so sessions keep the server's statement_timeout ` +
        '(pg_dump sets its own to 0; a restore through this connection may be cut short)',
    );
    try {
      info = await retryingPoolFull(() => ask(used), where, connect);
    } catch (again) {
      throw failure(where, again, connect);
    }
  }
  const major = parseServerMajor(String(info.num));
  const server = { version: info.version, major, databaseBytes: info.size };
  if (installClient && !found.some((t) => t.major >= major)) {
    await installClient(major);
    return { server, pg: choosePgTools(await find(), major), env: used };
  }
  return { server, pg: choosePgTools(found, major), env: used };
}

/** Runs psql work again while the pooler's session pool is full (bounded backoff). */
export function retryingPoolFull<T>(
  fn: () => Promise<T>,
  where: string,
  connect: ConnectOptions | undefined,
): Promise<T> {
  if (!connect) return fn();
  return withRetry(fn, {
    policy: connect.policy ?? POOL_FULL_RETRY,
    retryable: (err) => connectionAdvice(psqlReason(err), connect.conn).poolFull,
    sleep: connect.sleep,
    onRetry: (_err, attempt, delay) =>
      connect.warn(
        `${where}: the pooler's session pool is full (EMAXCONNSESSION); attempt ${attempt} ` +
          `failed, trying again in ${Math.round(delay / 1000)} s`,
      ),
  });
}

/**
 * After preflight: a psql failure whose words are a known connection problem becomes a
 * ConnectionError with its fix; any other error is returned as it is.
 */
export function explained(where: string, err: unknown, connect: ConnectOptions): unknown {
  return connectionAdvice(psqlReason(err), connect.conn).advice
    ? failure(where, err, connect)
    : err;
}

/** The server's words, then what to do about them. */
function failure(
  where: string,
  err: unknown,
  connect: Pick<ConnectOptions, 'conn'> | undefined,
): ConnectionError {
  const reason = psqlReason(err);
  const { advice } = connect ? connectionAdvice(reason, connect.conn) : { advice: null };
  return new ConnectionError(
    `cannot connect to ${where}: ${reason}${advice ? `\n${advice}` : ''}`,
    {
      cause: err,
    },
  );
}
