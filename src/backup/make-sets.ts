/** backup: for each selected project, dump its parts into a complete, checksummed set. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupManifest, PartRecord, TableRecord } from '../catalog/backup-json.js';
import { FORMAT, FORMAT_VERSION } from '../catalog/backup-json.js';
import { selectProjects } from '../config/load.js';
import {
  DUMP_PARTS,
  type Config,
  type DumpPart,
  type Part,
  type ProjectConfig,
} from '../config/types.js';
import { prepareEngine } from '../dump/engines.js';
import { BackupError, DumpError, errorMessage } from '../errors.js';
import { mapLimit } from '../concurrency.js';
import { prefixedLogger, type Logger } from '../log.js';
import { removeDebris, SetWriter } from '../set/writer.js';
import { TOOL_VERSION } from '../version.js';
import { Journal, OBJECTS_DIR } from '../storage/incremental.js';
import type { RemoteBase } from '../storage/incremental.js';
import { backupStoragePart } from '../storage/storage-part.js';
import { backupManagementParts } from '../management/management-parts.js';
import { coverageOf } from '../management/coverage.js';
import { databaseCoverage } from '../dump/db-coverage.js';
import { openDatabase } from './database.js';
import { dumpParts as dumpDatabaseParts } from './dump-parts.js';
import { checkDrillable, drillStaged } from './drill-staged.js';
import { resolveRecipients } from './recipients.js';
import { DEFAULT_MAX_FILE_BYTES } from '../catalog/naming.js';

export interface BackupOptions {
  config: Config;
  /** Project names; empty = all. */
  projects: string[];
  /** Restrict every project to these parts; empty = the project's own. */
  only: Part[];
  outDir: string;
  env: Record<string, string | undefined>;
  logger: Logger;
  now?: () => Date;
  signal?: AbortSignal;
  pgBinDir?: string;
  cliDownloadBase?: string;
  /** The action's install-pg-client: installs the server's major when pg_dump is older. */
  installPgClient?: (major: number) => Promise<void>;
  /** Stored files above this are split into numbered chunks. */
  maxFileBytes?: number;
  /** How many projects are dumped at once (default 1). */
  concurrency?: number;
  /** The repository is public (from the workflow event): plain sets may not leave the runner. */
  repositoryPublic?: boolean;
  /** Drill every set before it is committed, whatever the projects' `drill` says. */
  drill?: boolean;
  /** age identities, for drills of encrypted sets. */
  identities?: string[];
  /** Where a project's storage part finds objects a destination already holds (docs/storage.md). */
  objectsBase?: (project: ProjectConfig) => Promise<RemoteBase | null>;
  /** How the Management API back-off waits (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface SetResult {
  project: string;
  set_id: string;
  dir: string;
  manifest: BackupManifest;
  /** The storage part: the object area and the names (`ab/<sha256>[.age]`) the set references. */
  objects?: { area: string; names: string[] };
}

export interface BackupOutcome {
  sets: SetResult[];
  failures: { project: string; error: BackupError }[];
}

export async function backup(options: BackupOptions): Promise<BackupOutcome> {
  const projects = selectProjects(options.config, options.projects);
  const concurrency = options.concurrency ?? 1;
  const outcome: BackupOutcome = { sets: [], failures: [] };
  const results = await mapLimit(projects, concurrency, async (project) => {
    // Groups can't interleave: with several projects at once, each line names its project.
    const logger =
      concurrency > 1 ? prefixedLogger(options.logger, `[${project.name}] `) : options.logger;
    const one = () => backupProject(project, { ...options, logger });
    try {
      return {
        set: await (concurrency > 1 ? one() : logger.group(`Back up ${project.name}`, one)),
      };
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const error =
        err instanceof BackupError ? err : new DumpError(errorMessage(err), { cause: err });
      logger.error(`${project.name}: ${error.message}`);
      return { failure: { project: project.name, error } };
    }
  });
  for (const r of results) {
    if (r.set) outcome.sets.push(r.set);
    if (r.failure) outcome.failures.push(r.failure);
  }
  return outcome;
}

function partsFor(project: ProjectConfig, only: Part[]): Part[] {
  return only.length === 0 ? project.parts : project.parts.filter((p) => only.includes(p));
}

async function backupProject(project: ProjectConfig, options: BackupOptions): Promise<SetResult> {
  const { logger } = options;
  const startedAt = (options.now ?? (() => new Date()))();
  const parts = partsFor(project, options.only);
  if (parts.length === 0)
    throw new DumpError(`none of the requested parts are configured for ${project.name}`);

  const compression = project.compression ?? 'zstd';
  const recipients = resolveRecipients(project, options);
  const isDump = (p: Part): p is DumpPart => (DUMP_PARTS as readonly Part[]).includes(p);
  // A drill restores the database parts; a set without them has none to drill.
  const drillOptions =
    (options.drill || project.drill) && parts.some(isDump)
      ? {
          identities: options.identities ?? [],
          logger,
          env: options.env,
          pgBinDir: options.pgBinDir,
          signal: options.signal,
        }
      : null;
  if (drillOptions) await checkDrillable(project, parts, recipients !== null, drillOptions);

  const debris = await removeDebris(options.outDir, project.name);
  if (debris.length) logger.info(`removed debris of earlier runs: ${debris.join(', ')}`);

  // A set without database parts needs no database (nor its secret).
  const dumpParts = parts.filter(isDump);
  const db = dumpParts.length > 0 ? await openDatabase(project, dumpParts, options) : null;
  const workDir = await mkdtemp(join(tmpdir(), 'supabase-backup-'));
  const writer = await SetWriter.begin(options.outDir, project.name, startedAt);
  try {
    const ctx = db && { project, ...db, workDir, signal: options.signal };
    if (ctx) await prepareEngine(project.engine, ctx, dumpParts);
    const { records, tables } = ctx
      ? await dumpDatabaseParts({
          ctx,
          parts: dumpParts,
          dir: writer.dir,
          compression,
          recipients,
          maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
          // Digests are what a drill compares the restored tables with at backup time.
          digestRows: drillOptions !== null,
          logger,
          signal: options.signal,
        })
      : { records: [] as PartRecord[], tables: [] as TableRecord[] };
    // What every part written outside the database dump is written with.
    const written = {
      setDir: writer.dir,
      compression,
      recipients,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      env: options.env,
      logger,
      signal: options.signal,
    };
    const objects = parts.includes('storage')
      ? await backupStoragePart(project, {
          ...written,
          projectDir: writer.projectDir,
          remoteBase: options.objectsBase && (() => options.objectsBase!(project)),
        })
      : null;
    if (objects) records.push(objects.record);
    const managed = await backupManagementParts(project, parts, writer.setId, {
      ...written,
      sleep: options.sleep,
      drill: options.drill || project.drill ? { identities: options.identities ?? [] } : undefined,
    });
    records.push(...managed.records);
    const manifest: BackupManifest = {
      format: FORMAT,
      format_version: FORMAT_VERSION,
      project: project.name,
      ref: project.ref ?? null,
      set_id: writer.setId,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      engine: project.engine,
      tools: {
        'supabase-backup': TOOL_VERSION,
        node: process.versions.node,
        ...(db ? { pg_dump: db.pg.version } : {}),
        ...(db?.cli ? { supabase_cli: db.cli.version } : {}),
      },
      // A storage-only set contacted no database: no server version.
      server: db
        ? { version: db.server.version, major: db.server.major }
        : { version: '', major: 0 },
      parts: records,
      tables,
      materialized_views: db && parts.includes('data') ? db.extras.materializedViews : [],
      warnings: [...(db?.extras.warnings ?? []), ...managed.warnings],
      coverage: coverageOf(
        records,
        recipients !== null,
        db ? databaseCoverage(db.extras, parts.filter(isDump)) : [],
      ),
    };
    for (const w of manifest.warnings) logger.warning(`${project.name}: ${w}`);
    if (drillOptions) manifest.drill = await drillStaged(writer.dir, manifest, drillOptions);
    const dir = await writer.commit(manifest);
    // The set's object list now says what the resume journal said.
    if (objects) await Journal.in(writer.projectDir).clear();
    logger.info(`set ${project.name}/${writer.setId} complete`);
    return {
      project: project.name,
      set_id: writer.setId,
      dir,
      manifest,
      ...(objects && {
        objects: { area: join(writer.projectDir, OBJECTS_DIR), names: objects.names },
      }),
    };
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
