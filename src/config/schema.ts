/**
 * The zod schema of `backups.config.yaml` (version 1), written so that every message says what
 * is allowed. It validates the file as written; `mergeDefaults` turns the result into `Config`.
 */
import { z } from 'zod';
import {
  COMPRESSIONS,
  DEFAULT_SUPABASE_CLI_VERSION,
  ENGINES,
  PARTS,
  type Config,
  type ProjectConfig,
} from './types.js';

export const PROJECT_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const PROJECT_REF_RE = /^[a-z]{20}$/;
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CLI_VERSION_RE = /^\d+\.\d+\.\d+$/;
export const SCHEMA_NAME_RE = /^[^\s."*?]+$/;
export const TABLE_NAME_RE = /^[^\s."*?]+\.[^\s."*?]+$/;

type ErrorFn = (iss: { code: string; input?: unknown }) => string;

/** A required or optional string key: "missing" and "not a string" messages for `key`. */
const text = (key: string, expected: string, error?: ErrorFn) =>
  z.string({
    error: (iss) =>
      iss.input === undefined
        ? `missing required key "${key}"`
        : (error?.(iss) ?? `${key} must be ${expected}, got ${describeValue(iss.input)}`),
  });

/** One of a fixed set of words, with the allowed list and a near-miss suggestion. */
function oneOf<const T extends readonly [string, ...string[]]>(what: string, values: T) {
  return z.enum(values, { error: (iss) => enumMessage(what, values, iss.input) });
}

/** "allowed: ..." message; load.ts appends a "did you mean" for near misses. */
export function enumMessage(what: string, values: readonly string[], input: unknown): string {
  const allowed = values.join(', ');
  return typeof input === 'string'
    ? `unknown ${what} ${JSON.stringify(input)}; allowed: ${allowed}`
    : `${what} must be one of ${allowed}, got ${describeValue(input)}`;
}

/** How a wrong value reads in a message ("the string \"x\"", "a list", "nothing"). */
export function describeValue(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `the ${typeof v} ${String(v)}`;
}

/** A connection string pasted where a variable name belongs. */
export function looksLikeUrl(v: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) || v.includes('@') || /\bhost=/.test(v);
}

/** A list of strings with no repeats (each repeat reported at its index). */
function list<T extends z.ZodType<string>>(key: string, item: T, example: string, min = 1) {
  return z
    .array(item, {
      error: (iss) => `${key} must be a list such as ${example}, got ${describeValue(iss.input)}`,
    })
    .min(min, { error: `${key} must not be empty; remove the key to use the default` })
    .superRefine((values, ctx) => {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (seen.has(v)) {
          ctx.addIssue({ code: 'custom', path: [i], message: `"${v}" is listed twice in ${key}` });
        }
        seen.add(v);
      });
    });
}

/** A string item of a list that must match `re`, explained by `rule`. */
const item = (key: string, what: string, re: RegExp, rule: string) =>
  text(`${key}[]`, what).regex(re, {
    error: (iss) => `invalid ${what} ${JSON.stringify(iss.input)}; ${rule}`,
  });

const parts = list('parts', oneOf('part', PARTS), '[roles, schema, data]').meta({
  description:
    'What to dump: roles (cluster roles), schema (DDL), data (rows). A non-empty subset, ' +
    'always run in the order roles, schema, data. Default: all three.',
  uniqueItems: true,
});

const schemas = list(
  'schemas',
  item('schemas', 'schema', SCHEMA_NAME_RE, 'write a plain name such as "public"'),
  '[public, app]',
).meta({
  description:
    'Dump only these schemas (schema and data parts). Default: every user schema, as ' +
    '`supabase db dump` chooses them.',
  uniqueItems: true,
});

const excludeTables = list(
  'exclude_tables',
  item('exclude_tables', 'table', TABLE_NAME_RE, 'write "schema.table", e.g. "public.audit_log"'),
  '[public.audit_log]',
  0,
).meta({
  description:
    'Tables whose rows are not dumped, as "schema.table" (no wildcards; their definitions ' +
    'are still dumped). Default: none.',
  uniqueItems: true,
});

const compression = oneOf('compression', COMPRESSIONS).meta({
  description:
    'How each part is compressed: zstd (.zst), gzip (.gz) or none. Default: zstd when the ' +
    'running Node has zlib zstd (22.15+, the action runs on node24), else gzip with a notice.',
});

const engine = oneOf('engine', ENGINES).meta({
  description:
    'How dumps are made: supabase-cli (the Supabase CLI dump logic, run with local pg ' +
    'tools, no Docker), pg-dump (plain pg_dump/pg_dumpall), docker (`supabase db dump` as is). ' +
    'Default: supabase-cli.',
});

const supabaseCliVersion = text('supabase_cli_version', 'a version such as "3.1.0"')
  .regex(CLI_VERSION_RE, {
    error: (iss) =>
      `invalid supabase_cli_version ${JSON.stringify(iss.input)}; use a release version ` +
      'x.y.z such as "3.1.0" (no "v", no ranges)',
  })
  .meta({
    description:
      `Supabase CLI release whose dump logic is used. Default: "${DEFAULT_SUPABASE_CLI_VERSION}". ` +
      'Quote it in YAML.',
  });

/** Keys a project and `defaults` share. */
const optionShape = {
  parts: parts.optional(),
  schemas: schemas.optional(),
  exclude_tables: excludeTables.optional(),
  compression: compression.optional(),
  engine: engine.optional(),
  supabase_cli_version: supabaseCliVersion.optional(),
};

const mappingError = (what: string) => (iss: { code: string; input?: unknown }) =>
  iss.code === 'invalid_type'
    ? iss.input === undefined
      ? `missing required key "${what}"`
      : `${what} must be a mapping of keys, got ${describeValue(iss.input)}`
    : undefined;

export const defaultsSchema = z
  .strictObject(optionShape, { error: mappingError('defaults') })
  .meta({
    description:
      'Values every project gets unless it sets the key itself (project > defaults > built-in).',
  });

export const projectSchema = z
  .strictObject(
    {
      name: text('name', 'a project name')
        .regex(PROJECT_NAME_RE, {
          error: (iss) =>
            `invalid project name ${JSON.stringify(iss.input)}; use 1-63 lowercase letters, ` +
            'digits, "_" or "-", starting with a letter or digit (it names directories and artifacts)',
        })
        .meta({
          description:
            'Unique name: lowercase letters, digits, "_" and "-" (it names backup directories ' +
            'and artifacts).',
        }),
      ref: text('ref', 'a project ref')
        .regex(PROJECT_REF_RE, {
          error: (iss) =>
            `invalid ref ${JSON.stringify(iss.input)}; a Supabase project ref is 20 lowercase ` +
            'letters (Project Settings > General, or the dashboard URL)',
        })
        .optional()
        .meta({ description: 'Supabase project ref (20 lowercase letters); recorded in backups.' }),
      db_url_secret: text('db_url_secret', 'an environment variable name', (iss) =>
        dbUrlSecretMessage(iss.input),
      )
        .regex(ENV_NAME_RE, { error: (iss) => dbUrlSecretMessage(iss.input) })
        .meta({
          description:
            'NAME of the environment variable (passed from a repository secret) that holds the ' +
            'postgresql:// connection URL. Never the URL itself.',
        }),
      ...optionShape,
    },
    { error: mappingError('project') },
  )
  .meta({ description: 'One database to back up.' });

function dbUrlSecretMessage(input: unknown): string {
  // The value may be a real connection string: never quote it.
  if (typeof input === 'string' && looksLikeUrl(input)) {
    return (
      'db_url_secret must NAME an environment variable, not hold the connection URL: put the URL ' +
      'in a repository secret (e.g. PROD_DB_URL), pass it to the step as env, and write ' +
      '`db_url_secret: PROD_DB_URL` here. If this file was committed with the URL, rotate the ' +
      'database password.'
    );
  }
  return (
    'db_url_secret must be an environment variable name (letters, digits and "_", not starting ' +
    'with a digit), e.g. PROD_DB_URL'
  );
}

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
        .meta({ description: 'Config format version. Always 1.' }),
      defaults: defaultsSchema.nullable().optional(),
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
        .meta({ description: 'The databases to back up. Names must be unique.' }),
    },
    {
      error: (iss) =>
        iss.code === 'invalid_type'
          ? 'the config must be a YAML mapping with `version: 1` and a `projects:` list, got ' +
            describeValue(iss.input)
          : undefined,
    },
  )
  .meta({ description: 'Which Supabase databases to back up, and how.' });

export type ConfigFile = z.infer<typeof configFileSchema>;

/** The keys each mapping allows, by where it sits: [] root, ['defaults'], ['projects', i]. */
export const ROOT_KEYS = Object.keys(configFileSchema.shape);
export const PROJECT_KEYS = Object.keys(projectSchema.shape);
export const DEFAULTS_KEYS = Object.keys(defaultsSchema.shape);

/** Repeated project names, reported at each later occurrence. Works on unvalidated data. */
export function duplicateNameIssues(data: unknown): { path: PropertyKey[]; message: string }[] {
  const projects = (data as { projects?: unknown } | null)?.projects;
  if (!Array.isArray(projects)) return [];
  const first = new Map<string, number>();
  const out: { path: PropertyKey[]; message: string }[] = [];
  projects.forEach((p: unknown, i) => {
    const name = (p as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const j = first.get(name);
    if (j === undefined) first.set(name, i);
    else
      out.push({
        path: ['projects', i, 'name'],
        message: `duplicate project name "${name}" (already used by projects[${j}]); names must be unique`,
      });
  });
  return out;
}

/** project value > defaults value > built-in default; parts in canonical order. */
export function mergeDefaults(file: ConfigFile, fileName: string): Config {
  const d = file.defaults ?? {};
  const projects = file.projects.map((p): ProjectConfig => {
    const wanted = new Set(p.parts ?? d.parts ?? PARTS);
    const schemas = p.schemas ?? d.schemas;
    const compression = p.compression ?? d.compression;
    return {
      name: p.name,
      ...(p.ref !== undefined && { ref: p.ref }),
      db_url_secret: p.db_url_secret,
      parts: PARTS.filter((part) => wanted.has(part)),
      ...(schemas !== undefined && { schemas: [...schemas] }),
      exclude_tables: [...(p.exclude_tables ?? d.exclude_tables ?? [])],
      ...(compression !== undefined && { compression }),
      engine: p.engine ?? d.engine ?? 'supabase-cli',
      supabase_cli_version:
        p.supabase_cli_version ?? d.supabase_cli_version ?? DEFAULT_SUPABASE_CLI_VERSION,
    };
  });
  return { version: 1, file: fileName, projects };
}
