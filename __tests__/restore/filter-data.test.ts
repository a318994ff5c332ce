/** The --tables filter of data.sql: same output whatever the chunk boundaries, bytes untouched. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { PsqlGuard } from '../../src/pipeline/psql-guard.js';
import { DropCronJobs } from '../../src/restore/drill-extensions.js';
import { DataSqlFilter, filterDataFile, type DataFilter } from '../../src/restore/filter-data.js';
import { parseTableName, tableKey } from '../../src/restore/selection.js';

const DATA_SQL = [
  'SET session_replication_role = replica;',
  '\\restrict abc',
  "SELECT pg_catalog.set_config('search_path', '', false);",
  'COPY "public"."customers" ("id", "name") FROM stdin;',
  '1\tÄnne \\\\. not the end',
  '2\t\\N',
  '\\.',
  '',
  'COPY "Mixed Case-Schema"."Table With ""Quotes"" and Spaces" ("id") FROM stdin;',
  '1',
  "SELECT cron.schedule('a row, not a job');",
  '\\.',
  'COPY public.orders (id) FROM stdin;',
  `3\t${'x'.repeat(70_000)}`,
  '\\.',
  'COPY "app"."tasks" ("id") FROM stdin;',
  '4',
  '\\.',
  `SELECT pg_catalog.setval('"public"."orders_id_seq"', 987654, true);`,
  `SELECT pg_catalog.setval('"app"."tasks_id_seq"', 340, true);`,
  `SELECT pg_catalog.setval('public.customers_id_seq', 50, true);`,
  'RESET ALL;',
  'REFRESH MATERIALIZED VIEW app.daily_order_stats;',
  'REFRESH MATERIALIZED VIEW "app"."other";',
  "SELECT cron.schedule_in_database('tick', '* * * * *', E'select 1\\n', NULL, NULL, true) WHERE true;",
  '',
].join('\n');

const FILTER: DataFilter = {
  tables: new Set([
    tableKey('public', 'orders'),
    tableKey('Mixed Case-Schema', 'Table With "Quotes" and Spaces'),
  ]),
  sequences: new Set([tableKey('public', 'orders_id_seq')]),
  matviews: new Set([tableKey('app', 'daily_order_stats')]),
};

const EXPECTED = [
  'SET session_replication_role = replica;',
  '\\restrict abc',
  "SELECT pg_catalog.set_config('search_path', '', false);",
  '',
  'COPY "Mixed Case-Schema"."Table With ""Quotes"" and Spaces" ("id") FROM stdin;',
  '1',
  "SELECT cron.schedule('a row, not a job');",
  '\\.',
  'COPY public.orders (id) FROM stdin;',
  `3\t${'x'.repeat(70_000)}`,
  '\\.',
  `SELECT pg_catalog.setval('"public"."orders_id_seq"', 987654, true);`,
  'RESET ALL;',
  'REFRESH MATERIALIZED VIEW app.daily_order_stats;',
  '',
].join('\n');

async function run(chunkSize: number): Promise<{ out: string; kept: Set<string> }> {
  const bytes = Buffer.from(DATA_SQL);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const filter = new DataSqlFilter(FILTER);
  const out = await buffer(Readable.from(chunks).pipe(filter));
  return { out: out.toString('utf8'), kept: filter.kept };
}

describe('data.sql filter for --tables', () => {
  for (const size of [1, 2, 3, 7, 64, 4096, 1 << 20]) {
    it(`keeps the chosen COPY blocks, sequences and views (chunks of ${size} bytes)`, async () => {
      const { out, kept } = await run(size);
      expect(out).toBe(EXPECTED);
      expect([...kept].sort()).toEqual([...FILTER.tables].sort());
    });
  }

  it('fails on a dump that ends inside a COPY block', async () => {
    const filter = new DataSqlFilter(FILTER);
    await expect(
      buffer(Readable.from([Buffer.from('COPY public.orders (id) FROM stdin;\n1\n')]).pipe(filter)),
    ).rejects.toThrow(/ends inside a COPY block/);
  });

  it('refuses a COPY line that names no schema.table: whose rows follow is unknown', async () => {
    const filter = new DataSqlFilter(FILTER);
    await expect(
      buffer(
        Readable.from([Buffer.from('SET x = 1;\nCOPY orders (id) FROM stdin;\n1\n\\.\n')]).pipe(
          filter,
        ),
      ),
    ).rejects.toThrow(/data\.sql line 2: a COPY line that names no schema\.table/);
  });

  it('drops the same pg_cron lines as the drill, never a row (one shared reading of data.sql)', async () => {
    const everything: DataFilter = {
      tables: new Set([
        ...FILTER.tables,
        tableKey('public', 'customers'),
        tableKey('app', 'tasks'),
      ]),
      sequences: new Set([
        ...FILTER.sequences,
        tableKey('app', 'tasks_id_seq'),
        tableKey('public', 'customers_id_seq'),
      ]),
      matviews: new Set([...FILTER.matviews, tableKey('app', 'other')]),
    };
    const filtered = await buffer(
      Readable.from([Buffer.from(DATA_SQL)]).pipe(new DataSqlFilter(everything)),
    );
    const drilled = await buffer(Readable.from([Buffer.from(DATA_SQL)]).pipe(new DropCronJobs()));
    expect(filtered.equals(drilled)).toBe(true);
    expect(filtered.toString()).toBe(
      DATA_SQL.replace(/^SELECT cron\.schedule_in_database.*\n/m, ''),
    );
  });

  it('parses table names as psql prints them, quoted or not', () => {
    expect(parseTableName('app.orders')).toEqual(['app', 'orders']);
    expect(parseTableName('"Mixed Case-Schema"."Table With ""Quotes"" and Spaces"')).toEqual([
      'Mixed Case-Schema',
      'Table With "Quotes" and Spaces',
    ]);
    expect(() => parseTableName('orders')).toThrow(/is not schema\.table/);
    expect(() => parseTableName('a.b.c')).toThrow(/is not schema\.table/);
  });
});

describe('filterDataFile', () => {
  it('checks what psql will read again: a dropped line may have opened a comment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filter-guard-'));
    const from = join(dir, 'data.sql');
    const hostile = [
      "SELECT pg_catalog.setval('public.unwanted_seq', 1, true); /*",
      '\\! touch MARKER',
      '*/',
      '',
    ].join('\n');
    writeFileSync(from, hostile);
    // The whole part is honest SQL to psql: the command sits inside a comment.
    const passed = await buffer(
      Readable.from([Buffer.from(hostile)]).pipe(new PsqlGuard('data.sql')),
    );
    expect(passed.toString()).toBe(hostile);
    // Without the setval line (its sequence is not wanted), the comment is gone.
    const none = {
      tables: new Set<string>(),
      sequences: new Set<string>(),
      matviews: new Set<string>(),
    };
    await expect(
      filterDataFile(
        from,
        join(dir, 'out.sql'),
        none,
        new PsqlGuard('data.sql (filtered for --tables)'),
      ),
    ).rejects.toThrow(/data\.sql \(filtered for --tables\) line 1: psql meta-command \\!/);
  });
});
