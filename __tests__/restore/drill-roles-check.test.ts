/**
 * The roles check of a drill on PostgreSQL 15 or older: what pg_dumpall writes into a roles part
 * (both engines' shapes) passes, with the attributes only a superuser may state on 15 dropped;
 * anything that could reach a pg_*_server_* role, or is not one statement per line, is refused.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { refuseRolesLine, RolesCheck } from '../../src/restore/drill-roles-check.js';

/** The text through the check in chunks of `size` bytes: what psql would read, or the error. */
async function through(text: string, size = 7): Promise<string> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new RolesCheck('roles.sql'),
    new Writable({
      write: (c: Buffer, _e, done) => {
        out.push(c);
        done();
      },
    }),
  );
  return Buffer.concat(out).toString();
}

// As the pg-dump engine stores it (pg_dumpall 15, reserved roles commented out), shortened.
const PG_DUMPALL = `--
-- PostgreSQL database cluster dump
--

-- \\restrict OMVAqmC3b2dBhZV65avlYeDVR01B7h08kTwXBQnmeb6s19KsdCniLUJaRKcn1oT

SET default_transaction_read_only = off;

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

CREATE ROLE "Weird Role ü";
ALTER ROLE "Weird Role ü" WITH INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOBYPASSRLS VALID UNTIL '2099-12-31 00:00:00+00';
-- CREATE ROLE "anon";
CREATE ROLE "app_reporter";
ALTER ROLE "app_reporter" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 5;
ALTER ROLE "anon" SET "statement_timeout" TO '3s';
ALTER ROLE "app_reporter" SET "search_path" TO 'app', 'public';
ALTER ROLE "app_reporter" IN DATABASE "postgres" SET "work_mem" TO '8MB';
COMMENT ON ROLE "app_reporter" IS 'it''s the reporter';
GRANT "app_editor" TO "Weird Role ü" GRANTED BY "postgres";
GRANT "authenticated" TO "app_reporter" WITH ADMIN OPTION GRANTED BY "postgres";

RESET ALL;

-- custom roles granted to platform roles (added by supabase-backup)
GRANT app_editor TO authenticator;
`;

describe('the roles check (drills on PostgreSQL 15 and older)', () => {
  it('passes what pg_dumpall writes, dropping what only a superuser may state on 15', async () => {
    const out = await through(PG_DUMPALL);
    expect(out.split('\n')).toHaveLength(PG_DUMPALL.split('\n').length);
    expect(out).toContain(
      `ALTER ROLE "app_reporter" WITH INHERIT NOCREATEROLE NOCREATEDB LOGIN CONNECTION LIMIT 5;\n`,
    );
    expect(out).toContain(
      `ALTER ROLE "Weird Role ü" WITH INHERIT NOCREATEROLE NOCREATEDB NOLOGIN VALID UNTIL '2099-12-31 00:00:00+00';\n`,
    );
    expect(out).not.toMatch(/NOBYPASSRLS|NOSUPERUSER|NOREPLICATION/);
    // Everything else unchanged, byte for byte.
    const strip = (s: string) => s.replace(/ NO(SUPERUSER|REPLICATION|BYPASSRLS)/g, '');
    expect(out).toBe(strip(PG_DUMPALL));
  });

  const refused: [string, string, RegExp][] = [
    [
      'a predefined role granted',
      'GRANT "pg_execute_server_program" TO "postgres";',
      /pg_execute_server_program/,
    ],
    [
      'one in a list, unquoted, upper case',
      'GRANT anon, PG_WRITE_SERVER_FILES TO x;',
      /pg_write_server_files/,
    ],
    [
      'a COPY after a statement',
      `CREATE ROLE "a"; COPY (SELECT 1) TO PROGRAM 'touch x';`,
      /not a statement/,
    ],
    [
      'a quote that ends the name early',
      `CREATE ROLE "a"; COPY (SELECT 1) TO PROGRAM 'x'; --";`,
      /not a statement/,
    ],
    [
      'a DO block',
      `DO $$ BEGIN EXECUTE 'GRANT pg_read_server_files TO postgres'; END $$;`,
      /not a statement/,
    ],
    ['a statement over two lines', 'CREATE ROLE\n"a";', /not a statement/],
    ['SUPERUSER', 'ALTER ROLE "a" WITH SUPERUSER;', /SUPERUSER/],
    ['SUPERUSER among others', 'ALTER ROLE "a" WITH INHERIT SUPERUSER LOGIN;', /SUPERUSER/],
    [
      'a predefined role that connects out',
      'GRANT "pg_create_subscription" TO "a" GRANTED BY "postgres";',
      /pg_create_subscription \(a drill grants only pg_read_all_data, /,
    ],
    ['attributes in CREATE ROLE', 'CREATE ROLE "a" CREATEROLE;', /not a statement/],
    ['another client encoding', "SET client_encoding = 'SJIS';", /not a statement/],
    ['backslash escapes in strings', 'SET standard_conforming_strings = off;', /not a statement/],
    ['SET ROLE', 'SET ROLE "a";', /not a statement/],
    [
      'a parameter privilege',
      'GRANT SET ON PARAMETER "session_replication_role" TO "a";',
      /not a statement/,
    ],
    [
      'a value that ends the line early',
      `ALTER ROLE "a" SET "x" TO 'y'; SELECT 1;`,
      /not a statement/,
    ],
  ];
  it.each(refused)('refuses %s, naming the line', async (_name, line, why) => {
    const err = await through(`SET standard_conforming_strings = on;\n${line}\n`).catch(
      (e: Error) => e.message,
    );
    expect(err).toMatch(
      /^refusing the set for a drill on PostgreSQL 15 or older: roles\.sql line 2: /,
    );
    expect(err).toMatch(why);
  });

  it('passes grants of the predefined roles users give to reporting roles, never a server role', () => {
    expect(
      refuseRolesLine('GRANT "pg_read_all_data" TO "metabase" GRANTED BY "postgres";'),
    ).toBeNull();
    expect(refuseRolesLine('GRANT pg_monitor, pg_signal_backend TO "ops";')).toBeNull();
    expect(refuseRolesLine('GRANT pg_monitor, pg_read_server_files TO "ops";')).toMatch(
      /pg_read_server_files/,
    );
  });

  it('drops CREATEROLE, REPLICATION and BYPASSRLS (a set role with CREATEROLE could grant itself pg_execute_server_program on 15)', async () => {
    const text = [
      'CREATE ROLE "manager";',
      'ALTER ROLE "manager" WITH NOSUPERUSER INHERIT CREATEROLE NOCREATEDB LOGIN REPLICATION BYPASSRLS;',
      'ALTER ROLE "bare" WITH CREATEROLE;',
      'GRANT "pg_monitor" TO "manager" GRANTED BY "postgres";',
      '',
    ].join('\n');
    expect(await through(text)).toBe(
      [
        'CREATE ROLE "manager";',
        'ALTER ROLE "manager" WITH INHERIT NOCREATEDB LOGIN;',
        '-- not in a drill: ALTER ROLE "bare" WITH CREATEROLE;',
        'GRANT "pg_monitor" TO "manager" GRANTED BY "postgres";',
        '',
      ].join('\n'),
    );
  });

  it('decides each line by its whole text', () => {
    expect(refuseRolesLine('GRANT "pg_monitor_not" TO "a";')).toMatch(/pg_monitor_not/);
    expect(refuseRolesLine('GRANT "app_pg_role" TO "a";')).toBeNull();
    expect(refuseRolesLine('GRANT "a""b" TO "c" GRANTED BY "postgres";')).toBeNull();
    expect(refuseRolesLine('GRANT "a" TO "b" WITH INHERIT TRUE GRANTED BY "postgres";')).toBeNull();
  });
});
