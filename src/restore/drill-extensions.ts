/**
 * Extensions in a drill. A real project's schema part names extensions a runner's PostgreSQL
 * does not have (pg_graphql, supabase_vault, pgsodium, pg_net, pgjwt: every Supabase project),
 * and the set runs as a non-superuser that may not create the untrusted ones it does have. So the
 * drill reads the schema part's CREATE EXTENSION lines first; the superuser pre-creates the
 * available ones Supabase offers, and the unavailable ones are skipped (commented out, with a
 * warning), as is pg_cron (it needs shared_preload_libraries; its jobs would run in the drill):
 * its jobs, the last lines of data.sql, are dropped. What depends on a skipped extension still
 * fails the drill, saying which.
 */
import { DataLines } from '../dump/data-lines.js';
import { LineRewriter } from '../pipeline/line-rewrite.js';

export interface ExtensionUse {
  name: string;
  schema: string | null;
}

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
/** pg_dump writes each as one line: `CREATE EXTENSION IF NOT EXISTS "x" WITH SCHEMA "s";`. */
const CREATE = new RegExp(
  String.raw`^CREATE EXTENSION (?:IF NOT EXISTS )?${IDENT}(?: WITH SCHEMA ${IDENT})?(?: VERSION '[^']*')?(?: CASCADE)?;\r?$`,
);
const COMMENT = new RegExp(String.raw`^COMMENT ON EXTENSION ${IDENT} IS `);

const unquote = (ident: string) =>
  ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;

export function parseExtensionLine(line: string): ExtensionUse | null {
  const m = CREATE.exec(line);
  return m ? { name: unquote(m[1]!), schema: m[2] === undefined ? null : unquote(m[2]) } : null;
}

/** Collects the schema part's CREATE EXTENSION lines (outside COPY data: the schema has none). */
export class ExtensionScan extends LineRewriter {
  readonly found: ExtensionUse[] = [];
  constructor() {
    super((line) => {
      const use = line.startsWith('CREATE EXTENSION ') ? parseExtensionLine(line) : null;
      if (use) this.found.push(use);
      return line;
    });
  }
}

/**
 * Comments out the CREATE and COMMENT ON EXTENSION lines of `skip`. The replacement holds no
 * quote, so psql reads the lines after it as it would have (a dollar-quoted body that happens to
 * hold such a line is changed in the drill only; the guard runs after this stage).
 */
export class SkipExtensions extends LineRewriter {
  constructor(skip: Set<string>) {
    super((line) => {
      if (!line.startsWith('C')) return line;
      const created = parseExtensionLine(line)?.name;
      const m = created === undefined ? COMMENT.exec(line) : null;
      const name = created ?? (m ? unquote(m[1]!) : undefined);
      return name !== undefined && skip.has(name) ? '-- drill: an extension skipped' : line;
    });
  }
}

/** Drops data.sql's pg_cron calls (cron-jobs.ts), never a COPY row that looks like one. */
export class DropCronJobs extends LineRewriter {
  constructor() {
    const lines = new DataLines();
    super((line) => (lines.next(line) === 'cron-job' ? null : line));
  }
}

/**
 * Extensions Supabase offers that the drill's superuser creates when the set names them and the
 * server has them (some are untrusted, so the set's postgres could not). Not the ones that reach
 * out of the server (dblink, postgres_fdw, file_fdw, adminpack), nor pg_cron.
 */
const PRE_CREATE = new Set([
  'amcheck',
  'autoinc',
  'bloom',
  'btree_gin',
  'btree_gist',
  'citext',
  'cube',
  'dict_int',
  'dict_xsyn',
  'earthdistance',
  'fuzzystrmatch',
  'hstore',
  'insert_username',
  'intarray',
  'isn',
  'lo',
  'ltree',
  'moddatetime',
  'pg_buffercache',
  'pg_freespacemap',
  'pg_prewarm',
  'pg_stat_statements',
  'pg_trgm',
  'pg_visibility',
  'pg_walinspect',
  'pgcrypto',
  'pgrowlocks',
  'pgstattuple',
  'postgis',
  'refint',
  'seg',
  'tablefunc',
  'tcn',
  'tsm_system_rows',
  'tsm_system_time',
  'unaccent',
  'uuid-ossp',
  'vector',
]);

export interface ExtensionPlan {
  /** Run by the superuser before the role checks (names are quoted by format(%I)). */
  preCreateSql: string;
  /** Commented out in schema.sql. */
  skipped: Set<string>;
  /** What the drill reports. */
  warnings: string[];
}

export function planExtensions(found: ExtensionUse[], available: Set<string>): ExtensionPlan {
  const skipped = new Set<string>();
  const create: ExtensionUse[] = [];
  for (const use of found) {
    if (use.name === 'pg_cron' || !available.has(use.name)) skipped.add(use.name);
    // A schema name becomes text of the DO block: plain names only, the rest is left to the set.
    else if (PRE_CREATE.has(use.name) && /^[a-z_][a-z0-9_]*$/.test(use.schema ?? 'extensions'))
      create.push(use);
  }
  const warnings: string[] = [];
  const missing = [...skipped].filter((n) => n !== 'pg_cron').sort();
  if (missing.length > 0)
    warnings.push(
      `the drill's server lacks the extension${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: ${missing.length > 1 ? 'their' : 'its'} CREATE EXTENSION was skipped, so what the set builds on ${missing.length > 1 ? 'them' : 'it'} is not drilled (a drill fails where a table needs ${missing.length > 1 ? 'them' : 'it'}; install ${missing.length > 1 ? 'them' : 'it'} for that PostgreSQL or drill elsewhere)`,
    );
  if (skipped.has('pg_cron'))
    warnings.push(
      'pg_cron jobs are not drilled (pg_cron needs shared_preload_libraries, and its jobs would run in the drill): CREATE EXTENSION pg_cron and the jobs were skipped',
    );
  const lines = create.map((u) => {
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const schema = u.schema ?? 'extensions';
    return `  IF EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = ${lit(schema)}) THEN
    EXECUTE format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I CASCADE', ${lit(u.name)}, ${lit(schema)});
  END IF;`;
  });
  const preCreateSql =
    lines.length === 0 ? '' : `DO $extensions$\nBEGIN\n${lines.join('\n')}\nEND\n$extensions$;\n`;
  return { preCreateSql, skipped, warnings };
}
