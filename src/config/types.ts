/** The validated, defaults-merged config that everything after loading works with. */
import { UsageError } from '../errors.js';

export const PARTS = ['roles', 'schema', 'data', 'storage', 'functions', 'settings'] as const;
export type Part = (typeof PARTS)[number];

/** The names given (a flag's or an input's list) as parts; `label` names where they came from. */
export function partsNamed(names: readonly string[], label: string): Part[] {
  for (const p of names) {
    if (!(PARTS as readonly string[]).includes(p))
      throw new UsageError(`${label}: unknown part "${p}"; allowed: ${PARTS.join(', ')}`);
  }
  return names as Part[];
}
/**
 * The parts made by dumping the database; `storage` (bucket objects), `functions` and
 * `settings` (read through the Management API) are separate and opt-in.
 */
export const DUMP_PARTS = ['roles', 'schema', 'data'] as const;
export type DumpPart = (typeof DUMP_PARTS)[number];
/** What a project backs up when it does not list `parts`. */
export const DEFAULT_PARTS: readonly Part[] = DUMP_PARTS;

export const COMPRESSIONS = ['zstd', 'gzip', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export const ENGINES = ['supabase-cli', 'pg-dump', 'docker'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * Where a finished set goes: a workflow artifact, a commit on the backup branch, an S3-compatible
 * bucket, or nowhere but the local output directory (every set is written there first).
 */
export const DESTINATIONS = ['artifact', 'branch', 's3', 'local'] as const;
export type Destination = (typeof DESTINATIONS)[number];

/** Supabase CLI release used when a project does not pin one (also the npm devDependency). */
export const DEFAULT_SUPABASE_CLI_VERSION = '3.1.0';
export const DEFAULT_DESTINATIONS: readonly Destination[] = ['artifact'];
export const DEFAULT_BRANCH = 'supabase-backups';
export const DEFAULT_ARTIFACT_PREFIX = 'supabase-backup';

/**
 * A calendar duration, as restic's `--keep-within` has it: `1y6m` is {years: 1, months: 6}.
 * Weeks are written `2w` and stored as days (14). Whole, non-negative numbers.
 */
export interface Duration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

/** The counting rules of a retention policy, in restic's order (last, hourly, ... yearly). */
export const KEEP_RULES = [
  'keep_last',
  'keep_hourly',
  'keep_daily',
  'keep_weekly',
  'keep_monthly',
  'keep_yearly',
] as const;
export type KeepRule = (typeof KEEP_RULES)[number];

/**
 * Which complete sets to keep (restic's `forget` policy; see docs/retention.md). Rules are ORed;
 * an absent or 0 count is no rule. At least one rule is non-zero (load.ts refuses an empty one).
 */
export type RetentionPolicy = { [K in KeepRule]?: number } & {
  /** Keep every set newer than the run's time minus this (calendar arithmetic, UTC). */
  keep_within?: Duration;
};

export interface ProjectConfig {
  /** Unique; safe in paths and artifact names: ^[a-z0-9][a-z0-9_-]{0,62}$ */
  name: string;
  /** Supabase project ref, informational (recorded in backup.json). */
  ref?: string;
  /** Name of the environment variable holding the connection URL. */
  db_url_secret: string;
  /** Parts in canonical order roles, schema, data; never empty. */
  parts: Part[];
  /** Only these schemas (schema and data parts); undefined = all user schemas. */
  schemas?: string[];
  /** Tables whose data is not dumped, as "schema.table" (schema may be "*"-free only). */
  exclude_tables: string[];
  /** undefined = the default, zstd. */
  compression?: Compression;
  engine: Engine;
  supabase_cli_version: string;
  /** Where finished sets go; non-empty, no repeats, in the order artifact, branch, local. */
  destinations: Destination[];
  /** The branch the `branch` destination commits to (a safe git ref name). */
  branch: string;
  /** "owner/name" of the repository holding the branch; undefined = the workflow's own. */
  repository?: string;
  /** Days (1-90) an artifact is kept; undefined = the repository's setting. */
  artifact_retention_days?: number;
  /** First word of artifact names; the same characters as project names. */
  artifact_prefix: string;
  /** Which older sets the prune step removes; undefined = keep every set. */
  retention?: RetentionPolicy;
  /** age encryption of the stored files; undefined = none. */
  encryption?: EncryptionConfig;
  /** Store plain sets even in a public repository (default false: refused). */
  allow_unencrypted_public: boolean;
  /** Five-field cron expression (UTC, single spaces) saying when the project is due; undefined = every run. */
  schedule?: string;
  /** Restore each set into a throwaway cluster before it is stored (docs/restore.md); set only when true. */
  drill?: true;
  /** Supabase Storage read by the `storage` part; undefined = none configured. */
  storage?: StorageConfig;
  /** Failure alerts; undefined = none. */
  alerts?: AlertsConfig;
  /** `check` calls the project stale when its newest good set is older; undefined = from the schedule. */
  max_age?: Duration;
  /** Name of the variable holding a Management API token (functions, settings parts). */
  access_token_secret?: string;
  /** Management API base URL, without a trailing slash; undefined = https://api.supabase.com. */
  api_url?: string;
  /** The bucket of the `s3` destination; undefined = none configured. */
  s3?: S3Config;
}

/** The `s3` destination's bucket (docs/s3.md); secrets are variable NAMES. */
export interface S3Config {
  bucket: string;
  /** "" = none; never with a leading or trailing "/". */
  prefix: string;
  endpoint?: string;
  region?: string;
  force_path_style: boolean;
  /** Both or neither; neither = the AWS SDK default credential chain. */
  access_key_id_secret?: string;
  secret_access_key_secret?: string;
  session_token_secret?: string;
  storage_class?: string;
  sse?: 'AES256' | 'aws:kms';
  kms_key_id?: string;
  object_lock?: { mode: 'governance' | 'compliance'; retain_days: number };
  write_only: boolean;
}

export interface AlertsConfig {
  /** Open, comment on and close a GitHub issue per failing project. */
  issues: boolean;
  /** Name of the environment variable holding the webhook URL; undefined = no webhook. */
  webhook_url_secret?: string | undefined;
  /** Name of the variable holding a healthchecks.io-style ping URL; undefined = no heartbeats. */
  heartbeat_url_secret?: string | undefined;
}

/** Supabase Storage's S3-compatible endpoint and the NAMES of the variables holding its keys. */
export interface StorageConfig {
  buckets: string[] | 'all';
  s3_endpoint: string;
  region: string;
  access_key_id_secret: string;
  secret_access_key_secret: string;
}

/** Exactly one of the two is set. */
export interface EncryptionConfig {
  /** age public keys written in the config. */
  recipients?: string[];
  /** Name of the environment variable holding the public keys. */
  recipients_secret?: string;
}

/** A project as the loader returns it: every key with a built-in default is set. */

export interface Config {
  version: 1;
  /** Absolute or as-given path of the file the config came from (for messages). */
  file: string;
  projects: ProjectConfig[];
}
