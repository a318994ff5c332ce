/** The action's inputs, read once into a typed object. */
import * as core from '@actions/core';
import { partsNamed, type Part } from '../config/types.js';
import { UsageError } from '../errors.js';
import { parseMaxJobs } from '../schedule/pack.js';

const COMMANDS = ['backup', 'validate', 'verify', 'prune', 'plan', 'restore', 'check'] as const;
export type Command = (typeof COMMANDS)[number];

export interface Inputs {
  command: Command;
  config: string;
  projects: string[];
  parts: Part[];
  outDir: string;
  githubToken: string | undefined;
  gitServerUrl: string | undefined;
  reason: string | null;
  prune: boolean;
  dryRun: boolean;
  pgBinDir: string | undefined;
  /** Install the server's PostgreSQL client (PGDG, sudo) when pg_dump here is older. */
  installPgClient: boolean;
  cliDownloadBase: string | undefined;
  /** command plan: decide as of this time; undefined = now. */
  at: Date | undefined;
  /** command plan: at most this many matrix entries (1-256). */
  maxJobs: number;
  restore: RestoreInputs;
}

/** command restore: which set, into what, and the typed confirmation. */
export interface RestoreInputs {
  /** A set directory or artifact zip in the workspace; empty: the project's backup branch. */
  from: string | undefined;
  set: string | undefined;
  targetUrlSecret: string | undefined;
  identitySecret: string | undefined;
  confirm: string;
  force: boolean;
  tables: string[];
}

function list(name: string): string[] {
  const raw = core.getInput(name).trim();
  if (raw === '' || raw === 'all') return [];
  return raw
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function bool(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name).trim().toLowerCase();
  if (raw === '') return fallback;
  if (['true', 'yes', '1'].includes(raw)) return true;
  if (['false', 'no', '0'].includes(raw)) return false;
  throw new UsageError(`input ${name}: "${raw}" is not true or false`);
}

export function readInputs(): Inputs {
  const command = core.getInput('command') || 'backup';
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`input command: "${command}" is not one of ${COMMANDS.join(', ')}`);
  }
  const parts = partsNamed(list('parts'), 'input parts');
  const atRaw = core.getInput('at').trim();
  const at = atRaw === '' ? undefined : new Date(atRaw);
  if (at !== undefined && Number.isNaN(at.getTime())) {
    throw new UsageError(`input at: "${atRaw}" is not a time such as 2026-11-22T03:15:00Z`);
  }
  return {
    command: command as Command,
    at,
    maxJobs: parseMaxJobs('input max-jobs', core.getInput('max-jobs')),
    restore: {
      from: core.getInput('from') || undefined,
      set: core.getInput('set') || undefined,
      targetUrlSecret: core.getInput('target-url-secret') || undefined,
      identitySecret: core.getInput('identity-secret') || undefined,
      confirm: core.getInput('confirm').trim(),
      force: bool('force', false),
      tables: list('tables'),
    },
    config: core.getInput('config') || 'backups.config.yaml',
    projects: list('projects'),
    parts,
    outDir: core.getInput('out-dir') || 'supabase-backups',
    githubToken: core.getInput('github-token') || undefined,
    gitServerUrl: core.getInput('git-server-url') || undefined,
    reason: core.getInput('reason').trim() || null,
    prune: bool('prune', true),
    dryRun: bool('dry-run', false),
    pgBinDir: core.getInput('pg-bin-dir') || undefined,
    installPgClient: bool('install-pg-client', true),
    cliDownloadBase: core.getInput('cli-download-base') || undefined,
  };
}
