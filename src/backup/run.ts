/**
 * The whole backup run both entry points share: dump the projects into sets, hand the sets to
 * their destinations, then prune each project that succeeded by its retention policy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupManifest } from '../catalog/backup-json.js';
import { selectProjects } from '../config/load.js';
import { errorMessage, type BackupError } from '../errors.js';
import { Heartbeats } from '../alerts/heartbeat.js';
import { backup, type BackupOptions } from './make-sets.js';
import { prune, type PruneResult } from '../destinations/prune.js';
import { Destinations } from '../destinations/registry.js';
import type { GitHubContext } from '../github/context.js';
import { storeSets, type StoredSet } from './store.js';

export interface RunBackupOptions extends BackupOptions {
  github: GitHubContext;
  reason?: string | null;
  /** Skip the retention step (e.g. a manual run that must not delete anything). */
  noPrune?: boolean;
}

export interface RunResult {
  project: string;
  set_id: string;
  dir: string;
  manifest: BackupManifest;
  stored: StoredSet;
}

export interface RunOutcome {
  results: RunResult[];
  pruned: PruneResult[];
  failures: { project: string; error: BackupError }[];
}

export async function runBackup(options: RunBackupOptions): Promise<RunOutcome> {
  // Heartbeats (alerts.heartbeat_url_secret) bracket the run; they never change its outcome.
  const beats = new Heartbeats(selectProjects(options.config, options.projects), {
    env: options.env,
    logger: options.logger,
  });
  await beats.start();
  let outcome: RunOutcome;
  try {
    outcome = await backupAndStore(options);
  } catch (err) {
    const message = `the backup run stopped: ${errorMessage(err)}`;
    await beats.finish([], new Map(options.config.projects.map((p) => [p.name, message])));
    throw err;
  }
  await beats.finish(
    outcome.results.map((r) => r.project),
    new Map(outcome.failures.map((f) => [f.project, f.error.message])),
  );
  return outcome;
}

async function backupAndStore(options: RunBackupOptions): Promise<RunOutcome> {
  // A fresh runner learns from the backup branch which objects need no download; not for
  // projects with artifacts, which must hold every object themselves.
  const destinations = new Destinations({
    github: options.github,
    env: options.env,
    outDir: options.outDir,
    workDir: tmpdir(),
    logger: options.logger,
    signal: options.signal,
  });
  const dumped = await backup({
    ...options,
    objectsBase: async (p) => {
      let ds;
      try {
        ds = p.destinations.map((n) => destinations.get(n, p, 'store'));
      } catch {
        return null; // storing will say why; without a base every object is downloaded
      }
      if (ds.some((d) => d.selfContained)) return null;
      for (const d of ds) if (d.objectBase) return d.objectBase(p.name);
      return null;
    },
  });
  const workDir = await mkdtemp(join(tmpdir(), 'supabase-backup-store-'));
  try {
    const finished = dumped.sets.map((s) => ({
      project: s.project,
      setId: s.set_id,
      dir: s.dir,
      manifest: s.manifest,
      objects: s.objects,
    }));
    const { stored, failures: storeFailures } = await storeSets(finished, options.config.projects, {
      github: options.github,
      logger: options.logger,
      workDir,
      env: options.env,
      outDir: options.outDir,
      reason: options.reason,
      signal: options.signal,
    });
    // A cancelled run stops here: a push it interrupted is a cancellation, not a project failure.
    options.signal?.throwIfAborted();
    const storedBy = new Map(stored.map((s) => [s.project, s]));
    const results = dumped.sets
      .filter((s) => storedBy.has(s.project))
      .map((s) => ({ ...s, stored: storedBy.get(s.project)! }));
    const failures = [...dumped.failures, ...storeFailures];

    let pruned: PruneResult[] = [];
    if (!options.noPrune) {
      const ok = options.config.projects.filter((p) => storedBy.has(p.name) && p.retention);
      const outcome = await prune(ok, {
        github: options.github,
        logger: options.logger,
        workDir,
        outDir: options.outDir,
        env: options.env,
        dryRun: false,
        now: (options.now ?? (() => new Date()))(),
        signal: options.signal,
      });
      pruned = outcome.results;
      failures.push(...outcome.failures);
    }
    return { results, pruned, failures };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
