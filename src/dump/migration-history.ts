/**
 * The Supabase CLI's migration history (`supabase_migrations.schema_migrations`, `seed_files`),
 * which the official dump scripts leave out of both the schema and the data dump: without it a
 * restored project's `supabase migration list` shows nothing applied and the next `db push`
 * replays every migration (supabase/cli#1671). It is captured here as SQL appended to schema.sql
 * (the history describes the schema): the CLI's table definition, created only where the
 * target lacks the schema, the table or a column (the CLI checks before its DDL too), then one
 * upsert per row, so a target that already has the schema or the tables (every new project) takes it without a
 * duplicate error, and the source's rows win over same-version rows already there.
 */
import { quoteIdent, sqlLiteral } from './sql-literal.js';

const MIGRATIONS_SCHEMA = 'supabase_migrations';

export interface HistoryColumn {
  name: string;
  /** format_type() of the column, e.g. `text[]`. */
  type: string;
  notNull: boolean;
}

export interface HistoryTable {
  name: string;
  columns: HistoryColumn[];
  /** Primary key columns, in key order (empty: none). */
  key: string[];
  /** Each row's values as text (NULL as null), in `columns` order. */
  rows: (string | null)[][];
}

// Ordinary tables of the schema with their columns and primary key; empty when there is none.
/** The tables of supabase_migrations, their columns and keys (first round of the extras). */
export const HISTORY_TABLES_SQL = `
select coalesce(json_agg(json_build_object(
  'name', c.relname,
  'columns', (select json_agg(json_build_object('name', a.attname,
                'type', format_type(a.atttypid, a.atttypmod), 'notNull', a.attnotnull) order by a.attnum)
              from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),
  'key', coalesce((select json_agg(a.attname order by k.ord)
          from pg_index i cross join unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
          join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
          where i.indrelid = c.oid and i.indisprimary), '[]')
) order by c.relname), '[]')
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = '${MIGRATIONS_SCHEMA}' and c.relkind in ('r', 'p')`;

/** A type name as format_type() prints built-in types; anything else is not written as SQL. */
const PLAIN_TYPE = /^[a-z][a-z0-9_ ]*(\(\d+(,\d+)?\))?( with(out)? time zone)?(\[\])*$/;

export type HistoryTableShape = Omit<HistoryTable, 'rows'>;

/** The query reading one table's rows, as arrays of text in key order. */
export function historyRowsSql(t: HistoryTableShape): string {
  const cols = t.columns.map((c) => `${quoteIdent(c.name)}::text`).join(', ');
  const order = (t.key.length > 0 ? t.key : t.columns.map((c) => c.name))
    .map(quoteIdent)
    .join(', ');
  return (
    `select coalesce(json_agg(json_build_array(${cols}) order by ${order}), '[]') ` +
    `from ${quoteIdent(MIGRATIONS_SCHEMA)}.${quoteIdent(t.name)}`
  );
}

/** The dollar-quote tag of the guarded DDL (a name in the source holding it falls back to plain DDL). */
const TAG = '$supabase_backup$';

/**
 * DDL that runs only for what the target lacks, as the CLI provisions its table (it checks the
 * columns before running any DDL): so a target whose existing schema or table the restoring role
 * may not CREATE in still takes the rows. One line: a DO block whose statements are literals.
 */
function guarded(steps: { missing: string; ddl: string; plain: string }[]): string[] {
  const body = steps
    .map((s) => `IF ${s.missing} THEN EXECUTE ${sqlLiteral(s.ddl)}; END IF;`)
    .join(' ');
  if (body.includes(TAG)) return steps.map((s) => `${s.plain};`);
  return [`DO ${TAG} BEGIN ${body} END ${TAG};`];
}

/** The history as idempotent SQL; unusual column types are left out, with a warning each. */
export function renderMigrationHistory(tables: HistoryTable[]): {
  sql: string[];
  warnings: string[];
} {
  if (tables.length === 0) return { sql: [], warnings: [] };
  const schema = quoteIdent(MIGRATIONS_SCHEMA);
  const sql: string[] = [];
  const warnings: string[] = [];
  for (const t of tables) {
    const name = `${schema}.${quoteIdent(t.name)}`;
    const usable = t.columns.filter((c) => PLAIN_TYPE.test(c.type));
    for (const c of t.columns.filter((c) => !usable.includes(c)))
      warnings.push(
        `${MIGRATIONS_SCHEMA}.${t.name}.${c.name} has type ${c.type}, which is not backed up: its values are left out of the migration history`,
      );
    const keyed = t.key.length > 0 && t.key.every((k) => usable.some((c) => c.name === k));
    const def = (c: HistoryColumn) =>
      `${quoteIdent(c.name)} ${c.type}${c.notNull ? ' NOT NULL' : ''}`;
    const keyCols = usable.filter((c) => keyed && t.key.includes(c.name));
    const pk = keyed ? `, PRIMARY KEY (${t.key.map(quoteIdent).join(', ')})` : '';
    // The key columns create the table (as the CLI does); the others are added if missing.
    const first = keyCols.length > 0 ? keyCols : usable.slice(0, 1);
    if (first.length === 0) continue;
    const rest = usable.filter((c) => !first.includes(c));
    sql.push(
      ...guarded([
        {
          missing: `to_regnamespace(${sqlLiteral(schema)}) IS NULL`,
          ddl: `CREATE SCHEMA ${schema}`,
          plain: `CREATE SCHEMA IF NOT EXISTS ${schema}`,
        },
        {
          missing: `to_regclass(${sqlLiteral(name)}) IS NULL`,
          ddl: `CREATE TABLE ${name} (${first.map(def).join(', ')}${pk})`,
          plain: `CREATE TABLE IF NOT EXISTS ${name} (${first.map(def).join(', ')}${pk})`,
        },
        ...rest.map((c) => ({
          missing:
            'NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = ' +
            `${sqlLiteral(name)}::regclass AND attname = ${sqlLiteral(c.name)} AND NOT attisdropped)`,
          // Added columns may not be NOT NULL: the target's rows have no value for them.
          ddl: `ALTER TABLE ${name} ADD COLUMN ${quoteIdent(c.name)} ${c.type}`,
          plain: `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${c.type}`,
        })),
      ]),
    );
    const index = usable.map((c) => t.columns.indexOf(c));
    const columns = usable.map((c) => quoteIdent(c.name)).join(', ');
    const updated = usable.filter((c) => !keyCols.includes(c));
    const conflict = !keyed
      ? ''
      : updated.length === 0
        ? ` ON CONFLICT (${t.key.map(quoteIdent).join(', ')}) DO NOTHING`
        : ` ON CONFLICT (${t.key.map(quoteIdent).join(', ')}) DO UPDATE SET ${updated
            .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`)
            .join(', ')}`;
    for (const row of t.rows)
      sql.push(
        `INSERT INTO ${name} (${columns}) VALUES (${index.map((i) => sqlLiteral(row[i] ?? null)).join(', ')})${conflict};`,
      );
  }
  return { sql, warnings };
}
