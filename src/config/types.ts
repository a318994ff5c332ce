/** The validated, defaults-merged config that everything after loading works with. */
export const PARTS = ['roles', 'schema', 'data'] as const;
export type Part = (typeof PARTS)[number];

export const COMPRESSIONS = ['zstd', 'gzip', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export const ENGINES = ['supabase-cli', 'pg-dump', 'docker'] as const;
export type Engine = (typeof ENGINES)[number];

/** Supabase CLI release used when a project does not pin one (also the npm devDependency). */
export const DEFAULT_SUPABASE_CLI_VERSION = '3.1.0';

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
  /** undefined = the default: zstd where this Node has it, else gzip with a notice. */
  compression?: Compression;
  engine: Engine;
  supabase_cli_version: string;
}

export interface Config {
  version: 1;
  /** Absolute or as-given path of the file the config came from (for messages). */
  file: string;
  projects: ProjectConfig[];
}
