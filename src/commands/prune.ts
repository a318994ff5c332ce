/**
 * prune: apply each selected project's retention policy to every place its sets live
 * (src/destinations/prune.ts). A failure at one place is reported, not thrown.
 */
import { loadConfigFile, selectProjects } from '../config/load.js';
import { prune as pruneProjects, type PruneOutcome } from '../destinations/prune.js';
import { catalogAccess, type Ports } from './ports.js';

export interface PruneCommandOptions {
  configPath: string;
  /** Project names (or comma lists); empty = all. */
  projects: string[];
  /** The local output directory (for the `local` destination). */
  outDir: string;
  dryRun: boolean;
}

export async function prune(options: PruneCommandOptions, ports: Ports): Promise<PruneOutcome> {
  const config = await loadConfigFile(options.configPath);
  return pruneProjects(selectProjects(config, options.projects), {
    ...catalogAccess(ports, options.outDir),
    outDir: options.outDir,
    dryRun: options.dryRun,
    now: ports.now(),
  });
}
