/**
 * A hostile set: a real backup whose roles, schema or data part gets a psql meta-command
 * (`\! touch MARKER`), recompressed, with backup.json and SHA256SUMS recomputed so that every
 * digest matches and only the meta-command guard can catch it. Plain psql runs the command (the
 * control); `restore`, `verify --drill` and the drill of a new set (`backup --drill`, fed by a
 * pg_dump that appends the line) refuse it naming the part and line, the marker is never created,
 * the target is untouched and no set is stored. An honest set whose COPY data holds backslashes
 * (`\N`, `\\!`, `\\.`) still restores, and psql's own `\restrict` stops what the guard cannot see.
 * Last, the lexer against psql itself: tricky texts run by plain psql, each one psql runs a
 * command from must be refused.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PsqlGuard } from '../../src/pipeline/psql-guard.js';
import { backupEnv, backupFixture, cli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { pgMajorBinDir } from '../support/pg-majors.js';

interface Part {
  part: string;
  file: string;
  bytes: number;
  sha256: string;
  raw_bytes: number;
  raw_sha256: string;
  compression: string;
}

let source: Cluster;
let target: Cluster;
let setDir: string;
let markers: string;
const systemTmp = process.env.TMPDIR;

beforeAll(async () => {
  // Drills start their own cluster in a temp dir the postgres user (when root) must reach.
  const own = mkdtempSync(join(tmpdir(), 'hostile-tests-'));
  chmodSync(own, 0o777);
  process.env.TMPDIR = own;
  markers = mkdtempSync(join(own, 'markers-'));
  chmodSync(markers, 0o777);
  [source, target] = await Promise.all([startCluster(), startCluster()]);
  await createSupabaseDb(source, 'app', { withUserContent: true });
  // COPY data lines that start with a backslash, and a string holding backslashes: honest.
  await source.psql(
    `CREATE TABLE public.backslashes (id int PRIMARY KEY, body text);
     INSERT INTO public.backslashes VALUES
       (1, E'\\\\! touch ${markers}/FROM-DATA'), (2, NULL), (3, E'\\\\.'), (4, E'a\\nb'), (5, E'\\\\');
     COMMENT ON TABLE public.backslashes IS 'rows like \\! and \\\\ are data';`,
    'app',
  );
  await Promise.all([createSupabaseDb(target, 'app'), createSupabaseDb(target, 'fresh')]);
  ({ setDir } = await backupFixture(source.url('app'), 'hostile-out-'));
});
afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  const own = tmpdir();
  if (systemTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = systemTmp;
  rmSync(own, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const unpack = (p: Part, b: Buffer) =>
  p.compression === 'zstd' ? zstdDecompressSync(b) : p.compression === 'gzip' ? gunzipSync(b) : b;
const pack = (p: Part, b: Buffer) =>
  p.compression === 'zstd' ? zstdCompressSync(b) : p.compression === 'gzip' ? gzipSync(b) : b;

/**
 * A copy of the set whose `part` is rewritten by `edit` (on the plain SQL), stored again the way
 * the backup stores it, with backup.json and SHA256SUMS agreeing: only the guard can tell.
 */
function tampered(part: string, edit: (sql: Buffer) => Buffer, from = setDir): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-set-'));
  cpSync(from, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'backup.json'), 'utf8')) as { parts: Part[] };
  const record = manifest.parts.find((p) => p.part === part)!;
  const raw = edit(unpack(record, readFileSync(join(dir, record.file))));
  const stored = pack(record, raw);
  writeFileSync(join(dir, record.file), stored);
  const oldSha = record.sha256;
  Object.assign(record, {
    bytes: stored.length,
    sha256: sha(stored),
    raw_bytes: raw.length,
    raw_sha256: sha(raw),
  });
  writeFileSync(join(dir, 'backup.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
  expect(sums).toContain(oldSha);
  writeFileSync(join(dir, 'SHA256SUMS'), sums.replace(oldSha, record.sha256));
  return dir;
}

/** Inserts `line` after the first line matching `after`; gives the new text and the line's number. */
function insertAfter(sql: Buffer, after: RegExp, line: string | Buffer): [Buffer, number] {
  const lines = sql.toString('latin1').split('\n');
  const at = lines.findIndex((l) => after.test(l));
  expect(at, `no line matches ${after}`).toBeGreaterThanOrEqual(0);
  lines.splice(at + 1, 0, Buffer.from(line).toString('latin1'));
  return [Buffer.from(lines.join('\n'), 'latin1'), at + 2];
}

/** The names of the target's relations and roles: what any restore would change. */
const targetState = () =>
  target.psql(
    `select string_agg(x, ',' order by x) from (
       select c.oid::regclass::text as x from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
       union all select 'role ' || rolname from pg_roles) s`,
    'app',
  );

const restore = (from: string) =>
  cli(['restore', '--from', from, '--target-url-env', 'T', '--yes'], {
    ...process.env,
    T: target.url('app'),
  });

describe('a set with a psql meta-command', () => {
  const cases: [string, RegExp, (marker: string) => string][] = [
    ['roles', /^SET /, (m) => `\\! touch ${m}`],
    ['schema', /^CREATE TABLE /, (m) => `SELECT 1; \\! touch ${m}`],
    ['data', /^\\\.$/, (m) => `\\! touch ${m}`],
  ];

  it('is run by plain psql (the control: only the guard stands in the way)', async () => {
    const marker = join(markers, 'PLAIN-PSQL');
    const dir = tampered('schema', (sql) => insertAfter(sql, /^SET /, `\\! touch ${marker}`)[0]);
    const manifest = JSON.parse(readFileSync(join(dir, 'backup.json'), 'utf8')) as {
      parts: Part[];
    };
    const part = manifest.parts.find((p) => p.part === 'schema')!;
    const plain = join(dir, 'schema.sql');
    writeFileSync(plain, unpack(part, readFileSync(join(dir, part.file))));
    await target.createDatabase('scratch');
    spawnSync(
      'psql',
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', target.url('scratch'), '-f', plain],
      {
        encoding: 'utf8',
      },
    );
    expect(existsSync(marker)).toBe(true);
  });

  it.each(cases)(
    'in %s.sql: restore refuses it before applying anything',
    async (part, after, line) => {
      const marker = join(markers, `RESTORE-${part}`);
      let lineNo = 0;
      const dir = tampered(part, (sql) => {
        const [text, n] = insertAfter(sql, after, line(marker));
        lineNo = n;
        return text;
      });
      const parts = (
        JSON.parse(readFileSync(join(dir, 'backup.json'), 'utf8')) as { parts: Part[] }
      ).parts;
      expect(parts.map((p) => p.part)).toEqual(expect.arrayContaining(['roles', 'schema', 'data']));
      const verify = await cli(['verify', '--from', dir], process.env);
      expect(verify.code, 'the digests all match').toBe(0);
      const before = await targetState();
      const res = await restore(dir);
      const text = res.stdout + res.stderr;
      expect(res.code, text).not.toBe(0);
      expect(text).toMatch(
        new RegExp(
          String.raw`refusing the set: ${part}\.sql line ${lineNo}: psql meta-command \\! outside COPY data.*nothing was applied`,
        ),
      );
      expect(existsSync(marker)).toBe(false);
      expect(await targetState()).toBe(before);
      console.log(`${part}: ${text.split('\n').find((l) => l.startsWith('error: '))}`);
    },
  );

  it('verify --drill refuses it too, and nothing runs', async () => {
    const marker = join(markers, 'DRILL');
    const dir = tampered('data', (sql) => insertAfter(sql, /^\\\.$/, `\\! touch ${marker}`)[0]);
    const res = await cli(['verify', '--drill', '--from', dir], process.env);
    const text = res.stdout + res.stderr;
    expect(res.code, text).not.toBe(0);
    expect(text).toMatch(/drill FAILED/);
    expect(text).toMatch(/refusing the set: data\.sql line \d+: psql meta-command \\!/);
    expect(existsSync(marker)).toBe(false);
  });

  it('the drill of a new set (backup --drill) refuses it, and the set is not stored', async () => {
    // A pg_dump that appends a meta-command to the data it dumps (what a tampered tool would do).
    const marker = join(markers, 'BACKUP-DRILL');
    const bin = mkdtempSync(join(tmpdir(), 'hostile-pg-'));
    const real = '/usr/lib/postgresql/15/bin';
    symlinkSync(join(real, 'psql'), join(bin, 'psql'));
    symlinkSync(join(real, 'pg_dumpall'), join(bin, 'pg_dumpall'));
    writeFileSync(
      join(bin, 'pg_dump'),
      `#!/bin/bash\nset -o pipefail\n"${real}/pg_dump" "$@" || exit $?\n` +
        `if [[ " $* " == *" --data-only "* ]]; then printf '\\\\! touch %s\\n' '${marker}'; fi\n`,
    );
    chmodSync(join(bin, 'pg_dump'), 0o755);
    const config = writeConfig({ name: 'fixture', db_url_secret: 'SRC', engine: 'pg-dump' });
    const out = mkdtempSync(join(tmpdir(), 'hostile-backup-'));
    const res = await cli(
      ['backup', '--config', config, '--out', out, '--drill', '--pg-bin-dir', bin],
      backupEnv({ SRC: source.url('app') }),
    );
    expect(res.code, res.stderr).not.toBe(0);
    expect(res.stderr).toMatch(/drill FAILED/);
    expect(res.stderr).toMatch(/refusing the set: data\.sql line \d+: psql meta-command \\!/);
    expect(existsSync(marker)).toBe(false);
    const left = existsSync(join(out, 'fixture')) ? readdirSync(join(out, 'fixture')) : [];
    expect(left).toEqual([]);
  });

  it("psql's \\restrict stops what the guard cannot see (a client encoding that swallows a quote)", async () => {
    const marker = join(markers, 'SJIS');
    const sjis = Buffer.concat([
      Buffer.from('SELECT 1 '),
      Buffer.from([0x81]),
      Buffer.from(`' \\! touch ${marker}\n';`),
    ]);
    const dir = tampered('schema', (sql) => {
      const [withEncoding] = insertAfter(sql, /^SET /, "SET client_encoding = 'SJIS';");
      return insertAfter(withEncoding, /^SET client_encoding = 'SJIS';$/, sjis)[0];
    });
    const before = await targetState();
    const res = await restore(dir);
    const text = res.stdout + res.stderr;
    expect(res.code, text).not.toBe(0);
    expect(text).toMatch(/restore failed and was rolled back/);
    expect(text).toMatch(/backslash commands are restricted/);
    expect(existsSync(marker)).toBe(false);
    expect(await targetState()).toBe(before);
  });
});

/**
 * Not the guard's to catch: SQL that asks the drill's server to run a program or write a file on
 * this machine. A drill applies the set as `postgres`, not a superuser (src/restore/drill-roles.ts),
 * so each must fail the drill and the marker must never appear; each one creates its marker when
 * run by a superuser (the control), which is how drills ran before.
 */
describe('a drill of a set whose SQL reaches for the server', () => {
  const attacks: [string, string, RegExp, (marker: string) => string][] = [
    ['COPY TO PROGRAM', 'schema', /^SET /, (m) => `COPY (SELECT 1) TO PROGRAM 'touch ${m}';`],
    ['COPY to a server file', 'schema', /^SET /, (m) => `COPY (SELECT 1) TO '${m}';`],
    [
      'lo_export',
      'schema',
      /^SET /,
      (m) =>
        `SELECT pg_catalog.lo_from_bytea(4242, 'x'::bytea); SELECT pg_catalog.lo_export(4242, '${m}');`,
    ],
    [
      'a grant of pg_execute_server_program first (CREATEROLE), in dynamic SQL',
      'schema',
      /^SET /,
      (m) =>
        `DO $x$ BEGIN EXECUTE 'GRANT pg_execute_server_program TO ' || quote_ident(current_user); EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${m}'''; END $x$;`,
    ],
    [
      'a grant of pg_execute_server_program in the roles part',
      'roles',
      /^SET /,
      (m) =>
        `GRANT pg_execute_server_program TO postgres; COPY (SELECT 1) TO PROGRAM 'touch ${m}';`,
    ],
    [
      'COPY TO PROGRAM after the data',
      'data',
      /^\\\.$/,
      (m) => `COPY (SELECT 1) TO PROGRAM 'touch ${m}';`,
    ],
  ];

  it.each(attacks)(
    '%s (in %s.sql): the control, run by a superuser, creates its marker',
    async (name, _part, _after, sql) => {
      const marker = join(markers, `SUPERUSER-${attacks.findIndex((a) => a[0] === name)}`);
      const db = `control_${attacks.findIndex((a) => a[0] === name)}`;
      await target.createDatabase(db);
      // The roles part's GRANT is taken as given here: the test cluster's postgres is a superuser.
      // The marker is the evidence: COPY itself may then fail with a broken pipe (touch does not
      // read what COPY writes).
      await target.psql(sql(marker), db).catch(() => undefined);
      expect(existsSync(marker)).toBe(true);
    },
  );

  /** The drill's servers: the machine's 15 and, from scripts/pg-majors.sh, 17 (manifest bumped). */
  const servers: [string, () => [string[], (dir: string) => void]][] = [
    ['15', () => [[], () => undefined]],
    [
      '17',
      () => [
        ['--pg-bin-dir', pgMajorBinDir(17)],
        (dir) => {
          const file = join(dir, 'backup.json');
          const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
          writeFileSync(file, JSON.stringify({ ...m, server: { version: '17.0', major: 17 } }));
        },
      ],
    ],
  ];
  const cases = servers.flatMap(([server, setup]) =>
    attacks.map(
      ([name, part, after, sql], i) => [server, name, part, after, sql, i, setup] as const,
    ),
  );

  it.each(cases)(
    'on PostgreSQL %s, %s (in %s.sql): the drill fails and nothing runs here',
    async (server, _name, part, after, sql, i, setup) => {
      const marker = join(markers, `DRILL-${server}-${i}`);
      const dir = tampered(part, (text) => insertAfter(text, after, sql(marker))[0]);
      const [args, edit] = setup();
      edit(dir);
      const res = await cli(['verify', '--drill', '--from', dir, '--json', ...args], process.env);
      const text = res.stdout + res.stderr;
      expect(res.code, text).toBe(1);
      const drill = (
        JSON.parse(res.stdout) as { drill: { ok: boolean; drill_server: string; error: string } }
      ).drill;
      expect(drill.ok).toBe(false);
      expect(drill.drill_server.startsWith(`${server}.`), drill.drill_server).toBe(true);
      expect(drill.error).toMatch(
        /permission denied|must be superuser|must have admin option|privileges of the "?pg_\w+_server_\w+"? role|refusing the set for a drill on PostgreSQL 15/,
      );
      expect(existsSync(marker)).toBe(false);
      console.log(
        `PostgreSQL ${server}, ${part}.sql: ${drill.error.split('\n').find((l) => /ERROR|refusing/.test(l)) ?? drill.error}`,
      );
    },
  );

  // What users have in a roles part: a BI tool's login with pg_read_all_data and pg_monitor, and
  // a role that manages roles (CREATEROLE), as the engines store them (pg_dumpall, NOSUPERUSER and NOREPLICATION dropped).
  const usersRoles = (dir = setDir) =>
    tampered(
      'roles',
      (text) =>
        insertAfter(
          text,
          /^SET standard_conforming_strings/,
          [
            'CREATE ROLE "metabase";',
            'ALTER ROLE "metabase" WITH INHERIT NOCREATEROLE NOCREATEDB LOGIN NOBYPASSRLS;',
            'CREATE ROLE "manager";',
            'ALTER ROLE "manager" WITH INHERIT CREATEROLE NOCREATEDB NOLOGIN NOBYPASSRLS;',
            'GRANT "pg_read_all_data" TO "metabase" GRANTED BY "postgres";',
            'GRANT "pg_monitor" TO "metabase" GRANTED BY "postgres";',
          ].join('\n'),
        )[0],
      dir,
    );
  const drillOf = async (dir: string, setup: () => [string[], (dir: string) => void]) => {
    const [args, edit] = setup();
    edit(dir);
    const res = await cli(['verify', '--drill', '--from', dir, '--json', ...args], process.env);
    const { drill } = JSON.parse(res.stdout) as {
      drill: { ok: boolean; drill_server: string; error?: string };
    };
    return { res, drill };
  };

  it.each(servers)(
    'on PostgreSQL %s, a roles part granting pg_read_all_data and pg_monitor, with a CREATEROLE role, passes a drill',
    async (server, setup) => {
      const { res, drill } = await drillOf(usersRoles(), setup);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(drill.ok).toBe(true);
      expect(drill.drill_server.startsWith(`${server}.`), drill.drill_server).toBe(true);
    },
  );

  it.each(servers)(
    'on PostgreSQL %s, that CREATEROLE role cannot give itself pg_execute_server_program later (schema.sql)',
    async (server, setup) => {
      const marker = join(markers, `MANAGER-${server}`);
      const dir = tampered(
        'schema',
        (text) =>
          insertAfter(
            text,
            /^SET /,
            `SET ROLE "manager"; GRANT pg_execute_server_program TO "manager"; COPY (SELECT 1) TO PROGRAM 'touch ${marker}';`,
          )[0],
        usersRoles(),
      );
      const { res, drill } = await drillOf(dir, setup);
      expect(res.code, res.stdout + res.stderr).toBe(1);
      expect(drill.ok).toBe(false);
      expect(drill.error).toMatch(/permission denied to grant role|must have admin option/);
      expect(existsSync(marker)).toBe(false);
    },
  );
});

describe('an honest set', () => {
  it('restores, COPY data starting with backslashes and the commented-out \\restrict included', async () => {
    const data = (() => {
      const manifest = JSON.parse(readFileSync(join(setDir, 'backup.json'), 'utf8')) as {
        parts: Part[];
      };
      const p = manifest.parts.find((x) => x.part === 'data')!;
      return unpack(p, readFileSync(join(setDir, p.file))).toString();
    })();
    // pg_dump 15.14+ writes the pair; the pg-dump engine stores it as written in data.sql.
    expect(data).toMatch(/^(-- )?\\restrict \S+$/m);
    expect(data).toMatch(/^1\t\\\\! touch /m);
    expect(data).toMatch(/^2\t\\N$/m);
    expect(data).toMatch(/^3\t\\\\\.$/m);
    const res = await cli(['restore', '--from', setDir, '--target-url-env', 'T', '--yes'], {
      ...process.env,
      T: target.url('fresh'),
    });
    expect(res.code, res.stderr).toBe(0);
    expect(await target.psql('select count(*) from public.backslashes', 'fresh')).toBe('5');
    expect(existsSync(join(markers, 'FROM-DATA'))).toBe(false);
  });

  it('made by the supabase-cli engine (the default) passes a drill', async () => {
    const config = writeConfig({ name: 'fixture', db_url_secret: 'SRC' });
    const out = mkdtempSync(join(tmpdir(), 'hostile-cli-'));
    const backup = await cli(
      ['backup', '--config', config, '--out', out],
      backupEnv({ SRC: source.url('app') }),
    );
    expect(backup.code, backup.stderr).toBe(0);
    const dir = join(out, 'fixture', readdirSync(join(out, 'fixture'))[0]!);
    // Its roles already exist in the target cluster (restored above): a drill has a cluster of its own.
    const res = await cli(['verify', '--drill', '--from', dir], process.env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toMatch(/drill passed/);
    expect(existsSync(join(markers, 'FROM-DATA'))).toBe(false);
  });
});

/**
 * The lexer against psql itself: each text is run by plain psql (ON_ERROR_STOP, no \\restrict)
 * and given to the guard. Whenever psql creates the marker, the guard must have refused the text;
 * the texts marked honest must pass it.
 */
describe('the guard against real psql', () => {
  /** hostile: psql runs it; stricter: psql does not, but the guard cannot tell and refuses. */
  const texts: [
    string,
    'honest' | 'hostile' | 'stricter',
    (m: string) => string | Buffer,
    boolean?,
  ][] = [
    ['at a line start', 'hostile', (m) => `\\! touch ${m}\n`],
    ['after a statement', 'hostile', (m) => `SELECT 1; \\! touch ${m}\n`],
    ['after \\;', 'hostile', (m) => `SELECT 1 \\; \\! touch ${m}\n`],
    ['after a -- comment ended by \\r', 'hostile', (m) => `-- c\r\\! touch ${m}\n`],
    ['after a nested comment', 'hostile', (m) => `/* a /* b */ c */ \\! touch ${m}\n`],
    ['inside a nested comment', 'honest', (m) => `/* a /* b */ \\! touch ${m} */ SELECT 1;\n`],
    ['inside a -- comment', 'honest', (m) => `SELECT 1; -- \\! touch ${m}\n`],
    ['inside a string and an identifier', 'honest', (m) => `SELECT '\\! touch ${m}' AS "\\! x";\n`],
    ['inside a dollar body', 'honest', (m) => `SELECT $a$ $b$ \\! touch ${m} $a$;\n`],
    ['after a dollar body', 'hostile', (m) => `SELECT $a$ $b$ $a$; \\! touch ${m}\n`],
    ['after a doubled quote', 'hostile', (m) => `SELECT 'it''s'; \\! touch ${m}\n`],
    ["inside an E'' string with \\'", 'honest', (m) => `SELECT E'it\\'s \\! touch ${m}';\n`],
    ["after an E'' string with \\'", 'hostile', (m) => `SELECT E'it\\'s'; \\! touch ${m}\n`],
    [
      "after 1.e'...' (an E'' string to psql 15, not to psql 16+)",
      'stricter',
      (m) => `SELECT 1.e'\\'; \\! touch ${m}; --';\n`,
    ],
    [
      'hidden by standard_conforming_strings = off',
      'hostile',
      (m) => `SET standard_conforming_strings = off;\nSELECT 'a\\'';\n\\! touch ${m}\n';\n`,
    ],
    ['after a name ending in $', 'hostile', (m) => `SELECT 1 AS x$$ \\! touch ${m}\n`],
    ['after a number and $$', 'stricter', (m) => `SELECT 1$$ \\! touch ${m} $$;\n`],
    [
      'in COPY data',
      'honest',
      (m) => `COPY public.t (a) FROM stdin;\n\\! touch ${m}\n\\N\n\\.\nSELECT 1;\n`,
    ],
    [
      'in COPY data with CRLF line ends',
      'honest',
      (m) => `COPY public.t (a) FROM stdin;\r\n\\! touch ${m}\r\n\\.\r\nSELECT 1;\r\n`,
    ],
    [
      'in COPY data after a bad row (ON_ERROR_STOP stops psql)',
      'honest',
      (m) => `COPY public.t (a) FROM stdin;\nx\ty\n\\! touch ${m}\n\\.\n`,
    ],
    [
      'in the data of a COPY that fails (ON_ERROR_STOP stops psql)',
      'honest',
      (m) => `COPY public.nope (a) FROM stdin;\n\\! touch ${m}\n\\.\n`,
    ],
    [
      'after COPY data',
      'hostile',
      (m) => `COPY public.t (a) FROM stdin;\nx\n\\.\n\\! touch ${m}\n`,
    ],
    [
      'in a COPY that BEGIN ATOMIC keeps open',
      'hostile',
      (m) =>
        `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\nCOPY public.t (a) FROM stdin;\n\\! touch ${m}\n\\.\nEND;\n`,
    ],
    [
      'after a quote swallowed under SJIS (refused only without \\restrict)',
      'hostile',
      (m) =>
        Buffer.concat([
          Buffer.from("SET client_encoding = 'SJIS';\nSELECT 1 "),
          Buffer.from([0x81]),
          Buffer.from(`' \\! touch ${m}\n';\n`),
        ]),
      true,
    ],
  ];

  async function guarded(text: Buffer, asciiOnly: boolean): Promise<string | null> {
    try {
      await pipeline(
        Readable.from([text]),
        new PsqlGuard('t.sql', { asciiOnly }),
        new Writable({ write: (_c, _e, cb) => cb() }),
      );
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }

  beforeAll(async () => {
    await target.createDatabase('oracle');
    await target.psql('CREATE TABLE public.t (a text)', 'oracle');
  });

  it('refuses every text psql runs a command from', async () => {
    const rows: string[] = [];
    for (const [name, kind, make, asciiOnly] of texts) {
      const marker = join(markers, `ORACLE-${rows.length}`);
      const text = Buffer.from(make(marker));
      const file = join(markers, `oracle-${rows.length}.sql`);
      writeFileSync(file, text);
      spawnSync('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        target.url('oracle'),
        '-f',
        file,
      ]);
      const ran = existsSync(marker);
      const refused = await guarded(text, asciiOnly ?? false);
      rows.push(`| ${name} | ${ran ? 'runs it' : 'no'} | ${refused ? 'refused' : 'passed'} |`);
      if (ran) expect(refused, `${name}: psql ran it`).not.toBeNull();
      if (kind === 'honest') expect(refused, name).toBeNull();
      if (kind === 'hostile') expect(ran, `${name}: psql runs it`).toBe(true);
      if (kind === 'stricter') expect([ran, refused !== null], name).toEqual([false, true]);
    }
    console.log(`| text | plain psql | guard |\n| --- | --- | --- |\n${rows.join('\n')}`);
  });

  it('refuses every random text psql runs a command from (seeded, 120 texts of tricky tokens)', async () => {
    // mulberry32: the same texts on every run; FUZZ_SEED picks others.
    let seed = Number(process.env.FUZZ_SEED ?? 20261207);
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
    const tokens = [
      ...[`'`, `"`, `$$`, `$a$`, `E'`, `e'`, `\\`, `\\'`, `\\\\`, `--`, `/*`, `*/`, `''`, `U&'`],
      ...['\n', '\r', ';', '(', ')', ' ', 'x', '1', 'e', ':', '.', '-', '/', '*', '$', '$1'],
      ...['COPY public.t (a) FROM stdin;\n', '\\.\n', 'SELECT 1;\n', 'BEGIN ', 'END;', 'ATOMIC '],
      ...['CREATE FUNCTION f() RETURNS int LANGUAGE sql ', '\\restrict k\n'],
      ...['SET standard_conforming_strings = off;\n', 'SET standard_conforming_strings = on;\n'],
    ];
    let ran = 0;
    for (let n = 0; n < 120; n++) {
      const marker = join(markers, `FUZZ-${n}`);
      const parts = Array.from({ length: 2 + Math.floor(random() * 14) }, () =>
        random() < 0.05 ? `\\! touch ${marker}\n` : tokens[Math.floor(random() * tokens.length)]!,
      );
      parts.splice(Math.floor(random() * (parts.length + 1)), 0, `\\! touch ${marker}\n`);
      const text = Buffer.from(parts.join(''));
      const file = join(markers, 'fuzz.sql');
      writeFileSync(file, text);
      spawnSync('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        target.url('oracle'),
        '-f',
        file,
      ]);
      if (!existsSync(marker)) continue;
      ran++;
      expect(await guarded(text, false), JSON.stringify(text.toString())).not.toBeNull();
    }
    // Enough of them reach psql's meta-command for the check to mean something.
    console.log(
      `random texts: psql ran the command from ${ran} of 120, the guard refused them all`,
    );
    expect(ran).toBeGreaterThan(25);
  });
});
