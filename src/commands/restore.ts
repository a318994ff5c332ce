/**
 * restore: verify a set, decompress it to private temp files (checking raw digests), apply it
 * with Supabase's documented psql procedure in one transaction, then check the row counts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupManifest, TableRecord } from '../catalog/backup-json.js';
import { displayUrl, libpqEnv, parseConnectionUrl, secretsOf } from '../config/secrets.js';
import { queryJson } from '../dump/query.js';
import { preflight } from '../dump/preflight.js';
import { RestoreError, UsageError } from '../errors.js';
import { formatBytes } from '../format.js';
import type { Logger } from '../log.js';
import { childEnv, ProcessFailure, run } from '../proc/run.js';
import { decompressPart } from '../restore/decompress.js';
import { describeProblem, verifySet } from '../set/verify.js';

export interface RestoreOptions {
  from: string;
  targetUrl: string;
  yes: boolean;
  dryRun: boolean;
  /** age identities (AGE-SECRET-KEY-1...) for encrypted sets. */
  identities: string[];
  env: Record<string, string | undefined>;
  logger: Logger;
  pgBinDir?: string;
  signal?: AbortSignal;
}

export interface RestoreOutcome {
  applied: boolean;
  manifest: BackupManifest;
  /** Custom login roles whose passwords must be set again (dumps never hold passwords). */
  loginRoles: string[];
}

export function describePlan(manifest: BackupManifest, target: string): string {
  const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
  const parts = manifest.parts.map((p) => `${p.part} (${formatBytes(p.raw_bytes)})`).join(', ');
  return [
    `restore ${manifest.project}/${manifest.set_id} (PostgreSQL ${manifest.server.version}, ${manifest.engine})`,
    `  into    ${target}`,
    `  parts   ${parts}`,
    `  data    ${manifest.tables.length} tables, ${rows} rows`,
    `  as      psql --single-transaction -v ON_ERROR_STOP=1 -f roles.sql -f schema.sql -c 'SET session_replication_role = replica' -f data.sql`,
  ].join('\n');
}

export async function restore(options: RestoreOptions): Promise<RestoreOutcome> {
  const { logger } = options;
  const conn = parseConnectionUrl(options.targetUrl, '--target-url');
  for (const s of secretsOf(conn, options.targetUrl)) logger.mask(s);

  const check = await verifySet(options.from);
  if (check.problems.length > 0 || !check.manifest) {
    const list = check.problems.map((p) => `  ${describeProblem(options.from, p)}`).join('\n');
    throw new RestoreError(
      `refusing to restore a damaged or incomplete set; nothing was changed:\n${list}`,
    );
  }
  const manifest = check.manifest;
  const target = displayUrl(conn);
  logger.info(describePlan(manifest, target));
  if (options.dryRun) return { applied: false, manifest, loginRoles: [] };
  if (!options.yes) {
    throw new UsageError(
      'restore changes the target database: run again with --yes to apply (or --dry-run to only see the plan)',
    );
  }

  const env = childEnv(options.env, [], libpqEnv(conn));
  const { server, pg } = await preflight(env, options.pgBinDir, target);
  if (server.major < manifest.server.major) {
    logger.warning(
      `the target runs PostgreSQL ${server.major}, older than the source's ${manifest.server.major}: the restore may fail`,
    );
  }
  const work = await mkdtemp(join(tmpdir(), 'supabase-restore-'));
  try {
    const files = new Map<string, string>();
    for (const part of manifest.parts)
      files.set(
        part.part,
        await decompressPart(options.from, part, work, options.identities, options.signal),
      );
    const args = ['-X', '-q', '--single-transaction', '-v', 'ON_ERROR_STOP=1'];
    if (files.has('roles')) args.push('-f', files.get('roles')!);
    if (files.has('schema')) args.push('-f', files.get('schema')!);
    if (files.has('data'))
      args.push('-c', 'SET session_replication_role = replica', '-f', files.get('data')!);
    try {
      await run(pg.psql, args, { env, signal: options.signal });
    } catch (err) {
      if (!(err instanceof ProcessFailure)) throw err;
      const reason = err.stderr
        .split(work + '/')
        .join('')
        .trim()
        .split('\n')
        .slice(0, 5)
        .join('\n');
      throw new RestoreError(
        `restore failed and was rolled back; the target is unchanged:\n${reason}`,
      );
    }
    logger.info('applied in one transaction');
    await checkRowCounts({ psql: pg.psql, env }, manifest.tables);
    logger.info(`row counts match backup.json for ${manifest.tables.length} tables`);
    const loginRoles = files.has('roles')
      ? findLoginRoles(await readFile(files.get('roles')!, 'utf8'))
      : [];
    if (loginRoles.length > 0) {
      logger.warning(
        `set passwords again for these login roles (backups never contain passwords): ${loginRoles.join(', ')}`,
      );
    }
    return { applied: true, manifest, loginRoles };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

async function checkRowCounts(
  target: { psql: string; env: NodeJS.ProcessEnv },
  tables: TableRecord[],
): Promise<void> {
  if (tables.length === 0) return;
  const selects = tables.map(
    (t) =>
      `select ${quoteLiteral(`${t.schema}.${t.name}`)} as t, count(*) as n from only ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`,
  );
  const counts = await queryJson<{ t: string; n: number }[]>(
    target,
    `select json_agg(x) from (${selects.join('\nunion all\n')}) x`,
  );
  const actual = new Map(counts.map((c) => [c.t, c.n]));
  const wrong = tables
    .filter((t) => actual.get(`${t.schema}.${t.name}`) !== t.rows)
    .map(
      (t) =>
        `${t.schema}.${t.name}: ${actual.get(`${t.schema}.${t.name}`)} rows, backup.json says ${t.rows}`,
    );
  if (wrong.length > 0)
    throw new RestoreError(`restored row counts differ from the backup:\n  ${wrong.join('\n  ')}`);
}

/** Custom roles the roles part gives LOGIN (reserved roles are commented out there). */
export function findLoginRoles(rolesSql: string): string[] {
  const names = new Set<string>();
  for (const m of rolesSql.matchAll(/^ALTER ROLE "((?:[^"]|"")+)" WITH (.*);$/gm)) {
    if (/(^| )LOGIN( |$)/.test(m[2]!)) names.add(m[1]!.replace(/""/g, '"'));
  }
  return [...names];
}
