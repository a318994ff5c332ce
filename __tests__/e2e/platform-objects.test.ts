/**
 * What a restored project needs beyond its tables, with the real Supabase CLI and pg_cron:
 * migrations applied by `supabase db push`, pg_cron jobs (scheduled in a migration and from
 * SQL), a database webhook; backed up with each engine, restored into a new Supabase-shaped
 * project (which already has supabase_migrations), then `supabase migration list` compared with
 * the source's, the jobs compared and watched (none runs before the restore commits; the
 * scheduler runs them after), and the webhook found where it was.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupJson, type BackupManifest } from '../../src/catalog/backup-json.js';
import { backupEnv, cli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import {
  parseListJson,
  parseListTable,
  projectDir,
  supabase,
} from '../support/supabase-migrations.js';

const PG_CRON = '/usr/lib/postgresql/15/lib/pg_cron.so';
const DB = 'app';
// pg_cron runs jobs in background workers (no TCP login with the cluster's password).
const CRON_SETTINGS = [
  'shared_preload_libraries=pg_cron',
  `cron.database_name=${DB}`,
  'cron.use_background_workers=on',
  'max_worker_processes=16',
];
const SECRET = 'sb-secret-header-value-7f3a';
const HOOK_URL = 'https://abcdefghijklmnopqrst.supabase.co/functions/v1/notify';

const MIGRATIONS = {
  '20240101000000_init.sql': `create table public.todos (
  id bigint generated always as identity primary key,
  title text not null,
  done boolean not null default false
);
alter table public.todos enable row level security;
create policy "todos are readable" on public.todos for select to authenticated using (true);
`,
  '20240202000000_helpers.sql': `-- quotes ' and backslashes \\ and "double quotes", unicode: ü 日本
create function public.slug(t text) returns text language sql immutable as $$
  select regexp_replace(lower(t), E'[^a-z0-9\\\\s]+', '-', 'g')
$$;
comment on function public.slug(text) is 'it''s a slug';
`,
  '20240303000000_cron.sql': `create extension if not exists pg_cron with schema pg_catalog;
grant usage on schema cron to postgres;
create table public.cron_ticks (id bigserial primary key, at timestamptz not null default now());
select cron.schedule('tick', '* * * * *', 'insert into public.cron_ticks default values');
`,
  '20240404000000_webhook.sql': `create trigger "todo created" after insert on public.todos
  for each row execute function supabase_functions.http_request(
    '${HOOK_URL}', 'POST',
    '{"Content-Type":"application/json","Authorization":"Bearer ${SECRET}"}', '{}', '5000');
`,
};
const SEED = `insert into public.todos (title) values ('first'), ('second');\n`;

const clusters: Cluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});
async function cronCluster(): Promise<Cluster> {
  const c = await startCluster({ settings: CRON_SETTINGS });
  clusters.push(c);
  await createSupabaseDb(c, DB);
  return c;
}

let source: Cluster;
let workdir: string;
let sourceList: { table: string; json: string };

async function list(url: string): Promise<{ table: string; json: string }> {
  const [table, json] = await Promise.all([
    supabase(['migration', 'list', '--remote', url], workdir),
    supabase(['migration', 'list', '--remote', url, '--output-format', 'json'], workdir),
  ]);
  expect(table.code, table.stderr).toBe(0);
  expect(json.code, json.stderr).toBe(0);
  return { table: table.stdout, json: json.stdout };
}

const JOBS_SQL = `select coalesce(json_agg(json_build_object('jobname', jobname, 'schedule', schedule,
  'command', command, 'active', active, 'username', username, 'database', database)
  order by jobname nulls last, command), '[]') from cron.job`;

beforeAll(async () => {
  if (!existsSync(PG_CRON))
    throw new Error(`${PG_CRON} is missing: apt-get install -y postgresql-15-cron (.ci/run does)`);
  source = await cronCluster();
  workdir = projectDir(MIGRATIONS, SEED);
  const push = await supabase(
    ['db', 'push', '--include-seed', '--remote', source.url(DB), '--yes'],
    workdir,
  );
  expect(push.code, push.stdout + push.stderr).toBe(0);
  // Jobs made from the SQL editor: an inactive one with a multi-line command, an unnamed one.
  await source.psql(
    `select cron.schedule('nightly cleanup', '0 3 * * *', E'delete from public.cron_ticks\\n  where at < now() - interval ''7 days''');
     select cron.alter_job(jobid, active => false) from cron.job where jobname = 'nightly cleanup';
     select cron.schedule('*/10 * * * *', $$select 'unnamed \\ job'$$);`,
    DB,
  );
  sourceList = await list(source.url(DB));
}, 180_000);

describe('the Supabase CLI sees the source as migrated', () => {
  it('lists every migration as applied on the source', () => {
    const rows = parseListJson(sourceList.json);
    expect(rows.map((r) => r.remote)).toEqual(Object.keys(MIGRATIONS).map((f) => f.slice(0, 14)));
    expect(parseListTable(sourceList.table)).toEqual(rows);
  });
});

async function backup(engine: string): Promise<{ dir: string; manifest: BackupManifest }> {
  const config = writeConfig({ name: 'proj', db_url_secret: 'SRC_URL', engine });
  const out = mkdtempSync(join(tmpdir(), 'platform-out-'));
  const res = await cli(
    ['backup', '--config', config, '--out', out],
    backupEnv({ SRC_URL: source.url(DB) }),
  );
  expect(res.code, res.stderr).toBe(0);
  const dir = join(out, 'proj', readdirSync(join(out, 'proj'))[0]!);
  return { dir, manifest: parseBackupJson(readFileSync(join(dir, 'backup.json'), 'utf8')) };
}

describe.each(['supabase-cli', 'pg-dump'])('%s engine', (engine) => {
  let target: Cluster;
  let set: { dir: string; manifest: BackupManifest };
  let restoreLog = '';
  let committedAt = 0;

  beforeAll(async () => {
    [target, set] = await Promise.all([cronCluster(), backup(engine)]);
    // One target already has a row of the history (another name: the source's wins), the
    // other no supabase_migrations schema at all (the restore creates it).
    await target.psql(
      engine === 'supabase-cli'
        ? `insert into supabase_migrations.schema_migrations (version, name) values ('20240101000000', 'stale')`
        : 'drop schema supabase_migrations cascade',
      DB,
    );
    const res = await cli(
      ['restore', '--from', set.dir, '--target-url', target.url(DB), '--yes'],
      backupEnv({}),
    );
    committedAt = Date.now();
    restoreLog = res.stderr;
    expect(res.code, res.stderr).toBe(0);
  }, 180_000);

  it('records the history, the jobs and the webhook in backup.json, without the webhook key', () => {
    const raw = readFileSync(join(set.dir, 'backup.json'), 'utf8');
    expect(raw).not.toContain(SECRET);
    const surface = (s: string) => set.manifest.coverage?.find((c) => c.surface === s);
    expect(surface('migration history (supabase migration list)')?.note).toMatch(/^4 applied/);
    expect(surface('pg_cron jobs')?.note).toMatch(/^3 job\(s\)/);
    expect(surface('pg_cron run history')?.state).toBe('not-configured');
    expect(surface('database webhooks')).toMatchObject({ state: 'partial' });
    expect(surface('database webhooks')?.note).toContain('abcdefghijklmnopqrst.supabase.co');
    // The data part holds no COPY of cron's tables: the jobs are pg_cron calls.
    expect(set.manifest.tables.filter((t) => t.schema === 'cron')).toEqual([]);
  });

  it('drills the set: pg_cron and its jobs skipped with a warning, the rest checked', async () => {
    const res = await cli(['verify', '--drill', '--from', set.dir, '--json'], backupEnv({}));
    expect(res.code, res.stderr).toBe(0);
    const { drill } = JSON.parse(res.stdout) as {
      drill: { ok: boolean; warnings: string[]; tables: number };
    };
    expect(drill.ok).toBe(true);
    expect(drill.tables).toBeGreaterThan(0);
    expect(drill.warnings.join('\n')).toMatch(/pg_cron jobs are not drilled/);
  }, 120_000);

  it('restores the migration history: migration list matches the source', async () => {
    const restored = await list(target.url(DB));
    expect(parseListJson(restored.json)).toEqual(parseListJson(sourceList.json));
    expect(parseListTable(restored.table)).toEqual(parseListTable(sourceList.table));
    const q = `select json_agg(t order by 1) from (select version, name, statements
      from supabase_migrations.schema_migrations) t`;
    expect(await target.psql(q, DB)).toBe(await source.psql(q, DB));
    const seeds = 'select json_agg(s order by path) from supabase_migrations.seed_files s';
    expect(await target.psql(seeds, DB)).toBe(await source.psql(seeds, DB));
    expect(restoreLog).toContain('migration history restored');
  });

  it('leaves the next db push nothing to apply', async () => {
    const push = await supabase(['db', 'push', '--remote', target.url(DB), '--yes'], workdir);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout + push.stderr).toContain('Remote database is up to date');
    expect(push.stdout + push.stderr).not.toContain('Applying migration');
  });

  it('restores the pg_cron jobs as they were, and none ran before the restore committed', async () => {
    expect(JSON.parse(await target.psql(JOBS_SQL, DB))).toEqual(
      JSON.parse(await source.psql(JOBS_SQL, DB)),
    );
    const early = await target.psql(
      `select count(*) from cron.job_run_details where start_time < to_timestamp(${committedAt / 1000})`,
      DB,
    );
    expect(early).toBe('0');
    expect(restoreLog).toContain('pg_cron jobs restored');
    expect(restoreLog).toContain('not restored: pg_cron run history');
  });

  it('restores the webhook trigger, which still fires, and says where it points', async () => {
    const def = `select pg_get_triggerdef(oid) from pg_trigger where tgname = 'todo created'`;
    expect(await target.psql(def, DB)).toBe(await source.psql(def, DB));
    const before = Number(await target.psql('select count(*) from supabase_functions.hooks', DB));
    await target.psql(`insert into public.todos (title) values ('after restore')`, DB);
    const after = Number(await target.psql('select count(*) from supabase_functions.hooks', DB));
    expect(after).toBe(before + 1);
    expect(restoreLog).toMatch(/database webhooks restored: .*abcdefghijklmnopqrst\.supabase\.co/);
    expect(restoreLog).not.toContain(SECRET);
  });

  // Both engines write the jobs with the same lines (cron-jobs.ts), and the first run of a
  // minutely job takes up to a minute: one engine waits for it.
  it.runIf(engine === 'supabase-cli')(
    'has the scheduler run the restored jobs once committed',
    async () => {
      // 'tick' runs every minute: wait for its first run in the restored project.
      const ran = `select count(*) from cron.job_run_details d join cron.job j using (jobid)
      where j.jobname = 'tick' and d.status = 'succeeded'`;
      const deadline = Date.now() + 75_000;
      while (Number(await target.psql(ran, DB)) === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 2000));
      expect(Number(await target.psql(ran, DB))).toBeGreaterThan(0);
    },
    100_000,
  );
});
