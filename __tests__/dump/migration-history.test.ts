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
  it('creates only what the target lacks, in one DO line, then one upsert per row', () => {
    const { sql, warnings } = renderMigrationHistory([SCHEMA_MIGRATIONS]);
    expect(warnings).toEqual([]);
    expect(sql).toHaveLength(3);
    expect(sql[0]).toBe(
      'DO $supabase_backup$ BEGIN ' +
        `IF to_regnamespace('"supabase_migrations"') IS NULL THEN EXECUTE 'CREATE SCHEMA "supabase_migrations"'; END IF; ` +
        `IF to_regclass('"supabase_migrations"."schema_migrations"') IS NULL THEN EXECUTE 'CREATE TABLE "supabase_migrations"."schema_migrations" ("version" text NOT NULL, PRIMARY KEY ("version"))'; END IF; ` +
        `IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = '"supabase_migrations"."schema_migrations"'::regclass AND attname = 'statements' AND NOT attisdropped) THEN EXECUTE 'ALTER TABLE "supabase_migrations"."schema_migrations" ADD COLUMN "statements" text[]'; END IF; ` +
        `IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = '"supabase_migrations"."schema_migrations"'::regclass AND attname = 'name' AND NOT attisdropped) THEN EXECUTE 'ALTER TABLE "supabase_migrations"."schema_migrations" ADD COLUMN "name" text'; END IF; ` +
        'END $supabase_backup$;',
    );
    expect(sql[1]).toBe(
      `INSERT INTO "supabase_migrations"."schema_migrations" ("version", "statements", "name") VALUES ('20240101000000', '{"create table t (id int)"}', 'init') ON CONFLICT ("version") DO UPDATE SET "statements" = EXCLUDED."statements", "name" = EXCLUDED."name";`,
    );
    expect(sql[2]).toContain(`VALUES ('20240202000000', E'`);
    expect(sql[2]).toContain(', NULL) ON CONFLICT');
    for (const line of sql) expect(line).not.toContain('\n');
  });

  it('falls back to IF NOT EXISTS DDL when a name holds the dollar-quote tag', () => {
    const odd = { ...SCHEMA_MIGRATIONS, name: 'x$supabase_backup$y', rows: [] };
    expect(renderMigrationHistory([odd]).sql).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "supabase_migrations";',
      'CREATE TABLE IF NOT EXISTS "supabase_migrations"."x$supabase_backup$y" ("version" text NOT NULL, PRIMARY KEY ("version"));',
      'ALTER TABLE "supabase_migrations"."x$supabase_backup$y" ADD COLUMN IF NOT EXISTS "statements" text[];',
      'ALTER TABLE "supabase_migrations"."x$supabase_backup$y" ADD COLUMN IF NOT EXISTS "name" text;',
    ]);
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
