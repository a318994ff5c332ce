/**
 * backup --drill / `drill: true`: the staged set (parts written, backup.json not yet) is restored
 * into a throwaway cluster before it is committed, and the result goes into its backup.json. A
 * failed drill fails the project and the set is discarded: only proven sets are stored
 * (docs/restore.md, "Drills after each backup").
 */
import type { BackupManifest, DrillRecord } from '../catalog/backup-json.js';
import type { Part, ProjectConfig } from '../config/types.js';
import { SecretError, UsageError, VerifyError } from '../errors.js';
import type { Logger } from '../log.js';
import { describeDrill, drill, drillRecord } from '../restore/drill.js';
import { chooseServer, findServerInstalls } from '../restore/drill-cluster.js';

export interface BackupDrillOptions {
  /** age identities for encrypted sets. */
  identities: string[];
  logger: Logger;
  env: Record<string, string | undefined>;
  pgBinDir?: string;
  signal?: AbortSignal;
}

/** Refuses, before anything is dumped, a drill that could not run. */
export async function checkDrillable(
  project: ProjectConfig,
  parts: Part[],
  encrypted: boolean,
  options: BackupDrillOptions,
): Promise<void> {
  if (parts.includes('data') && !parts.includes('schema'))
    throw new UsageError(
      `${project.name}: a drill restores the set into an empty cluster, where data without the schema part has no tables to go into; back up the schema part too, or leave the drill off for this run`,
    );
  if (encrypted && options.identities.length === 0)
    throw new SecretError(
      `${project.name}: the set is encrypted, so its drill needs an age identity to decrypt it: pass --identity-file/--identity-env (CLI) or the identity-secret input (action)`,
    );
  // Throws a ToolError naming what to install when no server binaries are found.
  chooseServer(await findServerInstalls(options.pgBinDir), 0);
}

/** Drills the staged set; throws a VerifyError (the set is then not stored) when it fails. */
export async function drillStaged(
  dir: string,
  manifest: BackupManifest,
  options: BackupDrillOptions,
): Promise<DrillRecord> {
  const result = await drill({ ...options, setDir: dir, manifest });
  if (!result.ok) {
    options.logger.error(describeDrill(result));
    throw new VerifyError(
      `the restore drill failed, so the set was not stored: ${result.error ?? 'unknown error'}`,
    );
  }
  options.logger.info(describeDrill(result));
  return drillRecord(result);
}
