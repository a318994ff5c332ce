/**
 * Every PostgreSQL major Supabase runs (15, 17), dumped by every pg_dump a runner may carry
 * (ubuntu-24.04's 16 refuses 17 and is covered by failures.test.ts; ubuntu-latest's 18): a
 * backup with the built CLI and that pg_dump, then `restore`, Supabase's documented psql
 * procedure and `verify --drill`, each with the source's own major (its psql, its server). A
 * newer client's lines (`SET transaction_timeout`, `\restrict`) must break none of them.
 * 17 and 18 come from scripts/pg-majors.sh (support/pg-majors.ts), 15 is the machine's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBackupJson, type BackupManifest } from '../../src/catalog/backup-json.js';
import type { DrillResult } from '../../src/restore/drill.js';
import { backupEnv, builtCli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { pgMajorBinDir, type PgMajor } from '../support/pg-majors.js';
import { diffSnapshots, snapshot, type DbSnapshot } from '../support/snapshot.js';

/** server <- pg_dump */
const PAIRS: [PgMajor, PgMajor][] = [
  [15, 15],
  [15, 17],
  [15, 18],
  [17, 17],
  [17, 18],
];

const clusters: Cluster[] = [];
async function cluster(major: PgMajor): Promise<Cluster> {
  const c = await startCluster({ binDir: pgMajorBinDir(major) });
  clusters.push(c);
  expect(c.serverMajor).toBe(major);
  return c;
}
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

/** One Supabase-shaped source per server major, shared by its pairs. */
const sources = new Map<PgMajor, Promise<{ db: Cluster; expected: DbSnapshot }>>();
function source(major: PgMajor) {
  let s = sources.get(major);
  if (!s) {
    s = (async () => {
      const db = await cluster(major);
      await createSupabaseDb(db, 'app', { withUserContent: true });
      return { db, expected: await snapshot(db, 'app') };
    })();
    sources.set(major, s);
  }
  return s;
}

function decompress(dir: string, manifest: BackupManifest): Record<string, string> {
  const work = mkdtempSync(join(tmpdir(), 'plain-'));
  const files: Record<string, string> = {};
  for (const p of manifest.parts) {
    files[p.part] = join(work, `${p.part}.sql`);
    execFileSync('zstd', ['-dq', '-o', files[p.part]!, join(dir, p.file)]);
  }
  return files;
}

/** README "By hand, with Supabase's documented procedure", with `bin`'s psql. */
function documentedRestore(bin: string, target: Cluster, files: Record<string, string>): void {
  execFileSync(
    join(bin, 'psql'),
    [
      ...['-X', '-q', '--single-transaction', '-v', 'ON_ERROR_STOP=1'],
      ...['-f', files['roles']!, '-f', files['schema']!],
      ...['-c', 'SET session_replication_role = replica', '-f', files['data']!],
      target.url('app'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

describe.each(PAIRS)('PostgreSQL %i server, pg_dump %i', (server, client) => {
  it('backup, restore, the documented psql procedure and a drill lose nothing', async () => {
    const { db, expected } = await source(server);
    const serverBin = pgMajorBinDir(server);
    const clientBin = pgMajorBinDir(client);

    // Both engines that run this machine's pg_dump: the default, and pg-dump for pg_dump 18.
    const engine = client === 18 ? 'pg-dump' : 'supabase-cli';
    const config = writeConfig({ name: 'fixture', db_url_secret: 'SRC', engine });
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const backup = await builtCli(
      ['backup', '--config', config, '--out', out, '--pg-bin-dir', clientBin],
      backupEnv({ SRC: db.url('app') }),
    );
    expect(backup.code, backup.stderr).toBe(0);
    const dir = join(out, 'fixture', readdirSync(join(out, 'fixture'))[0]!);
    const manifest = parseBackupJson(readFileSync(join(dir, 'backup.json'), 'utf8'));
    expect(manifest.tools['pg_dump']).toMatch(new RegExp(`^${client}\\.`));
    expect(manifest.server.major).toBe(server);
    expect(manifest.engine).toBe(engine);
    const files = decompress(dir, manifest);
    // The client's session lines are in the set, disarmed where the source's major lacks them.
    const lines = Object.values(files).flatMap((f) => readFileSync(f, 'utf8').split('\n'));
    expect(lines.some((l) => /^(-- )?\\restrict /.test(l))).toBe(true);
    if (client >= 17) expect(lines.includes('-- SET transaction_timeout = 0;')).toBe(true);
    if (server < 17)
      expect(lines.filter((l) => l.startsWith('SET transaction_timeout'))).toEqual([]);

    // `restore` with the source major's psql, into a fresh project of that major.
    const restored = await cluster(server);
    await createSupabaseDb(restored, 'app');
    const res = await builtCli(
      ['restore', '--from', dir, '--target-url-env', 'TARGET', '--yes', '--pg-bin-dir', serverBin],
      { ...process.env, TARGET: restored.url('app') },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(diffSnapshots(expected, await snapshot(restored, 'app'))).toEqual([]);
    await restored.stop();

    // The documented procedure, by hand, into another fresh project.
    const byHand = await cluster(server);
    await createSupabaseDb(byHand, 'app');
    documentedRestore(serverBin, byHand, files);
    expect(diffSnapshots(expected, await snapshot(byHand, 'app'))).toEqual([]);
    await byHand.stop();

    // A drill on the source major's own server.
    const drill = await builtCli(
      ['verify', '--drill', '--from', dir, '--json', '--pg-bin-dir', serverBin],
      process.env,
    );
    expect(drill.code, drill.stderr).toBe(0);
    const result = (JSON.parse(drill.stdout) as { drill: DrillResult }).drill;
    expect(result).toMatchObject({ ok: true, older_server: false, error: null });
    expect(result.drill_server).toMatch(new RegExp(`^${server}\\.`));
    expect(result.digests).toBe(manifest.tables.length);
  });
});
