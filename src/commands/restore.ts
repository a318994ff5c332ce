/**
 * restore: open the source (set directory, artifact zip or backup branch), verify the set, show
 * the plan, check the target, then apply it with Supabase's documented psql procedure in one
 * transaction and check the row counts (src/restore/apply.ts).
 */
import type { BackupManifest } from '../catalog/backup-json.js';
import { displayUrl, libpqEnv, parseConnectionUrl, secretsOf } from '../config/secrets.js';
import type { Part } from '../config/types.js';
import { sessionMode, withTimeoutsOff } from '../dump/connect.js';
import { preflight } from '../dump/preflight.js';
import { RestoreError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Ports } from './ports.js';
import { childEnv } from '../proc/run.js';
import { applySet } from '../restore/apply.js';
import {
  describePlan,
  refuseUnsupported,
  selectRestore,
  type Selection,
} from '../restore/selection.js';
import { openSource, type SourceSpec } from '../restore/source.js';
import { platformNotes } from '../restore/platform-notes.js';
import { isS3Url } from '../destinations/s3/url.js';
import { describeProblem, verifySet } from '../set/verify-set.js';

export { findLoginRoles } from '../restore/apply.js';

/** What the restore handlers take from the ports. */
export type RestorePorts = Pick<Ports, 'env' | 'logger' | 'signal'>;

/** The ports as the option fields the restore machinery reads. */
export const withPorts = ({ env, logger, signal }: RestorePorts) => ({ env, logger, signal });

/** What every restore handler takes: the confirmation, the dry run, the keys and the ports. */
export interface RestoreRunOptions {
  yes: boolean;
  dryRun: boolean;
  /** age identities (AGE-SECRET-KEY-1...) for encrypted sets. */
  identities: string[];
  env: Record<string, string | undefined>;
  logger: Logger;
  signal?: AbortSignal;
}

export interface RestoreOptions extends RestoreRunOptions {
  /** A set directory or artifact zip (string), or a backup branch. */
  from: string | SourceSpec;
  targetUrl: string;
  /** Apply even though the target already holds user tables / rows in the chosen tables. */
  force?: boolean;
  parts?: Part[];
  tables?: string[];
  schemas?: string[];
  pgBinDir?: string;
}

export interface RestoreOutcome {
  applied: boolean;
  manifest: BackupManifest;
  selection: Selection;
  /** Custom login roles whose passwords must be set again (dumps never hold passwords). */
  loginRoles: string[];
}

/**
 * Verifies the set in `dir`; a damaged or incomplete set is refused before any connection.
 * `contents: false` (restore, drill) leaves the stored files' digests to the apply, which checks
 * them while streaming into a transaction it commits only if they match (src/restore/stream-apply.ts).
 */
export async function verifiedManifest(
  dir: string,
  label: string,
  { contents = true } = {},
): Promise<BackupManifest> {
  const check = await verifySet(dir, { contents });
  if (check.problems.length > 0 || !check.manifest) {
    const list = check.problems.map((p) => `  ${describeProblem(dir, p)}`).join('\n');
    throw new RestoreError(
      `refusing to restore a damaged or incomplete set (${label}); nothing was changed:\n${list}`,
    );
  }
  return check.manifest;
}

/** The options a caller gives; the rest comes from the ports. */
export type RestoreRequest = Omit<RestoreOptions, 'env' | 'logger' | 'signal'>;

export async function restore(
  request: RestoreRequest,
  ports: RestorePorts,
): Promise<RestoreOutcome> {
  const options: RestoreOptions = { ...request, ...withPorts(ports) };
  const { logger } = options;
  const given = parseConnectionUrl(options.targetUrl, '--target-url');
  for (const s of secretsOf(given, options.targetUrl)) logger.mask(s);
  const conn = sessionMode(given, (m) => logger.notice(m));
  refuseUnsupported(options);

  const spec: SourceSpec =
    typeof options.from !== 'string'
      ? options.from
      : isS3Url(options.from)
        ? { kind: 's3', url: options.from, latest: false }
        : { kind: 'path', path: options.from };
  const source = await openSource(spec, options);
  try {
    const manifest = await verifiedManifest(source.dir, source.label, { contents: false });
    const selection = selectRestore(manifest, options);
    const target = displayUrl(conn);
    logger.info(describePlan(manifest, selection, target, source.label));
    if (options.dryRun) return { applied: false, manifest, selection, loginRoles: [] };
    if (!options.yes) {
      throw new UsageError(
        'restore changes the target database: run again with --yes to apply (or --dry-run to only see the plan)',
      );
    }

    const tried = childEnv(options.env, [], withTimeoutsOff(libpqEnv(conn)));
    const { server, pg, env } = await preflight(tried, options.pgBinDir, target, {
      conn,
      warn: (m) => logger.warning(m),
    });
    if (server.major < manifest.server.major) {
      logger.warning(
        `the target runs PostgreSQL ${server.major}, older than the source's ${manifest.server.major}: the restore may fail`,
      );
    }
    const { loginRoles } = await applySet({
      setDir: source.dir,
      manifest,
      selection,
      target: { psql: pg.psql, env },
      identities: options.identities,
      force: options.force ?? false,
      logger,
      signal: options.signal,
    });
    for (const note of platformNotes(manifest, selection))
      if (note.level === 'warning') logger.warning(note.text);
      else logger.info(note.text);
    // Said here, not in applySet: a drill's throwaway cluster needs no passwords.
    if (loginRoles.length > 0)
      logger.warning(
        `set passwords again for these login roles (backups never contain passwords): ${loginRoles.join(', ')}`,
      );
    return { applied: true, manifest, selection, loginRoles };
  } finally {
    await source.cleanup();
  }
}
