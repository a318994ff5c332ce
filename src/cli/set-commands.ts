/** The CLI commands that make, restore and check sets: backup, restore, verify. */
import { parseArgs } from 'node:util';
import { restore } from '../commands/restore.js';
import { backupCommand as backup } from '../commands/backup.js';
import { verify, verifyDrill } from '../commands/verify.js';
import { loadConfigFile } from '../config/load.js';
import { UsageError } from '../errors.js';
import { openSource } from '../restore/source.js';
import { s3SourceSpec } from '../destinations/s3/source.js';
import { isS3Url } from '../destinations/s3/url.js';
import {
  restoreStorage,
  storageRestoreFlags,
  STORAGE_RESTORE_CLI_OPTIONS,
} from '../commands/restore-storage.js';
import {
  isManagementPart,
  MANAGEMENT_RESTORE_CLI_OPTIONS,
  restoreManagement,
} from '../commands/restore-management.js';
import { parsePartsList, RESTORE_CLI_OPTIONS, restoreSource, splitList } from './restore-args.js';
import {
  cliPorts,
  CLI_ISSUE_ALERTS_NEED,
  COMMON,
  CONFIG,
  IDENTITY,
  JSON_OUT,
  OUT,
  parseCount,
  parseParts,
  parseSize,
  PG_BIN,
  printHelp,
  PROJECTS,
  readIdentities,
  type CommandContext,
} from './args.js';

export async function backupCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { io, logger } = ctx;
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      ...CONFIG,
      ...PROJECTS,
      ...OUT,
      ...PG_BIN,
      ...IDENTITY,
      ...JSON_OUT,
      only: { type: 'string' },
      'cli-download-base': { type: 'string' },
      'max-file-size': { type: 'string' },
      concurrency: { type: 'string' },
      reason: { type: 'string' },
      'no-prune': { type: 'boolean', default: false },
      drill: { type: 'boolean', default: false },
    },
  });
  if (values.help) return printHelp(io, ctx.help);
  const only = parseParts(values.only);
  const identities = await readIdentities(values, ctx);
  const { outcome } = await backup(
    {
      configPath: values.config,
      projects: values.project ?? [],
      only,
      outDir: values.out,
      pgBinDir: values['pg-bin-dir'],
      cliDownloadBase: values['cli-download-base'],
      maxFileBytes: parseSize(values['max-file-size']),
      concurrency: parseCount('--concurrency', values.concurrency),
      reason: values.reason ?? null,
      noPrune: values['no-prune'],
      drill: values.drill,
      identities,
      issueAlertsNeed: CLI_ISSUE_ALERTS_NEED,
    },
    cliPorts(ctx),
  );
  if (values.json) {
    const sets = outcome.results.map((s) => ({
      project: s.project,
      set_id: s.set_id,
      dir: s.dir,
      parts: s.manifest.parts,
      ...(s.manifest.drill && { drill: s.manifest.drill }),
      artifact: s.stored.artifact,
      branch: s.stored.branch,
      s3: s.stored.s3,
    }));
    const failures = outcome.failures.map((f) => ({ project: f.project, error: f.error.message }));
    io.stdout(
      logger.redactor.redact(JSON.stringify({ sets, pruned: outcome.pruned, failures }, null, 2)) +
        '\n',
    );
  } else {
    for (const s of outcome.results) io.stdout(`${s.dir}\n`);
  }
  return outcome.failures.length > 0 ? 1 : 0;
}

export async function restoreCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { io, logger } = ctx;
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      ...PG_BIN,
      ...IDENTITY,
      'target-url': { type: 'string' },
      'target-url-env': { type: 'string' },
      yes: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      ...RESTORE_CLI_OPTIONS,
      ...STORAGE_RESTORE_CLI_OPTIONS,
      ...MANAGEMENT_RESTORE_CLI_OPTIONS,
    },
  });
  if (values.help) return printHelp(io, ctx.help);
  let from = restoreSource(values);
  // An s3:// source takes endpoint and keys from its project's s3: settings when a config is given.
  if (from.kind === 's3' && values.config)
    from = s3SourceSpec(from.url, from.latest, await loadConfigFile(values.config));
  const identities = await readIdentities(values, ctx);
  const parts = parsePartsList(values.parts);
  const common = { from, yes: values.yes, dryRun: values['dry-run'], identities };
  const ports = { env: io.env, logger, signal: io.signal };
  if (parts.some(isManagementPart)) {
    const outcome = await restoreManagement(
      {
        ...common,
        parts,
        targetRef: values['target-ref'],
        config: values.config ? await loadConfigFile(values.config) : undefined,
      },
      ports,
    );
    return outcome.applied || values['dry-run'] ? 0 : 1;
  }
  if (parts.includes('storage')) {
    const outcome = await restoreStorage(
      {
        ...storageRestoreFlags(values, parts),
        ...common,
        config: values.config ? await loadConfigFile(values.config) : undefined,
      },
      ports,
    );
    return outcome.applied || values['dry-run'] ? 0 : 1;
  }
  const envName = values['target-url-env'];
  const targetUrl = values['target-url'] ?? (envName ? io.env[envName] : undefined);
  if (!targetUrl) {
    throw new UsageError(
      envName
        ? `--target-url-env ${envName}: that environment variable is not set`
        : 'restore needs --target-url URL or --target-url-env NAME',
    );
  }
  if (from.kind === 'branch' && io.env.GITHUB_TOKEN) logger.mask(io.env.GITHUB_TOKEN);
  const outcome = await restore(
    {
      ...common,
      targetUrl,
      force: values.force,
      parts,
      tables: splitList(values.tables),
      schemas: splitList(values.schemas),
      pgBinDir: values['pg-bin-dir'],
    },
    ports,
  );
  return outcome.applied || values['dry-run'] ? 0 : 1;
}

export async function verifyCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { io, logger } = ctx;
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      ...PG_BIN,
      ...IDENTITY,
      ...JSON_OUT,
      from: { type: 'string' },
      drill: { type: 'boolean' },
      latest: { type: 'boolean' },
      config: { type: 'string' },
    },
  });
  if (values.help) return printHelp(io, ctx.help);
  if (!values.from)
    throw new UsageError('verify needs --from DIR or --from s3://BUCKET/PREFIX/PROJECT/SET_ID');
  if (!isS3Url(values.from)) {
    if (values.latest || values.config)
      throw new UsageError('--latest and --config go with an s3:// source only');
    return verifyDir(values.from, values, ctx);
  }
  // A set in a bucket is downloaded, then every byte re-read and re-hashed like a local one.
  const config = values.config ? await loadConfigFile(values.config) : undefined;
  const source = await openSource(s3SourceSpec(values.from, values.latest ?? false, config), {
    env: io.env,
    logger,
    signal: io.signal,
  });
  try {
    return await verifyDir(source.dir, values, ctx);
  } finally {
    await source.cleanup();
  }
}

async function verifyDir(
  from: string,
  values: {
    drill?: boolean | undefined;
    json?: boolean | undefined;
    'pg-bin-dir'?: string | undefined;
  } & Parameters<typeof readIdentities>[0],
  ctx: CommandContext,
): Promise<number> {
  const { io, logger } = ctx;
  if (values.drill) {
    const result = await verifyDrill(
      { from, identities: await readIdentities(values, ctx), pgBinDir: values['pg-bin-dir'] },
      { env: io.env, logger, signal: io.signal },
    );
    if (values.json) io.stdout(JSON.stringify({ drill: result }, null, 2) + '\n');
    return result.ok ? 0 : 1;
  }
  const outcome = await verify({ from }, ctx);
  if (values.json) {
    const sets = outcome.checks.map((c) => ({
      dir: c.dir,
      ok: c.problems.length === 0,
      problems: c.problems,
    }));
    const catalog = outcome.catalog;
    io.stdout(JSON.stringify({ sets, catalog, problems: outcome.problems }, null, 2) + '\n');
  }
  return outcome.problems > 0 ? 1 : 0;
}
