import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  DropCronJobs,
  ExtensionScan,
  parseExtensionLine,
  planExtensions,
  SkipExtensions,
} from '../../src/restore/drill-extensions.js';

/** Runs text through a stage in chunks of every size from 1 byte, returns each output. */
async function through(make: () => NodeJS.ReadWriteStream, text: string): Promise<string[]> {
  const outs: string[] = [];
  for (const size of [1, 3, 7, 64, text.length]) {
    const chunks: Buffer[] = [];
    const bytes = Buffer.from(text, 'latin1');
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
    await pipeline(
      Readable.from(parts),
      make(),
      new Writable({
        write(c: Buffer, _e, done) {
          chunks.push(c);
          done();
        },
      }),
    );
    outs.push(Buffer.concat(chunks).toString('latin1'));
  }
  return outs;
}

const SCHEMA = [
  'SET statement_timeout = 0;',
  'CREATE EXTENSION IF NOT EXISTS "pg_graphql" WITH SCHEMA "graphql";',
  'COMMENT ON EXTENSION "pg_graphql" IS \'GraphQL support\';',
  'CREATE EXTENSION IF NOT EXISTS "pg_cron" WITH SCHEMA "pg_catalog";',
  'CREATE EXTENSION IF NOT EXISTS moddatetime WITH SCHEMA extensions;',
  'CREATE EXTENSION IF NOT EXISTS "pgsodium";',
  "CREATE FUNCTION f() RETURNS text AS $$ select 'caf\xe9' $$ LANGUAGE sql;",
  '',
].join('\n');

describe('drill extensions', () => {
  it("reads pg_dump's CREATE EXTENSION lines, quoted or not, with or without a schema", () => {
    expect(
      parseExtensionLine('CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA "extensions";'),
    ).toEqual({ name: 'uuid-ossp', schema: 'extensions' });
    expect(parseExtensionLine('CREATE EXTENSION IF NOT EXISTS "pgsodium";')).toEqual({
      name: 'pgsodium',
      schema: null,
    });
    expect(parseExtensionLine('CREATE EXTENSION citext WITH SCHEMA public;')).toEqual({
      name: 'citext',
      schema: 'public',
    });
    expect(
      parseExtensionLine('CREATE EXTENSION IF NOT EXISTS "x" WITH SCHEMA "s"; DROP TABLE t;'),
    ).toBeNull();
    expect(parseExtensionLine('  CREATE EXTENSION IF NOT EXISTS "x";')).toBeNull();
  });

  it('scans the schema part at any chunking', async () => {
    for (let i = 0; i < 5; i++) {
      const scans: ExtensionScan[] = [];
      const outs = await through(() => {
        const s = new ExtensionScan();
        scans.push(s);
        return s;
      }, SCHEMA);
      for (const out of outs) expect(out).toBe(SCHEMA);
      for (const s of scans)
        expect(s.found.map((f) => f.name)).toEqual([
          'pg_graphql',
          'pg_cron',
          'moddatetime',
          'pgsodium',
        ]);
    }
  });

  it('plans: unavailable ones and pg_cron skipped, available allow-listed ones pre-created', () => {
    const found = [
      { name: 'pg_graphql', schema: 'graphql' },
      { name: 'pg_cron', schema: 'pg_catalog' },
      { name: 'moddatetime', schema: 'extensions' },
      { name: 'dblink', schema: 'extensions' },
      { name: 'pgsodium', schema: null },
      { name: 'citext', schema: 'odd$extensions$ schema' },
    ];
    const plan = planExtensions(found, new Set(['pg_cron', 'moddatetime', 'dblink', 'citext']));
    expect([...plan.skipped].sort()).toEqual(['pg_cron', 'pg_graphql', 'pgsodium']);
    expect(plan.preCreateSql).toContain("'moddatetime', 'extensions'");
    // Not allow-listed, or a schema name that is not plain: left to the set.
    expect(plan.preCreateSql).not.toContain('dblink');
    expect(plan.preCreateSql).not.toContain('citext');
    expect(plan.warnings.join('\n')).toContain('pg_graphql, pgsodium');
    expect(plan.warnings.join('\n')).toContain('pg_cron jobs are not drilled');
    expect(planExtensions([], new Set())).toEqual({
      preCreateSql: '',
      skipped: new Set(),
      warnings: [],
    });
  });

  it('comments out the skipped ones only, bytes of other lines unchanged', async () => {
    const outs = await through(
      () => new SkipExtensions(new Set(['pg_graphql', 'pgsodium'])),
      SCHEMA,
    );
    const expected = SCHEMA.replace(
      /^CREATE EXTENSION IF NOT EXISTS "pg_graphql".*$/m,
      '-- drill: an extension skipped',
    )
      .replace(/^COMMENT ON EXTENSION "pg_graphql".*$/m, '-- drill: an extension skipped')
      .replace(/^CREATE EXTENSION IF NOT EXISTS "pgsodium";$/m, '-- drill: an extension skipped');
    for (const out of outs) expect(out).toBe(expected);
    expect(expected).toContain('"pg_cron"');
  });

  it('drops the pg_cron calls of data.sql, never a COPY row that looks like one', async () => {
    const data = [
      'COPY "public"."notes" ("body") FROM stdin;',
      "SELECT cron.schedule('looks', 'like', 'one');",
      '\\.',
      'RESET ALL;',
      "SELECT cron.schedule_in_database('job', '* * * * *', 'select 1', NULL, NULL, true);",
      '',
    ].join('\n');
    for (const out of await through(() => new DropCronJobs(), data))
      expect(out).toBe(data.replace(/^SELECT cron\.schedule_in_database.*\n/m, ''));
  });
});
