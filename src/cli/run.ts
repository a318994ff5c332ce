/** The CLI: argv -> the same commands the action runs. Returns the exit code. */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { plan } from '../commands/plan.js';
import { prune } from '../commands/prune.js';
import { runBackup } from '../commands/run-backup.js';
import type { GitHubContext } from '../commands/store.js';
import { restore } from '../commands/restore.js';
import {
  restoreStorage,
  storageRestoreFlags,
  STORAGE_RESTORE_CLI_OPTIONS,
} from '../objects/restore-command.js';
import { review, validate } from '../commands/validate.js';
import { verify, verifyDrill } from '../commands/verify.js';
import { configJsonSchema } from '../config/json-schema.js';
import { loadConfigFile, selectProjects } from '../config/load.js';
import { PARTS, type Part } from '../config/types.js';
import { BackupError, errorMessage, UsageError } from '../errors.js';
import { parseIdentities } from '../pipeline/age-keys.js';
import { streamLogger } from '../log.js';
import {
  parsePartsList,
  RESTORE_CLI_OPTIONS,
  restoreSource,
  splitList,
} from '../restore/cli-args.js';
import { SUPABASE_BASE_SQL } from '../restore/supabase-base.sql.js';
import { HELP } from './help.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

const COMMON = { help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } } as const;

function parseParts(value: string | undefined): Part[] {
  if (!value) return [];
  const parts = value.split(',').map((p) => p.trim());
  for (const p of parts) {
    if (!(PARTS as readonly string[]).includes(p))
      throw new UsageError(`--only: unknown part "${p}"; allowed: ${PARTS.join(', ')}`);
  }
  return parts as Part[];
}

/** age identities from a file (as age-keygen writes it) or an environment variable; none is fine. */
async function readIdentities(
  file: string | undefined,
  envName: string | undefined,
  env: Record<string, string | undefined>,
): Promise<string[]> {
  if (file) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(
        `--identity-file ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
      );
    });
    return identitiesFrom(text, `--identity-file ${file}`);
  }
  if (envName) {
    const text = env[envName];
    if (!text)
      throw new UsageError(`--identity-env ${envName}: that environment variable is not set`);
    return identitiesFrom(text, `--identity-env ${envName}`);
  }
  return [];
}

function identitiesFrom(text: string, source: string): string[] {
  try {
    return parseIdentities(text);
  } catch (err) {
    throw new UsageError(`${source}: ${errorMessage(err)}`);
  }
}

/** The CLI reaches GitHub (branch, artifact retention) with the standard GITHUB_* variables. */
function githubFromEnv(env: Record<string, string | undefined>): GitHubContext {
  return {
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    gitServerUrl: env.GIT_SERVER_URL || undefined,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    repository: env.GITHUB_REPOSITORY || undefined,
    runId: env.GITHUB_RUN_ID || undefined,
    token: env.GITHUB_TOKEN || undefined,
  };
}

function parseCount(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value.trim()))
    throw new UsageError(`${flag}: "${value}" is not a positive whole number`);
  return Number(value);
}

function parseSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(k|m|g)?$/i.exec(value.trim());
  if (!m || Number(m[1]) === 0)
    throw new UsageError(`--max-file-size: "${value}" is not a size such as 95000000, 50m or 1g`);
  const unit = { k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * unit;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(HELP.main + '\n');
    return command ? 0 : 2;
  }
  const help = HELP[command];
  if (!help) {
    io.stderr(`unknown command "${command}"\n\n${HELP.main}\n`);
    return 2;
  }
  const logger = streamLogger(io.stderr, { debug: rest.includes('--debug') });
  try {
    switch (command) {
      case 'backup': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            config: { type: 'string', default: 'backups.config.yaml' },
            project: { type: 'string', multiple: true },
            only: { type: 'string' },
            out: { type: 'string', default: 'backups' },
            'pg-bin-dir': { type: 'string' },
            'cli-download-base': { type: 'string' },
            'max-file-size': { type: 'string' },
            concurrency: { type: 'string' },
            reason: { type: 'string' },
            'no-prune': { type: 'boolean', default: false },
            drill: { type: 'boolean', default: false },
            'identity-file': { type: 'string' },
            'identity-env': { type: 'string' },
            json: { type: 'boolean' },
          },
        });
        if (values.help) return printHelp(io, help);
        const only = parseParts(values.only);
        const identities = await readIdentities(
          values['identity-file'],
          values['identity-env'],
          io.env,
        );
        for (const id of identities) logger.mask(id);
        const config = await loadConfigFile(values.config);
        const github = githubFromEnv(io.env);
        if (github.token) logger.mask(github.token);
        const outcome = await runBackup({
          config,
          projects: values.project ?? [],
          only,
          outDir: values.out,
          env: io.env,
          logger,
          signal: io.signal,
          pgBinDir: values['pg-bin-dir'],
          cliDownloadBase: values['cli-download-base'],
          maxFileBytes: parseSize(values['max-file-size']),
          concurrency: parseCount('--concurrency', values.concurrency),
          github,
          reason: values.reason ?? null,
          noPrune: values['no-prune'],
          drill: values.drill,
          identities,
        });
        if (values.json) {
          const sets = outcome.results.map((s) => ({
            project: s.project,
            set_id: s.set_id,
            dir: s.dir,
            parts: s.manifest.parts,
            ...(s.manifest.drill && { drill: s.manifest.drill }),
            artifact: s.stored.artifact,
            branch: s.stored.branch,
          }));
          const failures = outcome.failures.map((f) => ({
            project: f.project,
            error: f.error.message,
          }));
          io.stdout(
            logger.redactor.redact(
              JSON.stringify({ sets, pruned: outcome.pruned, failures }, null, 2),
            ) + '\n',
          );
        } else {
          for (const s of outcome.results) io.stdout(`${s.dir}\n`);
        }
        return outcome.failures.length > 0 ? 1 : 0;
      }
      case 'restore': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            'target-url': { type: 'string' },
            'target-url-env': { type: 'string' },
            yes: { type: 'boolean', default: false },
            'dry-run': { type: 'boolean', default: false },
            'pg-bin-dir': { type: 'string' },
            'identity-file': { type: 'string' },
            'identity-env': { type: 'string' },
            ...RESTORE_CLI_OPTIONS,
            ...STORAGE_RESTORE_CLI_OPTIONS,
          },
        });
        if (values.help) return printHelp(io, help);
        const from = restoreSource(values);
        const identities = await readIdentities(
          values['identity-file'],
          values['identity-env'],
          io.env,
        );
        for (const id of identities) logger.mask(id);
        const parts = parsePartsList(values.parts);
        if (parts.includes('storage')) {
          const outcome = await restoreStorage({
            ...storageRestoreFlags(values, parts),
            from,
            config: values.config ? await loadConfigFile(values.config) : undefined,
            yes: values.yes,
            dryRun: values['dry-run'],
            identities,
            env: io.env,
            logger,
            signal: io.signal,
          });
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
        const outcome = await restore({
          from,
          targetUrl,
          yes: values.yes,
          dryRun: values['dry-run'],
          force: values.force,
          parts,
          tables: splitList(values.tables),
          schemas: splitList(values.schemas),
          identities,
          env: io.env,
          logger,
          signal: io.signal,
          pgBinDir: values['pg-bin-dir'],
        });
        return outcome.applied || values['dry-run'] ? 0 : 1;
      }
      case 'verify': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            from: { type: 'string' },
            json: { type: 'boolean' },
            drill: { type: 'boolean' },
            'pg-bin-dir': { type: 'string' },
            'identity-file': { type: 'string' },
            'identity-env': { type: 'string' },
          },
        });
        if (values.help) return printHelp(io, help);
        if (!values.from) throw new UsageError('verify needs --from DIR');
        if (values.drill) {
          const identities = await readIdentities(
            values['identity-file'],
            values['identity-env'],
            io.env,
          );
          for (const id of identities) logger.mask(id);
          const result = await verifyDrill(values.from, {
            identities,
            logger,
            env: io.env,
            pgBinDir: values['pg-bin-dir'],
            signal: io.signal,
          });
          if (values.json) io.stdout(JSON.stringify({ drill: result }, null, 2) + '\n');
          return result.ok ? 0 : 1;
        }
        const outcome = await verify(values.from, logger);
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
      case 'validate': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            config: { type: 'string', default: 'backups.config.yaml' },
            base: { type: 'string' },
            'base-ref': { type: 'string' },
            workflows: { type: 'string', default: '.github/workflows' },
          },
        });
        if (values.help) return printHelp(io, help);
        if (values.base && values['base-ref'])
          throw new UsageError('give --base FILE or --base-ref REF, not both');
        const { config, summary } = await validate(values.config);
        const base = values.base
          ? ({ kind: 'file', path: values.base } as const)
          : values['base-ref']
            ? ({ kind: 'ref', ref: values['base-ref'] } as const)
            : undefined;
        const { markdown, wiring } = await review(config, { base, workflowsDir: values.workflows });
        for (const i of wiring.issues)
          logger.warning(`${config.file}:${i.line}:${i.column}: ${i.message}`);
        io.stdout(
          base
            ? markdown
            : `${config.file}: valid, ${config.projects.length} project(s)\n${summary.map((s) => `  ${s}\n`).join('')}`,
        );
        return 0;
      }
      case 'prune': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            config: { type: 'string', default: 'backups.config.yaml' },
            project: { type: 'string', multiple: true },
            out: { type: 'string', default: 'backups' },
            'dry-run': { type: 'boolean', default: false },
            json: { type: 'boolean' },
          },
        });
        if (values.help) return printHelp(io, help);
        const config = await loadConfigFile(values.config);
        const github = githubFromEnv(io.env);
        if (github.token) logger.mask(github.token);
        const outcome = await prune(selectProjects(config, values.project), {
          github,
          logger,
          workDir: tmpdir(),
          outDir: values.out,
          dryRun: values['dry-run'],
          now: new Date(),
          signal: io.signal,
        });
        if (values.json) io.stdout(JSON.stringify({ results: outcome.results }, null, 2) + '\n');
        return outcome.failures.length > 0 ? 1 : 0;
      }
      case 'plan': {
        const { values } = parseArgs({
          args: rest,
          options: {
            ...COMMON,
            config: { type: 'string', default: 'backups.config.yaml' },
            project: { type: 'string', multiple: true },
            at: { type: 'string' },
            out: { type: 'string', default: 'backups' },
            json: { type: 'boolean' },
          },
        });
        if (values.help) return printHelp(io, help);
        const at = values.at === undefined ? new Date() : new Date(values.at);
        if (Number.isNaN(at.getTime()))
          throw new UsageError(`--at: "${values.at}" is not a time such as 2026-11-22T03:15:00Z`);
        const github = githubFromEnv(io.env);
        if (github.token) logger.mask(github.token);
        const outcome = await plan({
          config: await loadConfigFile(values.config),
          projects: values.project ?? [],
          at,
          eventName: io.env.GITHUB_EVENT_NAME || undefined,
          github,
          outDir: values.out,
          logger,
          workDir: tmpdir(),
          signal: io.signal,
        });
        const { decisions, projects, matrix } = outcome;
        io.stdout(
          values.json
            ? JSON.stringify({ at: at.toISOString(), projects, matrix, decisions }, null, 2) + '\n'
            : decisions
                .filter((d) => d.due)
                .map((d) => `${d.project}\n`)
                .join(''),
        );
        return 0;
      }
      case 'base-sql': {
        const { values } = parseArgs({ args: rest, options: COMMON });
        if (values.help) return printHelp(io, help);
        io.stdout(SUPABASE_BASE_SQL);
        return 0;
      }
      case 'schema': {
        const { values } = parseArgs({ args: rest, options: COMMON });
        if (values.help) return printHelp(io, help);
        io.stdout(JSON.stringify(configJsonSchema(), null, 2) + '\n');
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (io.signal?.aborted) {
      logger.error('cancelled; partial files were removed');
      return 130;
    }
    logger.error(errorMessage(err));
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr(`\n${help}\n`);
      return 2;
    }
    return err instanceof BackupError ? 1 : 70;
  }
}

function printHelp(io: CliIo, text: string): number {
  io.stdout(text + '\n');
  return 0;
}
