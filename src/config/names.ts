/**
 * Schema and table names in the config (`schemas`, `exclude_tables`): any identifier PostgreSQL
 * accepts quoted, matched exactly as written. A `schema.table` splits at the first dot outside
 * double quotes; either side may be double-quoted (`"my.schema"."Audit Log"`, `""` for a `"`).
 * An unquoted side is taken literally too: unlike SQL, `MyApp` is not folded to `myapp`.
 * Pure: no I/O; the dump turns these names into exact pg_dump patterns (dump/patterns.ts).
 */

/** A table named by `exclude_tables`, both sides unquoted. */
export interface TableName {
  schema: string;
  table: string;
}

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1), so no such name can exist. */
const MAX_NAME_BYTES = 63;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** One side: `"..."` with `""` escapes, or unquoted text without `"`. */
function parseSide(text: string, what: string): Parsed<string> {
  let name: string;
  if (text.startsWith('"')) {
    const m = /^"((?:[^"]|"")*)"$/.exec(text);
    if (!m) {
      return fail(
        `the ${what} ${text} opens a double quote it does not close at its end; write a ` +
          'quoted name as "..." with "" for each double quote inside it',
      );
    }
    name = m[1]!.replace(/""/g, '"');
  } else {
    if (text.includes('"')) {
      return fail(
        `the ${what} ${text} has a double quote inside an unquoted name; quote the whole name ` +
          'and double the quote ("a""b" is the name a"b)',
      );
    }
    if (/[*?]/.test(text)) {
      return fail(
        `the ${what} ${text} has a wildcard; names match exactly, no patterns (a name that ` +
          'really holds * or ? is written in double quotes)',
      );
    }
    name = text;
  }
  if (name === '') return fail(`the ${what} is empty`);
  if (name.includes('\0')) return fail(`the ${what} holds a NUL character`);
  const bytes = new TextEncoder().encode(name).length;
  if (bytes > MAX_NAME_BYTES) {
    return fail(
      `the ${what} is ${bytes} bytes long; PostgreSQL names are at most ${MAX_NAME_BYTES} bytes`,
    );
  }
  return { ok: true, value: name };
}

/** A `schemas` entry: one name, quoted or not (a dot is part of the name). */
export function parseSchemaName(text: string): Parsed<string> {
  return parseSide(text, 'schema name');
}

/** Index of the first `.` outside double quotes, or -1. */
function splitDot(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === '.' && !quoted) return i;
  }
  return -1;
}

/** An `exclude_tables` entry: `schema.table`. */
export function parseTableName(text: string): Parsed<TableName> {
  const dot = splitDot(text);
  if (dot < 0) {
    return fail(
      'write "schema.table", e.g. "public.audit_log" (quote a side that holds a dot: ' +
        '"my.schema"."Audit Log")',
    );
  }
  const schema = parseSide(text.slice(0, dot), 'schema name');
  if (!schema.ok) return schema;
  const table = parseSide(text.slice(dot + 1), 'table name');
  if (!table.ok) return table;
  return { ok: true, value: { schema: schema.value, table: table.value } };
}

function unwrap<T>(parsed: Parsed<T>, text: string): T {
  if (!parsed.ok) throw new Error(`unvalidated config name ${JSON.stringify(text)}`);
  return parsed.value;
}

/** The configured schemas as names (validated config only); undefined = all user schemas. */
export function configuredSchemas(project: { schemas?: string[] }): string[] | undefined {
  return project.schemas?.map((s) => unwrap(parseSchemaName(s), s));
}

/** The configured `exclude_tables` as names (validated config only). */
export function excludedTables(project: { exclude_tables: string[] }): TableName[] {
  return project.exclude_tables.map((t) => unwrap(parseTableName(t), t));
}

/** How a name reads in a message: as SQL writes it, quoted. */
export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteTable(t: TableName): string {
  return `${quoteName(t.schema)}.${quoteName(t.table)}`;
}

/**
 * Entries the docker engine cannot hand the Supabase CLI unchanged: the CLI writes its filters
 * into its own shell script unquoted (and pg_dump folds unquoted patterns to lower case), so
 * only plain lower-case identifiers survive it.
 */
export function dockerNameProblems(project: {
  engine: string;
  schemas?: string[];
  exclude_tables: string[];
}): { key: 'schemas' | 'exclude_tables'; index: number; message: string }[] {
  if (project.engine !== 'docker') return [];
  const plain = (n: string) => /^[a-z_][a-z0-9_]*$/.test(n);
  const message = (text: string) =>
    `${JSON.stringify(text)}: the docker engine passes names to \`supabase db dump\`, whose ` +
    'script takes them as shell text and pg_dump folds them to lower case; it only takes plain ' +
    'lower-case names (a-z, 0-9, _). Use engine supabase-cli or pg-dump, which match any name ' +
    'exactly';
  const schemas = (configuredSchemas(project) ?? []).flatMap((s, index) =>
    plain(s)
      ? []
      : [{ key: 'schemas' as const, index, message: message(project.schemas![index]!) }],
  );
  const tables = excludedTables(project).flatMap((t, index) =>
    plain(t.schema) && plain(t.table)
      ? []
      : [
          {
            key: 'exclude_tables' as const,
            index,
            message: message(project.exclude_tables[index]!),
          },
        ],
  );
  return [...schemas, ...tables];
}
