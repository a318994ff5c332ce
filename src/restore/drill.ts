/**
 * A restore drill: restores a verified set into a throwaway local cluster loaded with a
 * Supabase-shaped base, with the same code as `restore`, compares row counts and content digests
 * with backup.json (or, for sets backed up without digests, with the data part's), and reports
 * the outcome and duration. The cluster is always stopped and removed.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupManifest, DrillRecord, TableRecord } from '../catalog/backup-json.js';
import { queryJson } from '../dump/query.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { TableRows } from '../pipeline/copy-rows.js';
import { childEnv, run } from '../proc/run.js';
import { openPart } from '../set/read-part.js';
import { applySet } from './apply.js';
import { checkDigests } from './digests.js';
import { chooseServer, findServerInstalls, startDrillCluster } from './drill-cluster.js';
import {
  DropCronJobs,
  ExtensionScan,
  planExtensions,
  SkipExtensions,
  type ExtensionUse,
} from './drill-extensions.js';
import { RolesCheck } from './drill-roles-check.js';
import {
  afterRolesSql,
  DRILL_ROLE,
  DRILL_SUPERUSER,
  drillGrantsSql,
  drillRoleSql,
} from './drill-roles.js';
import { drillCacheDir } from './drill-template.js';
import { selectRestore, tableKey } from './selection.js';
import { SUPABASE_BASE_SQL } from './supabase-base.sql.js';

/** What a drill reports: the record a set keeps, plus which set and the warnings. */
export interface DrillResult extends DrillRecord {
  project: string;
  set_id: string;
  warnings: string[];
}

export interface DrillOptions {
  setDir: string;
  manifest: BackupManifest;
  identities: string[];
  logger: Logger;
  pgBinDir?: string;
  signal?: AbortSignal;
  env: Record<string, string | undefined>;
}

/**
 * The throwaway cluster keeps nothing: with wal_level=minimal the restore's COPY into the tables
 * its own transaction created writes no WAL, and no checkpoint or autovacuum runs meanwhile.
 */
const DRILL_SETTINGS = [
  'wal_level=minimal',
  'max_wal_senders=0',
  'max_wal_size=8GB',
  'checkpoint_timeout=1h',
  'autovacuum=off',
];

export async function drill(options: DrillOptions): Promise<DrillResult> {
  const { manifest, logger } = options;
  const started = Date.now();
  const selection = selectRestore(manifest, {});
  const { install, older } = chooseServer(
    await findServerInstalls(options.pgBinDir),
    manifest.server.major,
  );
  const warnings: string[] = [];
  if (older) {
    const w = `no PostgreSQL server ${manifest.server.major} or newer is installed: the drill ran on ${install.version}, older than the source's ${manifest.server.version}; a failure may be the version's, not the backup's`;
    warnings.push(w);
    logger.warning(w);
  }
  const result: DrillResult = {
    ok: false,
    project: manifest.project,
    set_id: manifest.set_id,
    source_server: manifest.server.version,
    drill_server: install.version,
    older_server: older,
    tables: selection.tables.length,
    rows: selection.tables.reduce((n, t) => n + t.rows, 0),
    digests: 0,
    duration_ms: 0,
    started_at: new Date(started).toISOString(),
    error: null,
    warnings,
  };
  logger.info(
    `drill: restoring ${manifest.project}/${manifest.set_id} into a throwaway PostgreSQL ${install.version} cluster`,
  );
  // Phase times (--debug): what a drill costs beyond the restore itself (issue #18).
  let mark = Date.now();
  const phase = (what: string) => {
    const now = Date.now();
    logger.debug(`drill: ${what} in ${((now - mark) / 1000).toFixed(2)} s`);
    mark = now;
  };
  const cluster = await startDrillCluster(install, older, options.signal, {
    superuser: DRILL_SUPERUSER,
    settings: DRILL_SETTINGS,
    templateCache: drillCacheDir(options.env),
  });
  phase('cluster started');
  try {
    // The superuser sets the cluster up; the set's SQL runs as postgres, not a superuser
    // (drill-roles.ts: a hostile set must not reach this machine through the server).
    const password = randomBytes(18).toString('base64url');
    const available = await queryJson<string[]>(
      { psql: install.psql, env: childEnv(options.env, [], cluster.env) },
      "SELECT coalesce(json_agg(name), '[]') FROM pg_available_extensions",
    );
    const extensions = planExtensions(
      await schemaExtensions(options, selection.parts),
      new Set(available),
    );
    for (const w of extensions.warnings) {
      warnings.push(w);
      logger.warning(w);
    }
    const setup = [
      drillRoleSql(password, install.major),
      SUPABASE_BASE_SQL,
      extensions.preCreateSql,
      drillGrantsSql(install.major),
    ].join('\n');
    await run(install.psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
      env: childEnv(options.env, [], cluster.env),
      input: setup,
      signal: options.signal,
    });
    phase('base and roles loaded');
    const env = childEnv(options.env, [], {
      ...cluster.env,
      PGUSER: DRILL_ROLE,
      PGPASSWORD: password,
    });
    const target = { psql: install.psql, env };
    const digestData = selection.tables.some((t) => t.digest === undefined);
    // Every table has a recorded digest: the digest read counts the rows too (one read, not two).
    const countsByDigests = !digestData && selection.tables.length > 0;
    const applied = await applySet({
      setDir: options.setDir,
      manifest,
      selection,
      target,
      identities: options.identities,
      force: false,
      digestData,
      skipRowCounts: countsByDigests,
      filters: (part) =>
        part === 'schema' && extensions.skipped.size > 0
          ? [new SkipExtensions(extensions.skipped)]
          : part === 'data' && extensions.skipped.has('pg_cron')
            ? [new DropCronJobs()]
            : [],
      roles: {
        check: install.major < 16 ? () => new RolesCheck('roles.sql') : undefined,
        after: afterRolesSql(install.major),
      },
      logger,
      signal: options.signal,
    });
    phase('restored');
    const expected = digestData
      ? withDumpedDigests(selection.tables, applied.dumped, manifest.engine)
      : selection.tables;
    result.digests = await checkDigests(target, expected, options.signal, {
      rows: countsByDigests,
      onRowsMatch: () =>
        logger.info(`row counts match backup.json for ${selection.tables.length} tables`),
    });
    if (result.digests > 0)
      logger.info(
        `content digests match ${digestData ? 'the data part' : 'backup.json'} for ${result.digests} tables`,
      );
    phase('read back and compared');
    result.ok = true;
  } catch (err) {
    if (options.signal?.aborted) throw err;
    result.error = errorMessage(err);
  } finally {
    mark = Date.now();
    await cluster.stop();
    phase('cluster stopped and removed');
    result.duration_ms = Date.now() - started;
  }
  return result;
}

/** The schema part's CREATE EXTENSION lines, read (and its digests checked) before the drill. */
async function schemaExtensions(options: DrillOptions, parts: string[]): Promise<ExtensionUse[]> {
  const part = options.manifest.parts.find((p) => p.part === 'schema');
  if (!part || !parts.includes('schema')) return [];
  const scan = new ExtensionScan();
  const reader = await openPart(options.setDir, part, options.identities, [scan]);
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  await pipeline([reader.source, ...reader.stages, sink], { signal: options.signal });
  reader.check();
  return scan.found;
}

/**
 * A set backed up without digests (no drill at backup time) gets them from its data part as the
 * drill reads it: the restore must then reproduce exactly what was dumped, and the part's raw
 * sha256 ties that text to the backup. Only for sets whose dump printed times in UTC, which the
 * recorded columns mark (both came in together); never for the docker engine, whose container
 * has its own time zone.
 */
function withDumpedDigests(
  tables: TableRecord[],
  dumped: TableRows[],
  engine: BackupManifest['engine'],
): TableRecord[] {
  if (engine === 'docker') return tables;
  const byName = new Map(dumped.map((d) => [tableKey(d.schema, d.name), d]));
  return tables.map((t) => {
    const d = byName.get(tableKey(t.schema, t.name));
    return t.digest !== undefined || !t.columns || !d ? t : { ...t, digest: d.digest };
  });
}

/** What backup.json and the catalog keep of a drill. */
export function drillRecord(r: DrillResult): DrillRecord {
  return {
    ok: r.ok,
    started_at: r.started_at,
    duration_ms: r.duration_ms,
    source_server: r.source_server,
    drill_server: r.drill_server,
    older_server: r.older_server,
    tables: r.tables,
    rows: r.rows,
    digests: r.digests,
    error: r.error,
  };
}

export function describeDrill(r: DrillResult): string {
  const content = r.digests > 0 ? ` (content of ${r.digests} checked)` : '';
  const what = `${r.project}/${r.set_id}: ${r.tables} tables${content}, ${r.rows} rows, on PostgreSQL ${r.drill_server}${r.older_server ? ` (OLDER than the source's ${r.source_server})` : ''}, ${(r.duration_ms / 1000).toFixed(1)} s`;
  return r.ok ? `drill passed: ${what}` : `drill FAILED: ${what}\n${r.error}`;
}
