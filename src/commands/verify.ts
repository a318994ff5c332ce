/**
 * verify: recompute every digest of a set, or of every set under a directory; at the root of a
 * backup branch checkout, also check manifest.json against the set folders.
 */
import { stat } from 'node:fs/promises';
import type { BackupManifest } from '../catalog/backup-json.js';
import { DUMP_PARTS } from '../config/types.js';
import { errorMessage, UsageError } from '../errors.js';
import { drillManagementParts } from '../management/drill.js';
import { describeDrill, drill, type DrillOptions, type DrillResult } from '../restore/drill.js';
import {
  checkCatalog,
  describeProblem,
  findSetDirs,
  verifySet,
  type SetCheck,
  type SetProblem,
} from '../set/verify-set.js';
import { verifyObjects, type ObjectCache } from '../storage/verify-objects.js';
import type { Ports } from './ports.js';
import { verifiedManifest, withPorts, type RestorePorts } from './restore.js';

export interface VerifyOutcome {
  checks: SetCheck[];
  /** manifest.json against the tree; null when the directory has no manifest.json. */
  catalog: SetProblem[] | null;
  problems: number;
}

export async function verify(
  { from }: { from: string },
  { logger }: Pick<Ports, 'logger'>,
): Promise<VerifyOutcome> {
  const st = await stat(from).catch(() => null);
  if (!st?.isDirectory()) throw new UsageError(`--from ${from}: not a directory`);
  const dirs = await findSetDirs(from);
  const checks: SetCheck[] = [];
  let problems = 0;
  const objects: ObjectCache = new Map();
  for (const dir of dirs) {
    const check = await verifySet(dir);
    // A storage part's objects live in the object area, outside the set.
    if (check.manifest && check.problems.length === 0)
      check.problems.push(...(await verifyObjects(dir, check.manifest, objects)).problems);
    checks.push(check);
    problems += check.problems.length;
    if (check.problems.length === 0) {
      const files = check.manifest?.parts.length ?? 0;
      logger.info(`ok    ${dir} (${files} file${files === 1 ? '' : 's'})`);
    } else {
      logger.error(`FAIL  ${dir}`);
      for (const p of check.problems) logger.error(`  ${describeProblem(from, p)}`);
    }
  }
  const catalog = await checkCatalog(from, checks);
  if (catalog && catalog.length > 0) {
    logger.error('FAIL  manifest.json does not match the set folders');
    for (const p of catalog) logger.error(`  ${describeProblem(from, p)}`);
    problems += catalog.length;
  } else if (catalog) logger.info(`ok    manifest.json lists exactly these ${dirs.length} set(s)`);
  if (dirs.length === 0 && !catalog)
    throw new UsageError(
      `no backup set found under ${from} (a set is a directory with backup.json)`,
    );
  logger.info(`${checks.length} set(s) checked, ${problems} problem(s)`);
  return { checks, catalog, problems };
}

/** verify --drill: the set must verify, then it is restored into a throwaway local cluster. */
export async function verifyDrill(
  {
    from,
    ...request
  }: { from: string } & Omit<DrillOptions, 'setDir' | 'manifest' | 'env' | 'logger' | 'signal'>,
  ports: RestorePorts,
): Promise<DrillResult> {
  const options = { ...request, ...withPorts(ports) };
  const manifest = await verifiedManifest(from, from, { contents: false });
  const apiOnly = await drillApiParts(from, manifest, options);
  if (apiOnly) return apiOnly;
  const result = await drill({ ...options, setDir: from, manifest });
  if (result.ok) options.logger.info(describeDrill(result));
  else options.logger.error(describeDrill(result));
  return result;
}

/**
 * Reads the functions and settings parts back (read-set.ts). Returns the drill's result when
 * that is all there is to drill, or when they fail; undefined when the database drill follows.
 */
async function drillApiParts(
  from: string,
  manifest: BackupManifest,
  options: Omit<DrillOptions, 'setDir' | 'manifest'>,
): Promise<DrillResult | undefined> {
  const has = (parts: readonly string[]) => manifest.parts.some((p) => parts.includes(p.part));
  if (!has(['functions', 'settings'])) return undefined;
  const started = new Date();
  let error: string | null = null;
  try {
    await drillManagementParts(from, manifest, options.identities, options.logger, options.signal);
  } catch (err) {
    error = errorMessage(err);
    options.logger.error(error);
  }
  if (error === null && has(DUMP_PARTS)) return undefined;
  return {
    project: manifest.project,
    set_id: manifest.set_id,
    warnings: [],
    ok: error === null,
    started_at: started.toISOString(),
    duration_ms: Date.now() - started.getTime(),
    source_server: manifest.server.version,
    drill_server: '',
    older_server: false,
    tables: 0,
    rows: 0,
    digests: 0,
    error,
  };
}
