/**
 * The drill's content check: reads every restored table back with the same COPY the dump used
 * (its columns, in its order) and compares each table's order-independent digest with the one
 * expected (src/pipeline/row-digest.ts): recorded in backup.json at backup time, or taken from
 * the data part by the drill. Tables without one (older sets, the docker engine) are left to the
 * row counts.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TableRecord } from '../catalog/backup-json.js';
import type { PsqlTarget } from '../dump/query.js';
import { RestoreError } from '../errors.js';
import { CopyRowCounter } from '../pipeline/copy-rows.js';
import { runStreaming } from '../proc/run.js';
import { tableName } from './selection.js';

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * The dump's sessions print values this way: pg_dump sets DateStyle, IntervalStyle and
 * extra_float_digits itself, and the backup gives its dump clients PGTZ=UTC (docs/restore.md).
 */
const DUMP_SESSION = [
  'SET DateStyle = ISO',
  'SET IntervalStyle = postgres',
  'SET extra_float_digits = 3',
  "SET TimeZone = 'UTC'",
  'SET bytea_output = hex',
];

/** A COPY of the table's recorded columns, as pg_dump writes it but TO STDOUT. */
function copyOut(t: TableRecord): string {
  const columns = t.columns?.length ? ` (${t.columns.map(quoteIdent).join(', ')})` : '';
  return `COPY ${quoteIdent(t.schema)}.${quoteIdent(t.name)}${columns} TO STDOUT`;
}

/**
 * Throws a RestoreError naming every table whose restored content differs; returns how many
 * matched. With `rows`, first compares each table's rows read back with backup.json's count
 * (the drill: one read of every table instead of a count(*) pass and then this one).
 */
export async function checkDigests(
  target: PsqlTarget,
  tables: TableRecord[],
  signal?: AbortSignal,
  {
    rows = false,
    onRowsMatch = () => undefined,
  }: { rows?: boolean; onRowsMatch?: () => void } = {},
): Promise<number> {
  const checked = tables.filter((t) => t.digest !== undefined);
  if (checked.length === 0) return 0;
  const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1'];
  for (const s of DUMP_SESSION) args.push('-c', s);
  // psql prints each COPY's rows, then "\." ends that table's block (bare COPY format).
  for (const t of checked) args.push('-c', copyOut(t), '-c', String.raw`\echo '\\.'`);
  const child = runStreaming(target.psql, args, { env: target.env, signal });
  const reader = new CopyRowCounter({ bare: true });
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  await Promise.all([pipeline(child.stdout, reader, sink), child.done]).catch((err: unknown) => {
    child.kill();
    throw err;
  });
  if (reader.tables.length !== checked.length)
    throw new RestoreError(
      `reading the restored tables back gave ${reader.tables.length} of ${checked.length} tables`,
    );
  const counts = checked.flatMap((t, i) =>
    reader.tables[i]!.rows === t.rows
      ? []
      : [`${tableName(t)}: ${reader.tables[i]!.rows} rows, backup.json says ${t.rows}`],
  );
  if (rows && counts.length > 0)
    throw new RestoreError(`restored row counts differ from the backup:\n  ${counts.join('\n  ')}`);
  if (rows) onRowsMatch();
  const wrong = checked.flatMap((t, i) => {
    const got = reader.tables[i]!;
    return got.digest === t.digest
      ? []
      : [
          `${tableName(t)}: ${got.rows} rows restored, content digest ${got.digest}, the backup's ${t.digest}`,
        ];
  });
  if (wrong.length > 0)
    throw new RestoreError(
      `restored content differs from the backup in ${wrong.length} table(s):\n  ${wrong.join('\n  ')}`,
    );
  return checked.length;
}
