/** What a restore will apply: which parts, which tables' data, and how it reads as a plan. */
import type { BackupManifest, TableRecord } from '../catalog/backup-json.js';
import { DUMP_PARTS, PARTS, type Part } from '../config/types.js';
import { UsageError } from '../errors.js';
import { formatBytes } from '../format.js';

export interface SelectionRequest {
  parts?: Part[];
  /** "schema.table" names; data of these tables only, into tables that already exist. */
  tables?: string[];
  schemas?: string[];
}

export interface Selection {
  parts: Part[];
  /** The tables whose data is loaded (all of backup.json's when no --tables). */
  tables: TableRecord[];
  /** True when --tables chose a subset (data.sql is filtered). */
  subset: boolean;
}

export const tableKey = (schema: string, name: string) => `${schema}\0${name}`;
export const tableName = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/** "app.orders", "\"My Schema\".\"Odd.Name\"" -> [schema, name]. */
export function parseTableName(text: string): [string, string] {
  const ident = /^(?:"((?:[^"]|"")+)"|([^."]+))/;
  const first = ident.exec(text.trim());
  const rest = first ? text.trim().slice(first[0].length) : '';
  const second = rest.startsWith('.') ? ident.exec(rest.slice(1)) : null;
  if (!first || !second || second[0].length !== rest.length - 1)
    throw new UsageError(
      `--tables: "${text}" is not schema.table (quote names with dots: "My Schema"."My.Table")`,
    );
  const value = (m: RegExpExecArray) => m[1]?.replace(/""/g, '"') ?? m[2]!;
  return [value(first), value(second)];
}

/** Refuses what no set allows (before anything is fetched). */
export function refuseUnsupported(request: SelectionRequest): void {
  if (request.schemas && request.schemas.length > 0)
    throw new UsageError(
      '--schemas is not supported: schema.sql is one pg_dump script whose objects refer to each ' +
        'other across schemas (foreign keys, functions, types, policies and triggers on platform ' +
        'tables), and a plain-text dump has no table of contents to split it by safely. Restore ' +
        'the whole schema into a new project, or data of chosen tables with --tables.',
    );
}

/** Checks the request against the set; throws a UsageError saying what cannot be done and why. */
export function selectRestore(manifest: BackupManifest, request: SelectionRequest): Selection {
  refuseUnsupported(request);
  const inSet = manifest.parts.map((p) => p.part as Part);
  const tablesWanted = request.tables && request.tables.length > 0;
  let parts: Part[];
  if (request.parts && request.parts.length > 0) {
    for (const p of request.parts)
      if (!inSet.includes(p))
        throw new UsageError(
          `--parts: the set has no ${p} part (it holds ${inSet.join(', ') || 'no parts'})`,
        );
    parts = PARTS.filter((p) => request.parts!.includes(p));
    if (parts.includes('storage'))
      throw new UsageError(
        '--parts storage restores Storage objects in a run of its own, into an S3 endpoint (docs/storage.md)',
      );
  } else parts = tablesWanted ? ['data'] : DUMP_PARTS.filter((p) => inSet.includes(p));
  // Storage objects go to an S3 endpoint, not the database: only when asked for (docs/storage.md).
  if (parts.length === 0)
    throw new UsageError(
      inSet.every((p) => p === 'storage')
        ? 'this set holds only Storage objects: restore them with --parts storage (docs/storage.md)'
        : `this set holds no database part (${inSet.join(', ')}): restore Storage objects with --parts storage (docs/storage.md), Edge Functions and settings with --parts functions,settings --target-ref REF (docs/management-api.md)`,
    );
  if (!tablesWanted)
    return { parts, tables: parts.includes('data') ? manifest.tables : [], subset: false };

  if (parts.includes('schema'))
    throw new UsageError(
      '--tables cannot be combined with the schema part: schema.sql creates every table, and ' +
        'loading only some of them (with triggers and foreign key checks off, as data.sql runs) ' +
        'would leave references to rows that were never restored. Restore the schema first ' +
        '(--parts schema), then --tables into the existing tables.',
    );
  if (!parts.includes('data'))
    throw new UsageError('--tables restores table data: include the data part (--parts data)');
  const known = new Map(manifest.tables.map((t) => [tableKey(t.schema, t.name), t]));
  const tables: TableRecord[] = [];
  const unknown: string[] = [];
  for (const text of request.tables!) {
    const [schema, name] = parseTableName(text);
    const table = known.get(tableKey(schema, name));
    if (!table) unknown.push(`${schema}.${name}`);
    else if (!tables.includes(table)) tables.push(table);
  }
  if (unknown.length > 0) {
    const some = manifest.tables.slice(0, 20).map(tableName).join(', ');
    throw new UsageError(
      `--tables: no data for ${unknown.join(', ')} in this set (tables with data: ${some}${manifest.tables.length > 20 ? ', …' : ''})`,
    );
  }
  return { parts, tables, subset: true };
}

export function describePlan(
  manifest: BackupManifest,
  selection: Selection,
  target: string,
  source: string,
): string {
  const rows = selection.tables.reduce((n, t) => n + t.rows, 0);
  const parts = manifest.parts
    .filter((p) => selection.parts.includes(p.part as Part))
    .map((p) => `${p.part} (${formatBytes(p.raw_bytes)})`)
    .join(', ');
  const lines = [
    `restore ${manifest.project}/${manifest.set_id} (PostgreSQL ${manifest.server.version}, ${manifest.engine})`,
    `  from    ${source}`,
    `  into    ${target}`,
    `  parts   ${parts}`,
  ];
  if (selection.parts.includes('data')) {
    lines.push(`  data    ${selection.tables.length} tables, ${rows} rows`);
    if (selection.subset)
      for (const t of selection.tables) lines.push(`          ${tableName(t)}: ${t.rows} rows`);
  }
  const files = selection.parts.map((p) =>
    p === 'data' ? `-c 'SET session_replication_role = replica' -f data.sql` : `-f ${p}.sql`,
  );
  lines.push(`  as      psql --single-transaction -v ON_ERROR_STOP=1 ${files.join(' ')}`);
  return lines.join('\n');
}
