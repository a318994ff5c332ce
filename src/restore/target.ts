/**
 * What the target database already holds, asked before anything is applied (so a refusal
 * changes nothing), and checked after (row counts against backup.json).
 */
import type { TableRecord } from '../catalog/backup-json.js';
import type { Part } from '../config/types.js';
import { PLATFORM_SCHEMAS_SCHEMA_DUMP } from '../dump/platform-schemas.js';
import { queryJson, type PsqlTarget } from '../dump/query.js';
import { RestoreError } from '../errors.js';
import { tableKey, tableName } from './selection.js';

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;
const qualified = (t: { schema: string; name: string }) =>
  `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;

/** A regex matching every platform schema name (the list's globs: pg_*, timescaledb_*). */
const PLATFORM_SCHEMA_REGEX = `^(${PLATFORM_SCHEMAS_SCHEMA_DUMP.map((s) =>
  s.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*'),
).join('|')})$`;

/** Tables (and partitioned tables) outside the platform schemas, not created by an extension. */
async function userTables(target: PsqlTarget): Promise<string[]> {
  const sql = `select coalesce(json_agg(format('%s.%s', n.nspname, c.relname) order by 1), '[]')
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname !~ ${quoteLiteral(PLATFORM_SCHEMA_REGEX)}
      and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass
        and d.objid = c.oid and d.deptype = 'e')`;
  return queryJson<string[]>(target, sql);
}

interface TableState {
  t: string;
  exists: boolean;
  rows: boolean;
}

async function tableStates(target: PsqlTarget, tables: TableRecord[]): Promise<TableState[]> {
  if (tables.length === 0) return [];
  const regs = tables.map(
    (t) =>
      `select ${quoteLiteral(tableName(t))} as t, to_regclass(${quoteLiteral(qualified(t))}) as r`,
  );
  // Existence first; then, for existing tables only, whether they hold any row.
  const found = await queryJson<{ t: string; r: string | null }[]>(
    target,
    `select json_agg(x) from (${regs.join(' union all ')}) x`,
  );
  const existing = tables.filter((_, i) => found[i]?.r);
  const filled = existing.length
    ? await queryJson<string[]>(
        target,
        `select coalesce(json_agg(t), '[]') from (${existing
          .map(
            (t) =>
              `select ${quoteLiteral(tableName(t))} as t where exists (select from only ${qualified(t)})`,
          )
          .join(' union all ')}) x`,
      )
    : [];
  return tables.map((t, i) => ({
    t: tableName(t),
    exists: Boolean(found[i]?.r),
    rows: filled.includes(tableName(t)),
  }));
}

const some = (names: string[]) =>
  names.slice(0, 10).join(', ') + (names.length > 10 ? `, and ${names.length - 10} more` : '');

/**
 * Refuses a target the restore would mix with: user tables present when the schema is restored,
 * and tables that data would be loaded into already holding rows (unless forced), or missing.
 */
export async function checkTarget(
  target: PsqlTarget,
  parts: Part[],
  tables: TableRecord[],
  force: boolean,
): Promise<{ notes: string[]; nonEmpty: TableRecord[] }> {
  const notes: string[] = [];
  if (parts.includes('schema')) {
    const existing = await userTables(target);
    if (existing.length > 0 && !force)
      throw new RestoreError(
        `the target already holds ${existing.length} user table(s) (${some(existing)}): restore into a ` +
          'new project, or pass --force to apply over them (one transaction: any conflict rolls ' +
          'everything back); nothing was changed',
      );
    if (existing.length > 0) notes.push(`--force: applying over ${existing.length} user table(s)`);
  }
  if (!parts.includes('data')) return { notes, nonEmpty: [] };
  const states = await tableStates(target, tables);
  const missing = states.filter((s) => !s.exists).map((s) => s.t);
  if (missing.length > 0 && !parts.includes('schema'))
    throw new RestoreError(
      `these tables do not exist in the target, so their data cannot be loaded: ${some(missing)}; ` +
        'restore the schema first (--parts schema); nothing was changed',
    );
  const filled = states.filter((s) => s.rows).map((s) => s.t);
  if (filled.length > 0 && !force)
    throw new RestoreError(
      `these tables in the target already hold rows: ${some(filled)}; loading the backup would ` +
        'mix both (or fail on duplicate keys): empty them first, or pass --force to append; ' +
        'nothing was changed',
    );
  if (filled.length > 0) notes.push(`--force: appending to ${filled.length} non-empty table(s)`);
  return { notes, nonEmpty: tables.filter((t) => filled.includes(tableName(t))) };
}

const asKeys = (pairs: [string, string][]) => pairs.map(([s, n]) => tableKey(s, n));
const regclasses = (tables: TableRecord[]) =>
  `select to_regclass(x) from unnest(array[${tables.map((t) => quoteLiteral(qualified(t))).join(', ')}]) x`;

/** Sequences the tables own (serial and identity columns), as tableKey()s. */
export async function ownedSequences(target: PsqlTarget, tables: TableRecord[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const sql = `select coalesce(json_agg(json_build_array(n.nspname, s.relname)), '[]')
    from pg_depend d join pg_class s on s.oid = d.objid and s.relkind = 'S'
    join pg_namespace n on n.oid = s.relnamespace
    where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
      and d.deptype in ('a', 'i') and d.refobjid in (${regclasses(tables)})`;
  return asKeys(await queryJson<[string, string][]>(target, sql));
}

/** Materialized views that read the tables, directly or through views, as tableKey()s. */
export async function dependentMatviews(
  target: PsqlTarget,
  tables: TableRecord[],
): Promise<string[]> {
  if (tables.length === 0) return [];
  const sql = `with recursive deps(oid) as (
      ${regclasses(tables)}
      union
      select r.ev_class from pg_depend d join pg_rewrite r on r.oid = d.objid
      join deps on d.refobjid = deps.oid
      where d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass
        and r.ev_class <> deps.oid)
    select coalesce(json_agg(json_build_array(n.nspname, c.relname)), '[]')
    from deps join pg_class c on c.oid = deps.oid join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'm'`;
  return asKeys(await queryJson<[string, string][]>(target, sql));
}

/** Exact row counts, by tableName(). */
export async function countRows(
  target: PsqlTarget,
  tables: TableRecord[],
): Promise<Map<string, number>> {
  if (tables.length === 0) return new Map();
  const selects = tables.map(
    (t) => `select ${quoteLiteral(tableName(t))} as t, count(*) as n from only ${qualified(t)}`,
  );
  const counts = await queryJson<{ t: string; n: number }[]>(
    target,
    `select json_agg(x) from (${selects.join('\nunion all\n')}) x`,
  );
  return new Map(counts.map((c) => [c.t, c.n]));
}

/** Compares the restored tables' row counts with backup.json (plus rows there before, if any). */
export async function checkRowCounts(
  target: PsqlTarget,
  tables: TableRecord[],
  before: Map<string, number> = new Map(),
): Promise<void> {
  const actual = await countRows(target, tables);
  const expected = (t: TableRecord) => t.rows + (before.get(tableName(t)) ?? 0);
  const wrong = tables
    .filter((t) => actual.get(tableName(t)) !== expected(t))
    .map((t) => {
      const had = before.get(tableName(t));
      const plus = had ? ` plus the ${had} it held before` : '';
      return `${tableName(t)}: ${actual.get(tableName(t))} rows, backup.json says ${t.rows}${plus}`;
    });
  if (wrong.length > 0)
    throw new RestoreError(`restored row counts differ from the backup:\n  ${wrong.join('\n  ')}`);
}
