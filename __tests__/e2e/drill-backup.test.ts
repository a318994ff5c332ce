/**
 * Drills that prove a backup: `backup --drill` (and `drill: true`) restore the staged set into a
 * throwaway cluster and compare row counts and per-table content digests before the set is
 * committed; a drill catches a set whose data is another database's even when every file digest
 * and row count agrees; a set whose drill fails is not stored and the run fails.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupJson, type BackupManifest } from '../../src/catalog/backup-json.js';
import { SUPABASE_BASE_SQL } from '../../src/restore/supabase-base.sql.js';
import { backupEnv, cli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

let source: Cluster;
beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
  // Not UTC: the digests must not depend on the source's time zone setting.
  await source.psql(`ALTER DATABASE app SET timezone = 'Asia/Kolkata'`);
  // The same database with one value changed: equal row counts, other content.
  await createSupabaseDb(source, 'other', { withUserContent: true });
  await source.psql(
    `UPDATE public.customers SET name = name || ' (other)' WHERE id = (SELECT min(id) FROM public.customers)`,
    'other',
  );
});
afterAll(async () => {
  await source?.stop();
});

async function backupOne(db: string, extra: string[] = [], project: Record<string, unknown> = {}) {
  const config = writeConfig({ name: db, db_url_secret: 'SRC', engine: 'pg-dump', ...project });
  const out = mkdtempSync(join(tmpdir(), 'drill-backup-'));
  const res = await cli(
    ['backup', '--config', config, '--out', out, '--json', ...extra],
    backupEnv({ SRC: source.url(db) }),
  );
  return { res, out };
}

const readSet = (dir: string): BackupManifest =>
  parseBackupJson(readFileSync(join(dir, 'backup.json'), 'utf8'));

describe('backup --drill', () => {
  let setDir = '';

  it('drills the staged set, checks every table content digest, and records the result', async () => {
    const { res, out } = await backupOne('app', ['--drill']);
    expect(res.code, res.stderr).toBe(0);
    setDir = join(out, 'app', readdirSync(join(out, 'app'))[0]!);
    const manifest = readSet(setDir);
    const tables = manifest.tables;
    expect(tables.length).toBeGreaterThan(10);
    for (const t of tables) {
      expect(t.digest, `${t.schema}.${t.name}`).toMatch(/^[0-9a-f]{32}$/);
      expect(t.columns!.length, `${t.schema}.${t.name}`).toBeGreaterThan(0);
    }
    // Excluded from the data dump (platform secrets): never recorded, never compared.
    expect(tables.some((t) => t.schema === 'vault')).toBe(false);
    expect(manifest.drill).toMatchObject({
      ok: true,
      source_server: manifest.server.version,
      older_server: false,
      tables: tables.length,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      digests: tables.length,
      error: null,
    });
    expect(manifest.drill!.drill_server).toMatch(/^15\./);
    expect(res.stderr).toMatch(/content digests match backup\.json for \d+ tables/);
    // The drill's cluster is thrown away: no advice about passwords to set in it.
    expect(res.stderr).not.toMatch(/set passwords again/);
    const report = res.stderr.split('\n').filter((l) => /drill|digests|row counts/.test(l));
    console.log(`backup --drill, real run:\n${report.join('\n')}`);
    const json = JSON.parse(res.stdout) as { sets: { drill: unknown }[] };
    expect(json.sets[0]!.drill).toEqual(manifest.drill);
    const awkward = tables.find((t) => t.name === 'awkward_values')!;
    console.log(
      `backup.json excerpt:\n${JSON.stringify({ drill: manifest.drill, tables: [awkward] }, null, 2)}`,
    );
  });

  it('catches a set whose data part is another database (verify passes, digests do not)', async () => {
    const other = await backupOne('other');
    expect(other.res.code, other.res.stderr).toBe(0);
    const otherDir = join(other.out, 'other', readdirSync(join(other.out, 'other'))[0]!);
    const broken = mkdtempSync(join(tmpdir(), 'drill-broken-'));
    for (const f of readdirSync(setDir)) copyFileSync(join(setDir, f), join(broken, f));

    // Swap in the other database's data part and re-digest it, as a careless copy would.
    const mine = readSet(broken);
    const theirs = readSet(otherDir).parts.find((p) => p.part === 'data')!;
    copyFileSync(join(otherDir, theirs.file), join(broken, theirs.file));
    const parts = mine.parts.map((p) => (p.part === 'data' ? { ...theirs } : p));
    writeFileSync(join(broken, 'backup.json'), JSON.stringify({ ...mine, parts }, null, 2));
    writeFileSync(
      join(broken, 'SHA256SUMS'),
      parts.map((p) => `${p.sha256}  ${p.file}\n`).join(''),
    );

    const verified = await cli(['verify', '--from', broken], process.env);
    expect(verified.code, verified.stderr).toBe(0);
    const drilled = await cli(['verify', '--drill', '--from', broken], process.env);
    console.log(`verify --drill of the swapped set:\n${drilled.stderr}`);
    expect(drilled.code, drilled.stderr).toBe(1);
    // Every row count matches: the content digest is what tells the data apart.
    expect(drilled.stderr).toMatch(/row counts match backup\.json/);
    expect(drilled.stderr).toMatch(/drill FAILED/);
    expect(drilled.stderr).toMatch(
      /restored content differs from the backup in 1 table\(s\):\n\s+public\.customers: \d+ rows restored, content digest [0-9a-f]{32}, the backup's [0-9a-f]{32}/,
    );
  });

  it('fails the run and stores nothing when the drill of a new set fails (drill: true)', async () => {
    // A classic dump that does not restore: a CHECK calls a function whose body finds another
    // function through search_path, which pg_dump's scripts set empty.
    await createSupabaseDb(source, 'fragile');
    await source.psql(
      `CREATE FUNCTION public.zero() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 0';
       CREATE FUNCTION public.positive(x int) RETURNS bool LANGUAGE sql IMMUTABLE
         AS 'SELECT x > zero()';
       CREATE TABLE public.checked (x int CHECK (public.positive(x)));
       INSERT INTO public.checked VALUES (1), (2);`,
      'fragile',
    );
    const { res, out } = await backupOne('fragile', [], { drill: true });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/drill FAILED: fragile\//);
    expect(res.stderr).toMatch(/the restore drill failed, so the set was not stored/);
    expect(res.stderr).toMatch(/function zero\(\) does not exist/);
    const json = JSON.parse(res.stdout) as { sets: unknown[]; failures: { error: string }[] };
    expect(json.sets).toEqual([]);
    expect(json.failures[0]!.error).toMatch(/restore drill failed/);
    // Neither a set nor staging debris is left.
    const left = existsSync(join(out, 'fragile')) ? readdirSync(join(out, 'fragile')) : [];
    expect(left).toEqual([]);
  });

  it('drills an encrypted set with the identity, and refuses to start without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-age-'));
    const key = join(dir, 'key.txt');
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    const recipient = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
    const encryption = { encryption: { recipients: [recipient] } };
    const refused = await backupOne('app', ['--drill'], encryption);
    expect(refused.res.code).toBe(1);
    expect(refused.res.stderr).toMatch(
      /the set is encrypted, so its drill needs an age identity to decrypt it/,
    );
    expect(refused.res.stderr).not.toMatch(/dumped|roles: /);
    const { res, out } = await backupOne('app', ['--drill', '--identity-file', key], encryption);
    expect(res.code, res.stderr).toBe(0);
    const manifest = readSet(join(out, 'app', readdirSync(join(out, 'app'))[0]!));
    expect(manifest.parts.every((p) => p.encryption?.format === 'age')).toBe(true);
    expect(manifest.drill).toMatchObject({ ok: true, digests: manifest.tables.length });
  });

  it('refuses to drill a data part without the schema part, before dumping', async () => {
    const { res } = await backupOne('app', ['--drill', '--only', 'data']);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/data without the schema part has no tables to go into/);
    expect(res.stderr).not.toMatch(/data: .* -> data\.sql/);
  });

  it('prints the base the drill loads (base-sql)', async () => {
    const res = await cli(['base-sql'], process.env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(SUPABASE_BASE_SQL);
  });
});
