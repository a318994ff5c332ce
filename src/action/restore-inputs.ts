/**
 * command: restore in the action: for workflow_dispatch. The `confirm` input must equal the
 * project's name, so a misclick cannot overwrite production.
 */
import { restore, type RestoreOutcome } from '../commands/restore.js';
import { branchTargetFor } from '../backup/store.js';
import type { GitHubContext } from '../github/context.js';
import type { Config, Part } from '../config/types.js';
import { selectProjects } from '../config/load.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseIdentities } from '../config/age-keys.js';
import { s3SourceSpec } from '../destinations/s3/source.js';
import { isS3Url } from '../destinations/s3/url.js';
import type { RestoreInputs } from './inputs.js';

/**
 * The age identities in the variable the identity-secret input names (masked). An unset variable
 * is fine for a plain set; an encrypted one then says what it needs.
 */
export function actionIdentities(secretName: string | undefined, logger: Logger): string[] {
  const text = secretName ? process.env[secretName] : undefined;
  const identities = text ? parseIdentities(text) : [];
  for (const id of identities) logger.mask(id);
  return identities;
}

export async function restoreFromAction(
  config: Config,
  names: string[],
  parts: Part[],
  inputs: RestoreInputs & { dryRun: boolean; pgBinDir?: string },
  github: GitHubContext,
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<RestoreOutcome> {
  const selected = selectProjects(config, names);
  if (names.length !== 1 || selected.length !== 1) {
    throw new UsageError('command restore needs exactly one project in the projects input');
  }
  const project = selected[0]!;
  if (inputs.confirm !== project.name) {
    throw new UsageError(
      `command restore changes a database: set the confirm input to the project's name ("${project.name}") to go ahead`,
    );
  }
  const urlName = inputs.targetUrlSecret;
  const targetUrl = urlName ? process.env[urlName] : undefined;
  if (!urlName || !targetUrl) {
    throw new UsageError(
      `command restore needs target-url-secret: the NAME of an environment variable holding the target database URL${urlName ? ` (${urlName} is not set; pass it with env: ${urlName}: \${{ secrets.${urlName} }})` : ''}`,
    );
  }
  const identities = actionIdentities(inputs.identitySecret, logger);
  const target = inputs.from ? undefined : branchTargetFor(project, github);
  // An s3:// source reads with the project's s3: settings (endpoint, key variables).
  const s3 = inputs.from && isS3Url(inputs.from) ? s3SourceSpec(inputs.from, false, config) : null;
  return restore(
    {
      from: s3 ??
        inputs.from ?? {
          kind: 'branch',
          repo: target!.remoteUrl,
          branch: target!.branch,
          project: project.name,
          setId: inputs.set,
        },
      targetUrl,
      yes: true,
      dryRun: inputs.dryRun,
      force: inputs.force,
      ...(parts.length > 0 && { parts }),
      ...(inputs.tables.length > 0 && { tables: inputs.tables }),
      identities,
      pgBinDir: inputs.pgBinDir,
    },
    { env: { ...process.env, GITHUB_TOKEN: github.token }, logger, signal },
  );
}
