/**
 * The database side of a backup: connection from the project's secret, preflight, the Supabase
 * CLI when the engine needs it, and the extras (platform-attached objects) the dumps append.
 */
import type { Config, DumpPart, ProjectConfig } from '../config/types.js';
import {
  displayUrl,
  libpqEnv,
  resolveConnection,
  secretsOf,
  type Connection,
} from '../config/secrets.js';
import { configuredSchemas, excludedTables } from '../config/names.js';
import { bundledScript } from '../dump/bundled-scripts.js';
import { checkConfiguredNames } from '../dump/names-check.js';
import { cliScriptFlags } from '../dump/engines.js';
import { collectExtras, type Extras } from '../dump/extras.js';
import { sessionMode, withTimeoutsOff } from '../dump/connect.js';
import { explained, preflight, retryingPoolFull, type Preflight } from '../dump/preflight.js';
import { locateSupabaseCli, type SupabaseCli } from '../dump/supabase-cli.js';
import { formatBytes } from '../format.js';
import type { Logger } from '../log.js';
import { childEnv } from '../proc/run.js';

export interface Database extends Preflight {
  conn: Connection;
  /** The children's environment: no configured secret, only this connection as PG*. */
  env: NodeJS.ProcessEnv;
  cli: SupabaseCli | null;
  extras: Extras;
}

/**
 * The NAMES of every variable the config reads a secret from (no child ever sees them): every
 * `*_secret` key at any depth, so a new kind of secret cannot be forgotten here.
 */
export function configuredSecretNames(config: Config): string[] {
  const names: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) {
        if (k.endsWith('_secret') && typeof v === 'string') names.push(v);
        else walk(v);
      }
  };
  walk(config.projects);
  return names;
}

/**
 * The supabase-cli engine needs no binary when every part's script ships for the configured
 * release (bundled-scripts.ts), unless SUPABASE_CLI_PATH names a binary to use.
 */
function shippedCli(
  project: ProjectConfig,
  parts: DumpPart[],
  env: Record<string, string | undefined>,
): SupabaseCli | null {
  const version = project.supabase_cli_version;
  const shipped =
    project.engine === 'supabase-cli' &&
    !env['SUPABASE_CLI_PATH'] &&
    parts.every((p) => bundledScript(version, cliScriptFlags(p)) !== undefined);
  return shipped ? { path: null, version, source: 'bundled' } : null;
}

export async function openDatabase(
  project: ProjectConfig,
  parts: DumpPart[],
  options: {
    config: Config;
    env: Record<string, string | undefined>;
    logger: Logger;
    pgBinDir?: string;
    cliDownloadBase?: string;
    /** The action's install-pg-client: installs the server's major when pg_dump is older. */
    installPgClient?: (major: number) => Promise<void>;
  },
): Promise<Database> {
  const { logger } = options;
  const rawUrl = options.env[project.db_url_secret] ?? '';
  const given = resolveConnection(project, options.env);
  for (const s of secretsOf(given, rawUrl)) logger.mask(s);
  const conn = sessionMode(given, (m) => logger.notice(`${project.name}: ${m}`));
  const where = displayUrl(conn);
  // PGTZ=UTC: the data's timestamps are printed in UTC, as the drill reads them back to compare.
  const tried = childEnv(options.env, configuredSecretNames(options.config), {
    ...withTimeoutsOff(libpqEnv(conn)),
    PGTZ: 'UTC',
  });
  const connect = { conn, warn: (m: string) => logger.warning(m) };
  const { server, pg, env } = await preflight(
    tried,
    options.pgBinDir,
    where,
    connect,
    options.installPgClient,
  );
  logger.info(
    `${where}: PostgreSQL ${server.version}, ${formatBytes(server.databaseBytes)}; pg_dump ${pg.version}`,
  );
  const cli =
    project.engine === 'pg-dump'
      ? null
      : (shippedCli(project, parts, options.env) ??
        (await locateSupabaseCli({
          version: project.supabase_cli_version,
          downloadBase: options.cliDownloadBase,
          logger,
          env: options.env,
        })));
  if (cli?.source === 'bundled')
    logger.debug(
      `Supabase CLI ${cli.version}: its dump scripts ship with this tool; no CLI needed`,
    );
  const target = { psql: pg.psql, env };
  const schemas = configuredSchemas(project);
  // The catalog queries connect again: the pool may have filled up since the preflight.
  const { nameWarnings, extras } = await retryingPoolFull(
    async () => ({
      // Before anything is dumped: a listed name that matches nothing is never silence.
      nameWarnings: await checkConfiguredNames(target, schemas, excludedTables(project)),
      extras: await collectExtras(target, schemas, server.major),
    }),
    where,
    connect,
  ).catch((err: unknown) => {
    throw explained(where, err, connect);
  });
  extras.warnings.unshift(...nameWarnings);
  return { conn, env, server, pg, cli, extras };
}
