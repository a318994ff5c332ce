/**
 * backup, as both entries run it: load the config, let the schedule gate pick the due projects
 * (on a `schedule` trigger), dump, store and prune them (src/backup/run.ts), then send the
 * projects' alerts. The action and the CLI only turn the result into outputs or printed lines.
 */
import { sendAlerts } from '../alerts/send.js';
import { runBackup, type RunBackupOptions, type RunOutcome } from '../backup/run.js';
import { loadConfigFile } from '../config/load.js';
import type { Config, ProjectConfig } from '../config/types.js';
import { dueForBackup } from './plan.js';
import { catalogAccess, type Ports } from './ports.js';

type FromPorts = 'config' | 'projects' | 'env' | 'logger' | 'signal' | 'github' | 'now';

export interface BackupCommandOptions extends Omit<RunBackupOptions, FromPorts> {
  configPath: string;
  /** Project names (or comma lists); empty = all. */
  projects: string[];
  /** Where the alerts.issues warning tells people to put the token and repository. */
  issueAlertsNeed: string;
}

export interface BackupCommandResult {
  config: Config;
  /** The projects the schedule gate let through; empty = nothing was due, nothing ran. */
  due: string[];
  /** Their configs, in config order. */
  attempted: ProjectConfig[];
  outcome: RunOutcome;
  /** Each failed project with its error message (not yet redacted). */
  failures: { project: string; message: string }[];
}

/** The steps a backup takes that reach outside the process; unit tests pass in-memory ones. */
export interface BackupSteps {
  runBackup: typeof runBackup;
  sendAlerts: typeof sendAlerts;
}

export async function backupCommand(
  options: BackupCommandOptions,
  ports: Ports,
  steps: BackupSteps = { runBackup, sendAlerts },
): Promise<BackupCommandResult> {
  const { configPath, projects, issueAlertsNeed, ...run } = options;
  const config = await loadConfigFile(configPath);
  const lookup = catalogAccess(ports, options.outDir);
  // On a schedule trigger only the projects whose own schedule is due are backed up.
  const due = await dueForBackup({
    ...lookup,
    config,
    projects,
    eventName: ports.eventName,
    at: ports.now(),
  });
  if (due.length === 0) {
    ports.logger.info('no project is due (schedules); nothing to back up');
    const outcome = { results: [], pruned: [], failures: [] };
    return { config, due, attempted: [], outcome, failures: [] };
  }
  const outcome = await steps.runBackup({
    ...run,
    config,
    projects: due,
    env: ports.env,
    logger: ports.logger,
    signal: ports.signal,
    github: ports.github,
    now: ports.now,
  });
  const failures = outcome.failures.map((f) => ({ project: f.project, message: f.error.message }));
  const attempted = config.projects.filter((p) => due.includes(p.name));
  // Never throws: the backup's own failures stay what fails the run.
  await steps.sendAlerts({
    ...lookup,
    env: ports.env,
    projects: attempted,
    succeeded: outcome.results,
    failed: failures,
    redact: ports.redact,
    issueAlertsNeed,
  });
  return { config, due, attempted, outcome, failures };
}
