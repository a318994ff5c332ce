/**
 * The refusal matrix: every way a restore must refuse (a non-empty target without --force, no
 * --yes, the action's wrong confirm, a damaged set: bit flip, truncation, missing part, extra
 * file) and a restore that fails midway each exit non-zero with a clear message and leave the
 * target exactly as it was, checked by fingerprinting the target's catalog and table contents
 * before and after. A restore checks the stored files' digests while it streams them into its
 * transaction: the cases into an empty new project ("fresh") get all the way to the end of the
 * data before the mismatch is seen, and must still leave it unchanged. The matrix is printed for
 * the record.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../support/action.js';
import { backupFixture, cli, type CliResult } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

let source: Cluster;
let target: Cluster;
let setDir: string;
let config: string;

/** The target: a new project's base, plus a user table that the set's schema also creates. */
const TARGET_CONTENT = `CREATE TABLE public.customers (id int PRIMARY KEY, name text);
INSERT INTO public.customers VALUES (1, 'kept'), (2, 'also kept');`;

beforeAll(async () => {
  [source, target] = await Promise.all([startCluster(), startCluster()]);
  await createSupabaseDb(source, 'app', { withUserContent: true });
  await createSupabaseDb(target, 'app');
  await createSupabaseDb(target, 'fresh');
  await target.psql(TARGET_CONTENT, 'app');
  ({ config, setDir } = await backupFixture(source.url('app'), 'refusals-out-'));
});
afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

/**
 * What a restore could change, as one comparable value: the names of relations, schemas,
 * functions, policies, triggers and roles, and every table's row count and content digest.
 */
async function fingerprint(db = 'app'): Promise<string> {
  const catalog = await target.psql(
    `select md5(string_agg(x, E'\\n' order by x)) from (
       select 'rel ' || c.oid::regclass::text || ' ' || c.relkind::text as x from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
       union all select 'schema ' || nspname from pg_namespace
       union all select 'function ' || p.oid::regprocedure::text from pg_proc p
         join pg_namespace n on n.oid = p.pronamespace
         where n.nspname not in ('pg_catalog', 'information_schema')
       union all select 'policy ' || polrelid::regclass::text || ' ' || polname from pg_policy
       union all select 'trigger ' || tgrelid::regclass::text || ' ' || tgname from pg_trigger
         where not tgisinternal
       union all select 'role ' || rolname from pg_roles
       union all select 'sequence ' || c.oid::regclass::text || ' ' || coalesce(s.last_value::text, 'unset')
         from pg_sequences s
         join pg_class c on c.relname = s.sequencename
         join pg_namespace n on n.oid = c.relnamespace and n.nspname = s.schemaname) names`,
    db,
  );
  const tables = (
    await target.psql(
      `select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
       order by 1`,
      db,
    )
  ).split('\n');
  const contents = await target.psql(
    tables
      .map(
        (t) =>
          `select '${t.replace(/'/g, "''")}' || ' ' || count(*) || ' ' || md5(coalesce(string_agg(r::text, E'\\n' order by r::text), '')) from only ${t} r`,
      )
      .join('\nunion all\n') + '\norder by 1',
    db,
  );
  return `${catalog}\n${contents}`;
}

/** A copy of the set, damaged by `damage` (given the copy's directory and its data file). */
function damagedSet(damage: (dir: string, data: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'refusals-set-'));
  cpSync(setDir, dir, { recursive: true });
  const data = readdirSync(dir).find((f) => f.startsWith('data.sql'))!;
  damage(dir, join(dir, data));
  return dir;
}

/**
 * The data part with its SQL changed but still valid (a comment line before the first COPY),
 * compressed again to the same size (level 19, then a zstd skippable frame as padding, which
 * decompressors skip): only its digests tell it from the original.
 */
function rewriteData(data: string): void {
  const original = readFileSync(data);
  const sql = execFileSync('zstd', ['-dqc', data], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const at = sql.indexOf('\nCOPY ');
  if (at < 0) throw new Error('the fixture data part has no COPY');
  const changed = `${sql.slice(0, at + 1)}-- changed after the backup\n${sql.slice(at + 1)}`;
  const packed = execFileSync('zstd', ['-19', '-qc'], { input: changed, maxBuffer: 1 << 28 });
  const pad = original.length - packed.length - 8;
  if (pad < 0) throw new Error('the changed data part does not compress small enough');
  const skippable = Buffer.alloc(8 + pad);
  skippable.writeUInt32LE(0x184d2a50, 0);
  skippable.writeUInt32LE(pad, 4);
  writeFileSync(data, Buffer.concat([packed, skippable]));
}

const targetEnv = (db: string) => ({ ...process.env, T: target.url(db) });
const restore = (from: string, flags: string[], db = 'app') =>
  cli(['restore', '--from', from, '--target-url-env', 'T', ...flags], targetEnv(db));

/** command: restore in the action (dist/index.js), from the set directory in the workspace. */
async function actionRestore(confirm: string): Promise<CliResult> {
  const run = await runAction({
    inputs: {
      command: 'restore',
      config,
      projects: 'fixture',
      from: setDir,
      'target-url-secret': 'TARGET_DB_URL',
      force: 'true',
      confirm,
    },
    env: { ...process.env, TARGET_DB_URL: target.url('app') },
  });
  rmSync(run.temp, { recursive: true, force: true });
  // Read as one text, in the order it was printed (the matrix takes its first error line).
  return { code: run.code, stdout: run.log, stderr: '' };
}

interface Case {
  name: string;
  how: string;
  run: () => Promise<CliResult>;
  message: RegExp;
  /** The target database (default app, which holds public.customers). */
  db?: string;
}

const cases: Case[] = [
  {
    name: 'non-empty target without --force',
    how: 'restore --yes',
    run: () => restore(setDir, ['--yes']),
    message:
      /the target already holds 1 user table\(s\) \(public\.customers\).*nothing was changed/,
  },
  {
    name: 'missing --yes',
    how: 'restore --force',
    run: () => restore(setDir, ['--force']),
    message: /restore changes the target database: run again with --yes/,
  },
  {
    name: 'wrong confirm (action)',
    how: 'command: restore, confirm: fixtures',
    run: () => actionRestore('fixtures'),
    message: /set the confirm input to the project's name \("fixture"\) to go ahead/,
  },
  {
    name: 'corrupted set: bit flip',
    how: 'restore --yes --force, one bit of data.sql.zst flipped',
    run: () =>
      restore(
        damagedSet((_dir, data) => {
          const bytes = readFileSync(data);
          bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
          writeFileSync(data, bytes);
        }),
        ['--yes', '--force'],
      ),
    // Same size: found while streaming. Here schema.sql fails first (public.customers exists).
    message: /restore failed and was rolled back; the target is unchanged/,
  },
  {
    name: 'corrupted set: bit flip, into a new project',
    how: 'restore --yes into an empty project, one bit of data.sql.zst flipped',
    db: 'fresh',
    run: () =>
      restore(
        damagedSet((_dir, data) => {
          const bytes = readFileSync(data);
          bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
          writeFileSync(data, bytes);
        }),
        ['--yes'],
        'fresh',
      ),
    message:
      /data\.sql\.zst (cannot be read back|differs from backup\.json|decompresses to content that differs).*nothing was changed/,
  },
  {
    name: 'corrupted set: valid but changed data part, into a new project',
    how: 'restore --yes into an empty project, data.sql changed and compressed again',
    db: 'fresh',
    run: () =>
      restore(
        damagedSet((_dir, data) => rewriteData(data)),
        ['--yes'],
        'fresh',
      ),
    message:
      /data\.sql\.zst differs from backup\.json \(\d+ bytes, sha256 [0-9a-f]{64}; expected \d+ bytes, [0-9a-f]{64}\); the transaction was rolled back, nothing was changed/,
  },
  {
    name: 'corrupted set: truncation',
    how: 'restore --yes --force, data.sql.zst cut short',
    run: () =>
      restore(
        damagedSet((_dir, data) => truncateSync(data, Math.floor(readFileSync(data).length / 2))),
        ['--yes', '--force'],
      ),
    message:
      /refusing to restore a damaged or incomplete set.*\n\s+data\.sql\.(zst|gz): truncated: \d+ bytes, expected \d+/,
  },
  {
    name: 'corrupted set: missing part file',
    how: 'restore --yes --force, schema.sql.zst deleted',
    run: () =>
      restore(
        damagedSet((dir) =>
          rmSync(
            join(
              dir,
              readdirSync(dir).find((f) => f.startsWith('schema.sql'))!,
            ),
          ),
        ),
        ['--yes', '--force'],
      ),
    message: /refusing to restore a damaged or incomplete set.*\n\s+schema\.sql\.(zst|gz): missing/,
  },
  {
    name: 'corrupted set: extra file',
    how: 'restore --yes --force, extra.sql added',
    run: () =>
      restore(
        damagedSet((dir) => writeFileSync(join(dir, 'extra.sql'), 'DROP SCHEMA public CASCADE;\n')),
        ['--yes', '--force'],
      ),
    message:
      /refusing to restore a damaged or incomplete set.*\n\s+extra\.sql: unexpected file in the set/,
  },
  {
    name: 'fails midway (conflicting object)',
    how: 'restore --yes --force into a target that has public.customers',
    run: () => restore(setDir, ['--yes', '--force']),
    message:
      /restore failed and was rolled back; the target is unchanged:\nschema\.sql line \d+: ERROR: {2}relation "customers" already exists\n {2}statement:\n {4}CREATE TABLE "public"\."customers"/,
  },
];

describe('restore refusals', () => {
  const matrix: string[][] = [];
  afterAll(() => {
    const header = ['case', 'how', 'exit', 'message', 'target unchanged'];
    const rows = [header, header.map(() => '---'), ...matrix];
    console.log(`Refusal matrix:\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
  });

  it('the fingerprint sees a changed row, a new table and a new role (control)', async () => {
    const before = await fingerprint();
    for (const change of [
      [
        "UPDATE public.customers SET name = 'changed' WHERE id = 1",
        "UPDATE public.customers SET name = 'kept' WHERE id = 1",
      ],
      ['CREATE TABLE public.extra ()', 'DROP TABLE public.extra'],
      ['CREATE ROLE refusals_probe', 'DROP ROLE refusals_probe'],
    ]) {
      await target.psql(change[0]!, 'app');
      expect(await fingerprint()).not.toBe(before);
      await target.psql(change[1]!, 'app');
      expect(await fingerprint()).toBe(before);
    }
  });

  it.each(cases)('$name: refused, clear message, target unchanged', async (c) => {
    const before = await fingerprint(c.db);
    const res = await c.run();
    const after = await fingerprint(c.db);
    const text = res.stderr + res.stdout;
    const lines = text.split('\n');
    const at = lines.findIndex((l) => /^(error: |::error::)/.test(l));
    let line = at === -1 ? '' : lines[at]!.replace(/^(error: |::error::)/, '');
    // "...; nothing was changed:" is followed by the problem (or statement) it is about.
    if (line.endsWith(':') && lines[at + 1]) line += ` ${lines[at + 1]!.trim()}`;
    matrix.push([
      c.name,
      `\`${c.how}\``,
      String(res.code),
      line
        .replace(/^(::error::|Error: )/, '')
        .replace(/\/tmp\/[^ )]+/g, '<tmp>')
        .replace(/\|/g, '\\|')
        .slice(0, 160),
      after === before ? 'yes' : 'NO',
    ]);
    expect(res.code, text).not.toBe(0);
    expect(text).toMatch(c.message);
    expect(after).toBe(before);
  });
});
