/** Option declarations the commands share, and the parsers of their values. */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Ports } from '../commands/ports.js';
import type { GitHubContext } from '../github/context.js';
import { partsNamed, type Part } from '../config/types.js';
import { errorMessage, UsageError } from '../errors.js';
import type { Logger, Redactor } from '../log.js';
import { parseIdentities } from '../config/age-keys.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** What every command handler gets besides its own arguments. */
export interface CommandContext {
  io: CliIo;
  /** Its redactor also cleans what a command prints on stdout. */
  logger: Logger & { redactor: Redactor };
  /** The command's --help text. */
  help: string;
}

export const COMMON = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const;
export const CONFIG = { config: { type: 'string', default: 'backups.config.yaml' } } as const;
export const PROJECTS = { project: { type: 'string', multiple: true } } as const;
export const OUT = { out: { type: 'string', default: 'backups' } } as const;
export const JSON_OUT = { json: { type: 'boolean' } } as const;
export const PG_BIN = { 'pg-bin-dir': { type: 'string' } } as const;
export const IDENTITY = {
  'identity-file': { type: 'string' },
  'identity-env': { type: 'string' },
} as const;

export function printHelp(io: CliIo, text: string): number {
  io.stdout(text + '\n');
  return 0;
}

export function parseParts(value: string | undefined): Part[] {
  if (!value) return [];
  return partsNamed(
    value.split(',').map((p) => p.trim()),
    '--only',
  );
}

/**
 * age identities from a file (as age-keygen writes it) or an environment variable; none is
 * fine. Each is masked in the log from here on.
 */
export async function readIdentities(
  values: { 'identity-file'?: string; 'identity-env'?: string },
  { io, logger }: CommandContext,
): Promise<string[]> {
  const file = values['identity-file'];
  const envName = values['identity-env'];
  let identities: string[] = [];
  if (file) {
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(
        `--identity-file ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
      );
    });
    identities = identitiesFrom(text, `--identity-file ${file}`);
  } else if (envName) {
    const text = io.env[envName];
    if (!text)
      throw new UsageError(`--identity-env ${envName}: that environment variable is not set`);
    identities = identitiesFrom(text, `--identity-env ${envName}`);
  }
  for (const id of identities) logger.mask(id);
  return identities;
}

function identitiesFrom(text: string, source: string): string[] {
  try {
    return parseIdentities(text);
  } catch (err) {
    throw new UsageError(`${source}: ${errorMessage(err)}`);
  }
}

/** The CLI reaches GitHub (branch, artifact retention) with the standard GITHUB_* variables. */
function githubFromEnv({ io, logger }: CommandContext): GitHubContext {
  const env = io.env;
  const token = env.GITHUB_TOKEN || undefined;
  if (token) logger.mask(token);
  return {
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    gitServerUrl: env.GIT_SERVER_URL || undefined,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    repository: env.GITHUB_REPOSITORY || undefined,
    runId: env.GITHUB_RUN_ID || undefined,
    token,
  };
}

/** What alerts.issues lacks, in the CLI's terms (the action's names github-token). */
export const CLI_ISSUE_ALERTS_NEED =
  'the workflow repository and a token (GITHUB_REPOSITORY and GITHUB_TOKEN with issues: write)';

/** The handlers' ports from the process: its environment, GITHUB_* variables and temp dir. */
export function cliPorts(ctx: CommandContext): Ports {
  const { io, logger } = ctx;
  return {
    logger,
    env: io.env,
    github: githubFromEnv(ctx),
    eventName: io.env.GITHUB_EVENT_NAME || undefined,
    workDir: tmpdir(),
    signal: io.signal,
    redact: (t) => logger.redactor.redact(t),
    now: () => new Date(),
  };
}

export function parseCount(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value.trim()))
    throw new UsageError(`${flag}: "${value}" is not a positive whole number`);
  return Number(value);
}

export function parseSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(k|m|g)?$/i.exec(value.trim());
  if (!m || Number(m[1]) === 0)
    throw new UsageError(`--max-file-size: "${value}" is not a size such as 95000000, 50m or 1g`);
  const unit = { k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * unit;
}
