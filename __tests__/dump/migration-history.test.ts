import { describe, expect, it } from 'vitest';
import { renderMigrationHistory, type HistoryTable } from '../../src/dump/migration-history.js';

const SCHEMA_MIGRATIONS: HistoryTable = {
  name: 'schema_migrations',
  columns: [
    { name: 'version', type: 'text', notNull: true },
    { name: 'statements', type: 'text[]', notNull: false },
    { name: 'name', type: 'text', notNull: false },
  ],
  key: ['version'],
  rows: [
    ['20240101000000', '{"create table t (id int)"}', 'init'],
    ['20240202000000', '{"select E\'\\\\\\\\d\'","-- it\'s\\nnext"}', null],
  ],
};

describe('renderMigrationHistory', () => {
  it('writes the CLI-style idempotent DDL and one upsert per row', () => {
    const { sql, warnings } = renderMigrationHistory([SCHEMA_MIGRATIONS]);
    expect(warnings).toEqual([]);
    expect(sql.slice(0, 4)).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "supabase_migrations";',
      'CREATE TABLE IF NOT EXISTS "supabase_migrations"."schema_migrations" ("version" text NOT NULL, PRIMARY KEY ("version"));',
      'ALTER TABLE "supabase_migrations"."schema_migrations" ADD COLUMN IF NOT EXISTS "statements" text[];',
      'ALTER TABLE "supabase_migrations"."schema_migrations" ADD COLUMN IF NOT EXISTS "name" text;',
    ]);
    expect(sql[4]).toBe(
      `INSERT INTO "supabase_migrations"."schema_migrations" ("version", "statements", "name") VALUES ('20240101000000', '{"create table t (id int)"}', 'init') ON CONFLICT ("version") DO UPDATE SET "statements" = EXCLUDED."statements", "name" = EXCLUDED."name";`,
    );
    expect(sql[5]).toContain(`VALUES ('20240202000000', E'`);
    expect(sql[5]).toContain(', NULL) ON CONFLICT');
    for (const line of sql) expect(line).not.toContain('\n');
  });

  it('writes nothing when the source has no supabase_migrations tables', () => {
    expect(renderMigrationHistory([])).toEqual({ sql: [], warnings: [] });
  });

  it('leaves out a column whose type it would have to write as unchecked SQL, and says so', () => {
    const odd: HistoryTable = {
      name: 'seed_files',
      columns: [
        { name: 'path', type: 'text', notNull: true },
        { name: 'hash', type: 'text', notNull: true },
        { name: 'x', type: 'public."my type"); DROP TABLE t; --', notNull: false },
      ],
      key: ['path'],
      rows: [['supabase/seed.sql', 'abc', 'v']],
    };
    const { sql, warnings } = renderMigrationHistory([odd]);
    expect(sql.join('\n')).not.toContain('DROP TABLE');
    expect(sql.at(-1)).toBe(
      `INSERT INTO "supabase_migrations"."seed_files" ("path", "hash") VALUES ('supabase/seed.sql', 'abc') ON CONFLICT ("path") DO UPDATE SET "hash" = EXCLUDED."hash";`,
    );
    expect(warnings).toEqual([
      expect.stringContaining('supabase_migrations.seed_files.x has type'),
    ]);
  });
});
