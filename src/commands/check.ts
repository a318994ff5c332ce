/**
 * check: how old each selected project's newest good set is at every destination it is
 * configured with, against its max_age (src/monitor/); then an error line per stale project and
 * its alert issue (alerts.issues), as both entries run it.
 */
import { loadConfigFile, selectProjects } from '../config/load.js';
import type { Config } from '../config/types.js';
import { reportCheck } from '../monitor/check-alerts.js';
import { check, type CheckOutcome } from '../monitor/freshness.js';
import { catalogAccess, type Ports } from './ports.js';

export interface CheckCommandOptions {
  configPath: string;
  /** Project names (or comma lists); empty = all. */
  projects: string[];
  /** The local output directory (the `local` destination); undefined = not looked at. */
  outDir?: string | undefined;
  /** When to judge the ages at; default the ports' clock. */
  at?: Date | undefined;
  /** Where the alerts.issues warning tells people to put the token and repository. */
  issueAlertsNeed: string;
}

export interface CheckCommandResult {
  config: Config;
  outcome: CheckOutcome;
}

export async function checkCommand(
  options: CheckCommandOptions,
  ports: Ports,
): Promise<CheckCommandResult> {
  const config = await loadConfigFile(options.configPath);
  const projects = selectProjects(config, options.projects);
  const now = options.at ?? ports.now();
  const lookup = { ...catalogAccess(ports, options.outDir), now };
  const outcome = await check(projects, lookup);
  const g = ports.github;
  const runUrl =
    g.repository && g.runId
      ? `${g.serverUrl.replace(/\/$/, '')}/${g.repository}/actions/runs/${g.runId}`
      : null;
  await reportCheck(projects, outcome, {
    ...lookup,
    runUrl,
    redact: ports.redact,
    issueAlertsNeed: options.issueAlertsNeed,
  });
  return { config, outcome };
}
