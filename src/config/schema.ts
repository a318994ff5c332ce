/**
 * The zod schema of `backups.config.yaml` (version 1), written so that every message says what
 * is allowed. It validates the file as written; `mergeDefaults` turns the result into `Config`.
 */
import { z } from 'zod';
import { RETENTION_KEYS, retentionSchema, toRetentionPolicy } from './retention-schema.js';
import {
  PROJECT_NAME_RE,
  describeValue,
  invalid,
  list,
  looksLikeUrl,
  mappingError,
  matching,
  oneOf,
  ENV_NAME_RE,
} from './schema-helpers.js';
import { excludeTablesList, schemasList } from './names-schema.js';
import { storageShape } from './storage-schema.js';
import { objectsShape } from './objects-schema.js';
import { encryptionShape } from './encryption-schema.js';
import { scheduleShape } from './schedule-schema.js';
import { alertsShape } from './alerts-schema.js';
import { maxAgeShape } from './max-age-schema.js';
import { parseDuration } from './duration.js';
import { DEFAULT_S3_PREFIX, s3Shape } from './s3-schema.js';
import { managementShape } from './management-schema.js';
import {
  COMPRESSIONS,
  DEFAULT_ARTIFACT_PREFIX,
  DEFAULT_BRANCH,
  DEFAULT_DESTINATIONS,
  DEFAULT_PARTS,
  DEFAULT_SUPABASE_CLI_VERSION,
  DESTINATIONS,
  ENGINES,
  PARTS,
  type Config,
  type ProjectConfig,
} from './types.js';

const PROJECT_REF_RE = /^[a-z]{20}$/;

const CLI_VERSION_RE = /^v?\d+\.\d+\.\d+$/;

/** Keys a project and `defaults` share; every one optional. */
const optionShape = {
  parts: list('parts', oneOf('part', PARTS), '[roles, schema, data]')
    .optional()
    .meta({
      description:
        'What to back up: roles (cluster roles), schema (DDL), data (rows), storage (Storage ' +
        'bucket objects, needs `storage:`), functions (Edge Functions) and settings (project ' +
        'settings; both need `access_token_secret`). A non-empty subset, always run in the ' +
        'order roles, schema, data, storage, functions, settings. Default: roles, schema, data.',
      uniqueItems: true,
    }),
  schemas: schemasList.optional().meta({
    description:
      'Dump only these schemas (schema and data parts), matched exactly as written (case ' +
      'kept; "double quotes" allowed). Default: all user schemas.',
    uniqueItems: true,
  }),
  exclude_tables: excludeTablesList.optional().meta({
    description:
      'Tables whose rows are not dumped (their definitions are), as "schema.table", split at ' +
      'the first dot outside double quotes and matched exactly as written. Default: none.',
    uniqueItems: true,
  }),
  compression: oneOf('compression', COMPRESSIONS)
    .optional()
    .describe(
      'zstd (.zst), gzip (.gz) or none. Default: zstd (the zstd program when installed, ' +
        "else Node's zlib).",
    ),
  engine: oneOf('engine', ENGINES)
    .optional()
    .describe(
      'supabase-cli (Supabase CLI dump logic run with local pg tools, no Docker), pg-dump ' +
        '(pg_dump/pg_dumpall), docker (`supabase db dump`). Default: supabase-cli.',
    ),
  supabase_cli_version: matching(
    'supabase_cli_version',
    'a quoted version such as "3.1.0"',
    CLI_VERSION_RE,
    invalid('supabase_cli_version', 'use one exact release such as "3.1.0" (no ranges)'),
  )
    .optional()
    .describe(`Supabase CLI release to follow. Default: "${DEFAULT_SUPABASE_CLI_VERSION}".`),
  ...storageShape,
  ...objectsShape,
  ...encryptionShape,
  ...scheduleShape,
  ...maxAgeShape,
  ...alertsShape,
  ...s3Shape,
  ...managementShape,
  drill: z
    .boolean({ error: 'drill must be true or false' })
    .optional()
    .describe(
      'Restore every new set into a throwaway local PostgreSQL cluster before it is stored, ' +
        'comparing row counts and content digests; a failed drill fails the run and the set ' +
        'is not stored (docs/restore.md). Needs PostgreSQL server binaries on the runner. ' +
        'Default false.',
    ),
  retention: retentionSchema
    .nullable()
    .optional()
    .describe(
      'Which older backup sets the prune step deletes, as restic `forget` rules (ORed): ' +
        'keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, keep_yearly, ' +
        'keep_within. Failed sets never count and the newest good set is always kept. Left ' +
        'out: keep every set; null in a project: keep every set despite `defaults`.',
    ),
};

const defaultsSchema = z.strictObject(optionShape, { error: mappingError('defaults') });

const projectSchema = z
  .strictObject(
    {
      name: matching(
        'name',
        'a project name',
        PROJECT_NAME_RE,
        invalid(
          'project name',
          'use 1-63 lowercase letters, digits, "_" or "-", starting with a letter or digit ' +
            '(it names directories and artifacts)',
        ),
      ).describe('Unique name; lowercase letters, digits, "_" and "-" (names backup paths).'),
      ref: matching(
        'ref',
        'a project ref',
        PROJECT_REF_RE,
        invalid('ref', 'a Supabase project ref is 20 lowercase letters (see the dashboard URL)'),
      )
        .optional()
        .describe('Supabase project ref (20 lowercase letters); recorded in backups.'),
      db_url_secret: matching('db_url_secret', 'an environment variable name', ENV_NAME_RE, (v) =>
        // The value may be a real connection string: never quote it.
        typeof v === 'string' && looksLikeUrl(v)
          ? 'db_url_secret must NAME an environment variable, not hold the connection URL: put ' +
            'the URL in a repository secret (e.g. PROD_DB_URL), pass it to the step as env, and ' +
            'write `db_url_secret: PROD_DB_URL` here. If this file was committed with the URL, ' +
            'rotate the database password.'
          : 'db_url_secret must be an environment variable name (letters, digits and "_", not ' +
            'starting with a digit), e.g. PROD_DB_URL',
      ).describe(
        'NAME of the environment variable holding the postgresql:// URL (passed from a ' +
          'repository secret). Never the URL itself.',
      ),
      ...optionShape,
    },
    { error: mappingError('project') },
  )
  .describe('One database to back up.');

export const configFileSchema = z
  .strictObject(
    {
      version: z
        .literal(1, {
          error: (iss) =>
            iss.input === undefined
              ? 'missing required key "version"; add `version: 1` (the supported config version)'
              : `unsupported version ${JSON.stringify(iss.input)}; the supported config ` +
                'version is 1 (write `version: 1`)',
        })
        .describe('Config format version. Always 1.'),
      defaults: defaultsSchema
        .nullable()
        .optional()
        .describe('Values for every project that does not set the key itself.'),
      projects: z
        .array(projectSchema, {
          error: (iss) =>
            iss.input === undefined
              ? 'missing required key "projects"; list the databases to back up'
              : `projects must be a list of projects, got ${describeValue(iss.input)}`,
        })
        .min(1, {
          error: 'projects is empty; add at least one project with name and db_url_secret',
        })
        .describe('The databases to back up. Names must be unique.'),
    },
    {
      error: mappingError('the config', 'a YAML mapping with `version: 1` and a `projects:` list'),
    },
  )
  .describe(
    'Which Supabase databases to back up, and how. The config needs `version: 1` and `projects`.',
  );

export type ConfigFile = z.infer<typeof configFileSchema>;

/** The keys each mapping allows, by where it sits: [] root, ['defaults'], ['projects', i]. */
export const ROOT_KEYS = Object.keys(configFileSchema.shape);
export const PROJECT_KEYS = Object.keys(projectSchema.shape);
export const DEFAULTS_KEYS = Object.keys(defaultsSchema.shape);
export { RETENTION_KEYS };

/**
 * project value > defaults value > built-in default; parts and destinations in canonical order.
 * Lists and the retention mapping are replaced as a whole, never merged.
 */
export function mergeDefaults(file: ConfigFile, fileName: string): Config {
  const d = file.defaults ?? {};
  const projects = file.projects.map((p): ProjectConfig => {
    const wanted = new Set(p.parts ?? d.parts ?? DEFAULT_PARTS);
    const schemas = p.schemas ?? d.schemas;
    const compression = p.compression ?? d.compression;
    const destinations = new Set(p.destinations ?? d.destinations ?? DEFAULT_DESTINATIONS);
    const repository = p.repository ?? d.repository;
    const days = p.artifact_retention_days ?? d.artifact_retention_days;
    // A project's `retention: null` means "keep everything" even when defaults has a policy.
    const retention = p.retention !== undefined ? p.retention : d.retention;
    const encryption = p.encryption !== undefined ? p.encryption : d.encryption;
    const schedule = p.schedule !== undefined ? p.schedule : d.schedule;
    const storage = p.storage !== undefined ? p.storage : d.storage;
    const drill = p.drill ?? d.drill ?? false;
    const alerts = p.alerts !== undefined ? p.alerts : d.alerts;
    const maxAge = p.max_age ?? d.max_age;
    const s3 = p.s3 !== undefined ? p.s3 : d.s3;
    return {
      name: p.name,
      ...(p.ref !== undefined && { ref: p.ref }),
      db_url_secret: p.db_url_secret,
      parts: PARTS.filter((part) => wanted.has(part)),
      ...(schemas !== undefined && { schemas: [...schemas] }),
      exclude_tables: [...(p.exclude_tables ?? d.exclude_tables ?? [])],
      ...(compression !== undefined && { compression }),
      engine: p.engine ?? d.engine ?? 'supabase-cli',
      supabase_cli_version: (
        p.supabase_cli_version ??
        d.supabase_cli_version ??
        DEFAULT_SUPABASE_CLI_VERSION
      ).replace(/^v/, ''),
      destinations: DESTINATIONS.filter((x) => destinations.has(x)),
      branch: p.branch ?? d.branch ?? DEFAULT_BRANCH,
      ...(repository !== undefined && { repository }),
      artifact_prefix: p.artifact_prefix ?? d.artifact_prefix ?? DEFAULT_ARTIFACT_PREFIX,
      ...(days !== undefined && { artifact_retention_days: days }),
      ...(retention != null && { retention: toRetentionPolicy(retention) }),
      ...(encryption != null && { encryption: { ...encryption } }),
      allow_unencrypted_public: p.allow_unencrypted_public ?? d.allow_unencrypted_public ?? false,
      ...(schedule != null && { schedule: schedule.trim().split(/\s+/).join(' ') }),
      ...(alerts != null && {
        alerts: {
          issues: alerts.issues ?? false,
          webhook_url_secret: alerts.webhook_url_secret,
          heartbeat_url_secret: alerts.heartbeat_url_secret,
        },
      }),
      ...(maxAge !== undefined && { max_age: parseDuration(maxAge) }),
      ...(storage != null && {
        storage: {
          ...storage,
          buckets: storage.buckets === 'all' || !storage.buckets ? 'all' : [...storage.buckets],
          region: storage.region ?? 'us-east-1',
        },
      }),
      ...(drill && { drill: true as const }),
      ...(s3 != null && {
        s3: {
          ...s3,
          prefix: s3.prefix ?? DEFAULT_S3_PREFIX,
          force_path_style: s3.force_path_style ?? false,
          write_only: s3.write_only ?? false,
        },
      }),
      ...management(p.access_token_secret ?? d.access_token_secret, p.api_url ?? d.api_url),
    };
  });
  return { version: 1, file: fileName, projects };
}

function management(token: string | undefined, url: string | undefined) {
  return {
    ...(token !== undefined && { access_token_secret: token }),
    ...(url !== undefined && { api_url: url.replace(/\/+$/, '') }),
  };
}
