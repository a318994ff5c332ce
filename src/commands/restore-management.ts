/**
 * `restore --parts functions[,settings] --target-ref REF --config FILE`: open and verify the
 * set, take the token and api_url from the config's project of the set's name, print the plan
 * (read from the target), and apply it only with --yes (docs/restore.md).
 */
import {
  verifiedManifest,
  withPorts,
  type RestorePorts,
  type RestoreRunOptions,
} from './restore.js';
import type { Config, Part } from '../config/types.js';
import { UsageError } from '../errors.js';
import { openSource, type SourceSpec } from '../restore/source.js';
import { managementAccess } from '../management/project.js';
import { readFunctionsPart, readSettingsPart } from '../management/read-set.js';
import {
  planFunctions,
  planSettings,
  restoreFunctions,
  restoreSettings,
} from '../management/redeploy.js';

export const MANAGEMENT_RESTORE_CLI_OPTIONS = {
  config: { type: 'string' },
  'target-ref': { type: 'string' },
} as const;

export const isManagementPart = (p: Part) => p === 'functions' || p === 'settings';

export interface ManagementRestoreOptions extends RestoreRunOptions {
  from: SourceSpec;
  parts: Part[];
  targetRef?: string;
  config?: Config;
  sleep?: (ms: number) => Promise<void>;
}

export async function restoreManagement(
  request: Omit<ManagementRestoreOptions, 'env' | 'logger' | 'signal'>,
  ports: RestorePorts,
): Promise<{ applied: boolean }> {
  const o: ManagementRestoreOptions = { ...request, ...withPorts(ports) };
  if (o.parts.some((p) => !isManagementPart(p)))
    throw new UsageError(
      '--parts functions and settings are restored through the Management API in a run of their own: restore the database parts first (--target-url), then run restore --parts functions,settings --target-ref REF',
    );
  if (!o.targetRef || !/^[a-z]{20}$/.test(o.targetRef))
    throw new UsageError(
      'restoring functions or settings needs --target-ref REF (the 20-letter ref of the project to restore into)',
    );
  if (!o.config)
    throw new UsageError(
      "restoring functions or settings needs --config FILE: its project of the set's name gives access_token_secret and api_url",
    );
  const source = await openSource(o.from, o);
  try {
    const manifest = await verifiedManifest(source.dir, source.label);
    const project = o.config.projects.find((p) => p.name === manifest.project);
    if (!project)
      throw new UsageError(
        `${o.config.file} has no project ${manifest.project} (the set's): add it, with access_token_secret`,
      );
    for (const p of o.parts)
      if (!manifest.parts.some((r) => r.part === p))
        throw new UsageError(
          `--parts: the set has no ${p} part (it holds ${manifest.parts.map((r) => r.part).join(', ')})`,
        );
    const { client, token } = managementAccess(project, o.env, o.logger, {
      signal: o.signal,
      ref: o.targetRef,
      ...(o.sleep && { sleep: o.sleep }),
    });
    o.logger.mask(token);
    const ref = o.targetRef;
    const functions = o.parts.includes('functions')
      ? await readFunctionsPart(source.dir, manifest, o.identities, o.signal)
      : null;
    const settings = o.parts.includes('settings')
      ? await readSettingsPart(source.dir, manifest, o.identities, o.signal)
      : null;
    const lines = [
      `restore ${manifest.project}/${manifest.set_id} from ${source.label} into project ${ref} (${project.api_url ?? 'https://api.supabase.com'})`,
    ];
    if (functions) lines.push('functions:', ...(await planFunctions(client, ref, functions)));
    if (settings) lines.push('settings:', ...(await planSettings(client, ref, settings)));
    o.logger.info(lines.join('\n'));
    if (o.dryRun) return { applied: false };
    if (!o.yes)
      throw new UsageError(
        `restore changes project ${ref} through the Management API: run again with --yes to apply (or --dry-run to only see the plan)`,
      );
    if (functions) await restoreFunctions(client, ref, functions, o.logger);
    if (settings) await restoreSettings(client, ref, settings, o.logger);
    if (settings?.secrets.length)
      o.logger.notice(
        `${settings.secrets.length} function secret(s) must be set by hand (names and digests above): supabase secrets set --project-ref ${ref} NAME=VALUE`,
      );
    return { applied: true };
  } finally {
    await source.cleanup();
  }
}
