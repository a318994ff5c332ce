/**
 * Before dumping: do the configured schemas and excluded tables exist, exactly as written? A
 * missing schema fails the backup (it would silently be missing from a "complete" set); a
 * missing excluded table fails it when a differently-cased one exists (that table's rows would
 * be dumped), and is otherwise a warning in backup.json (nothing of it can be dumped).
 * The names reach the server only as a psql variable (JSON), never as SQL text.
 */
import { quoteName, quoteTable, type TableName } from '../config/names.js';
import { DumpError } from '../errors.js';
import { queryJson, type PsqlTarget } from './query.js';

interface Found {
  schemas: { name: string; exists: boolean; similar: string[] }[];
  tables: { schema: string; table: string; exists: boolean; similar: string[] }[];
}

// Similar: the same name but for case (what SQL's folding of an unquoted name makes of it).
const SQL = `
with s as (select value as name, ordinality as i
           from json_array_elements_text((:'names'::json)->'schemas') with ordinality),
     t as (select value->>0 as schema, value->>1 as name, ordinality as i
           from json_array_elements((:'names'::json)->'tables') with ordinality)
select json_build_object(
  'schemas', (select coalesce(json_agg(json_build_object(
      'name', s.name,
      'exists', exists (select 1 from pg_namespace n where n.nspname = s.name),
      'similar', (select coalesce(json_agg(n.nspname order by n.nspname), '[]') from pg_namespace n
                  where lower(n.nspname) = lower(s.name) and n.nspname <> s.name)
    ) order by s.i), '[]') from s),
  'tables', (select coalesce(json_agg(json_build_object(
      'schema', t.schema, 'table', t.name,
      'exists', exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = t.schema and c.relname = t.name),
      'similar', (select coalesce(json_agg(format('%I.%I', n.nspname, c.relname)
                                           order by n.nspname, c.relname), '[]')
                  from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where c.relkind in ('r', 'p', 'f', 'm', 'v', 'S')
                    and lower(n.nspname) = lower(t.schema) and lower(c.relname) = lower(t.name)
                    and not (n.nspname = t.schema and c.relname = t.name))
    ) order by t.i), '[]') from t))`;

const hint = (similar: string[], quoted: (s: string) => string) =>
  similar.length === 0
    ? ''
    : ` (the database has ${similar.map(quoted).join(', ')}: names match exactly, case included)`;

/** Throws a DumpError naming each problem; returns the warnings for backup.json. */
export async function checkConfiguredNames(
  target: PsqlTarget,
  schemas: string[] | undefined,
  excludeTables: TableName[],
): Promise<string[]> {
  if (!schemas && excludeTables.length === 0) return [];
  const names = JSON.stringify({
    schemas: schemas ?? [],
    tables: excludeTables.map((t) => [t.schema, t.table]),
  });
  const found = await queryJson<Found>(target, SQL, { names });
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const s of found.schemas.filter((x) => !x.exists)) {
    errors.push(
      `schema ${quoteName(s.name)} (in schemas) does not exist${hint(s.similar, (x) => quoteName(x))}`,
    );
  }
  for (const t of found.tables.filter((x) => !x.exists)) {
    const name = quoteTable({ schema: t.schema, table: t.table });
    if (t.similar.length > 0) {
      errors.push(
        `excluded table ${name} (in exclude_tables) does not exist${hint(t.similar, (x) => x)}; ` +
          'its rows would be dumped',
      );
    } else {
      warnings.push(
        `excluded table ${name} (in exclude_tables) does not exist: nothing to exclude`,
      );
    }
  }
  if (errors.length > 0) {
    throw new DumpError(
      `${errors.join('; ')}. Fix the names in the config (write them exactly, case included; ` +
        'double quotes are allowed: "MyApp", "my.schema"."Audit Log"); nothing was dumped',
    );
  }
  return warnings;
}
