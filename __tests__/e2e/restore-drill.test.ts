/**
 * verify --drill: the set is restored into a throwaway cluster the tool starts itself (as the
 * postgres user when root), row counts and content digests compared, the outcome and duration
 * reported; the cluster is gone afterwards, also when the run is stopped with SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillResult } from '../../src/restore/drill.js';
import { backupFixture, builtCli, cli } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

let source: Cluster;
let setDir: string;
const systemTmp = process.env.TMPDIR;
beforeAll(async () => {
  // This file's drills (in-process and spawned) get a temp dir of their own, so that drills of
  // other test files running at the same time are not taken for leftovers or stopped here. The
  // drill's server (the postgres user, when root) must be able to reach into it.
  const own = mkdtempSync(join(tmpdir(), 'drill-tests-'));
  chmodSync(own, 0o755);
  process.env.TMPDIR = own;
  source = await startCluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
  ({ setDir } = await backupFixture(source.url('app'), 'drill-out-'));
});
afterAll(async () => {
  await source?.stop();
  const own = tmpdir();
  if (systemTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = systemTmp;
  rmSync(own, { recursive: true, force: true });
});

/** Drill temp dirs and servers still around (none may outlive a drill). */
function leftovers(): string[] {
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith('supabase-drill-'));
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(join(tmpdir(), 'supabase-drill-')));
  return [...dirs, ...ps];
}

describe('verify --drill', () => {
  it('restores the set into a throwaway cluster and reports the outcome', async () => {
    const before = leftovers();
    const res = await cli(['verify', '--drill', '--from', setDir, '--json'], process.env);
    expect(res.code, res.stderr).toBe(0);
    const { drill } = JSON.parse(res.stdout) as { drill: DrillResult };
    const backup = JSON.parse(readFileSync(join(setDir, 'backup.json'), 'utf8')) as {
      tables: { rows: number; digest?: string }[];
    };
    // Backed up without a drill: no digests at backup time, so the drill takes them from the
    // data part as it restores it.
    expect(backup.tables.filter((t) => t.digest !== undefined)).toEqual([]);
    expect(drill).toMatchObject({
      ok: true,
      project: 'fixture',
      older_server: false,
      tables: backup.tables.length,
      rows: backup.tables.reduce((n, t) => n + t.rows, 0),
      digests: backup.tables.length,
      error: null,
    });
    expect(drill.drill_server).toMatch(/^15\./);
    expect(drill.duration_ms).toBeGreaterThan(0);
    expect(res.stderr).toMatch(/row counts match backup\.json for \d+ tables/);
    expect(res.stderr).toMatch(/content digests match the data part for \d+ tables/);
    expect(res.stderr).toMatch(
      /drill passed: fixture\/\S+: (\d+) tables \(content of \1 checked\), \d+ rows, on PostgreSQL 15\.\d+, \d+\.\d s/,
    );
    expect(leftovers()).toEqual(before);
  });

  it('catches a restore that does not reproduce the rows, when the row counts still match', async () => {
    // A trigger added after the rows were written, enabled ALWAYS (it fires even under the
    // restore's session_replication_role = replica): restoring rewrites every row it loads.
    await createSupabaseDb(source, 'normalised');
    await source.psql(
      `CREATE TABLE public.tags (id int PRIMARY KEY, label text);
       INSERT INTO public.tags VALUES (1, 'Mixed'), (2, 'lower'), (3, 'UPPER');
       CREATE FUNCTION public.upper_label() RETURNS trigger LANGUAGE plpgsql
         AS $$ BEGIN NEW.label := upper(NEW.label); RETURN NEW; END $$;
       CREATE TRIGGER upper_label BEFORE INSERT ON public.tags
         FOR EACH ROW EXECUTE FUNCTION public.upper_label();
       ALTER TABLE public.tags ENABLE ALWAYS TRIGGER upper_label;`,
      'normalised',
    );
    const fixture = await backupFixture(source.url('normalised'), 'drill-normalised-');
    const res = await cli(['verify', '--drill', '--from', fixture.setDir], process.env);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/row counts match backup\.json/);
    expect(res.stderr).toMatch(
      /restored content differs from the backup in 1 table\(s\):\n\s+public\.tags: 3 rows restored, content digest [0-9a-f]{32}, the backup's [0-9a-f]{32}/,
    );
  });

  it('says so when the only server is older than the source, and reports a failed restore', async () => {
    const newer = mkdtempSync(join(tmpdir(), 'drill-newer-'));
    cpSync(setDir, newer, { recursive: true });
    const file = join(newer, 'backup.json');
    const backup = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...backup, server: { version: '99.1', major: 99 } }));
    const res = await cli(['verify', '--drill', '--from', newer, '--json'], process.env);
    expect(res.code, res.stderr).toBe(0);
    const { drill } = JSON.parse(res.stdout) as { drill: DrillResult };
    expect(drill.older_server).toBe(true);
    expect(drill.warnings[0]).toMatch(/no PostgreSQL server 99 or newer is installed/);
    expect(res.stderr).toMatch(/OLDER than the source's 99\.1/);

    // A set whose data no longer loads (a row count that cannot match) fails the drill.
    writeFileSync(
      file,
      JSON.stringify({
        ...backup,
        tables: (backup.tables as { rows: number }[]).map((t, i) =>
          i === 0 ? { ...t, rows: t.rows + 1 } : t,
        ),
      }),
    );
    const failed = await cli(['verify', '--drill', '--from', newer, '--json'], process.env);
    expect(failed.code, failed.stderr).toBe(1);
    const result = (JSON.parse(failed.stdout) as { drill: DrillResult }).drill;
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/restored row counts differ from the backup/);
    expect(failed.stderr).toMatch(/drill FAILED/);
  });

  it('stops and removes the cluster when the run is stopped with SIGTERM', async () => {
    const before = leftovers();
    let pid = 0;
    const started = new Promise<void>((resolve) => {
      // Stop it once its server is up (postmaster.pid exists): mid-restore, not after the drill.
      const poll = setInterval(() => {
        const dirs = readdirSync(tmpdir()).filter(
          (d) => d.startsWith('supabase-drill-') && !before.includes(d),
        );
        if (dirs.some((d) => existsSync(join(tmpdir(), d, 'data', 'postmaster.pid')))) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    const run = builtCli(['verify', '--drill', '--from', setDir], process.env, (p) => (pid = p));
    await started;
    process.kill(pid, 'SIGTERM');
    const res = await run;
    expect(res.code, res.stderr).toBe(130);
    expect(leftovers()).toEqual(before);
  });
});
