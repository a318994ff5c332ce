/**
 * Fault injection, part two (failures.test.ts has the dump faults): the server dies mid-dump,
 * SIGTERM while compressing and while pushing, a full disk, a host that does not resolve, bad
 * inputs, and an empty database that must be a legitimate backup rather than a failure.
 * Each failure: non-zero exit, a message naming the cause, no set with a backup.json, no temp files.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupEnv, BUILT_CLI, builtCli, cli, tree, writeConfig } from '../support/cli.js';
import { faultyPgBinDir } from '../support/faulty-pg.js';
import { git } from '../support/git.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

const TOKEN = 'ghs_faultsTestToken0123456789';
const REPO = 'octo-org/fault-backups';

let source: Cluster;
beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
  // ~25 MB of hardly compressible rows: enough to fill a small disk, and 300k COPY lines for
  // the throttled dump below.
  await createSupabaseDb(source, 'big');
  await source.psql(
    `create table public.big as select g as id, md5(g::text) || md5((g * 7)::text) as v
       from generate_series(1, 300000) g;`,
    'big',
  );
  await createSupabaseDb(source, 'empty');
});
afterAll(async () => {
  await source?.stop();
});

/**
 * A private TMPDIR for one run of the built CLI: whatever the tool leaves in it is debris (other
 * test files running at the same time use the shared one).
 */
function privateTmp(): { TMPDIR: string } {
  return { TMPDIR: mkdtempSync(join(tmpdir(), 'faults-tmp-')) };
}

/** One line per fault for the log (docs/failures.md quotes them): exit code and the error said. */
function report(fault: string, res: { code: number; stderr: string }): void {
  const said = res.stderr.split('\n').filter((l) => /^(error|notice|warning):/.test(l));
  console.log(`fault: ${fault} -> exit ${res.code}: ${said.join(' | ')}`);
}

const waitFor = async (what: string, ok: () => boolean, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function config(db: string, extra: Record<string, unknown> = {}) {
  return writeConfig({ name: db, db_url_secret: 'DB_URL', engine: 'pg-dump', ...extra });
}

describe('faults', () => {
  it('the server stops (immediate shutdown) in the middle of a large dump', async () => {
    const doomed = await startCluster();
    try {
      await createSupabaseDb(doomed, 'big');
      await doomed.psql(
        `create table public.big as select g as id, md5(g::text) as v from generate_series(1, 300000) g;`,
        'big',
      );
      const out = mkdtempSync(join(tmpdir(), 'out-'));
      const tmp = privateTmp();
      const running = builtCli(
        ['backup', '--config', config('big'), '--out', out, '--pg-bin-dir', faultyPgBinDir('slow')],
        backupEnv({ DB_URL: doomed.url('big'), ...tmp }),
      );
      // The data part is being written: COPY is streaming, throttled by the slow reader.
      await waitFor('the data part', () =>
        tree(out).some((f) => /\.partial\/\.?data\.sql/.test(f)),
      );
      await doomed.stop();
      const res = await running;
      report('the server stops mid-dump', res);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(
        /the data dump failed .*(server closed the connection|terminat)/is,
      );
      expect(tree(out)).toEqual([]);
      expect(readdirSync(tmp.TMPDIR)).toEqual([]);
    } finally {
      await doomed.stop();
    }
  });

  // zstd runs as a child process (the zstd program): it must not outlive the cancel either.
  it.each(['gzip', 'zstd'] as const)(
    'SIGTERM while the data part is being compressed (%s): exit 130, nothing left, the next run succeeds',
    async (compression) => {
      const out = mkdtempSync(join(tmpdir(), 'out-'));
      const tmp = privateTmp();
      const env = backupEnv({ DB_URL: source.url('big'), ...tmp });
      const cfg = config('big', { compression });
      const ext = compression === 'gzip' ? 'gz' : 'zst';
      let pid = 0;
      const running = builtCli(
        ['backup', '--config', cfg, '--out', out, '--pg-bin-dir', faultyPgBinDir('slow')],
        env,
        (p) => (pid = p),
      );
      let ended: string | null = null;
      void running.then((r) => (ended = `exit ${r.code}: ${r.stderr}`));
      await waitFor(
        'compressed data',
        () =>
          ended !== null ||
          tree(out).some((f) => new RegExp(`\\.partial/\\.?data\\.sql\\.${ext}`).test(f)),
      );
      expect(ended, 'the run ended before its data part was being written').toBeNull();
      const compressors = compression === 'zstd' ? childrenNamed(pid, 'zstd') : [];
      if (compression === 'zstd') expect(compressors.length).toBeGreaterThan(0);
      process.kill(pid, 'SIGTERM');
      const res = await running;
      report(`SIGTERM while compressing (${compression})`, res);
      expect(res.code, res.stderr).toBe(130);
      expect(res.stderr).toMatch(/cancelled/);
      expect(tree(out)).toEqual([]);
      expect(readdirSync(tmp.TMPDIR)).toEqual([]);
      expect(compressors.filter(alive)).toEqual([]);

      const again = await builtCli(['backup', '--config', cfg, '--out', out], env);
      expect(again.code, again.stderr).toBe(0);
      const [set] = readdirSync(join(out, 'big'));
      const manifest = JSON.parse(readFileSync(join(out, 'big', set!, 'backup.json'), 'utf8'));
      expect(manifest.tables).toContainEqual(
        expect.objectContaining({ name: 'big', rows: 300000 }),
      );
    },
  );

  it('SIGTERM during the branch push: nothing half-pushed, the next run cleans up and succeeds', async () => {
    let releasePush: () => void = () => undefined;
    let pushStarted = false;
    let holding = false;
    const git: GitServer = await startGitServer({
      token: TOKEN,
      beforeRequest: async (req) => {
        if (req.method !== 'POST' || !req.path.endsWith('/git-receive-pack')) return;
        if (pushStarted) return;
        pushStarted = true;
        holding = true;
        await new Promise<void>((r) => (releasePush = r));
        holding = false;
      },
    });
    try {
      const bare = await git.createBareRepo(`${REPO}.git`);
      const out = mkdtempSync(join(tmpdir(), 'out-'));
      const cfg = config('app', { destinations: ['local', 'branch'] });
      const tmp = privateTmp();
      const env = backupEnv({
        DB_URL: source.url('app'),
        GITHUB_REPOSITORY: REPO,
        GIT_SERVER_URL: git.url('').replace(/\/$/, ''),
        GITHUB_TOKEN: TOKEN,
        ...tmp,
      });
      let pid = 0;
      const running = builtCli(
        ['backup', '--config', cfg, '--out', out, '--no-prune'],
        env,
        (p) => (pid = p),
      );
      let exited: string | null = null;
      void running.then((r) => (exited = r.stderr));
      await waitFor('the push', () => pushStarted || exited !== null, 60_000);
      expect(exited).toBeNull();
      process.kill(pid, 'SIGTERM');
      const res = await running;
      releasePush();
      report('SIGTERM during the push', res);
      expect(res.code, res.stderr).toBe(130);
      expect(res.stderr).toMatch(/cancelled/);
      expect(readdirSync(tmp.TMPDIR)).toEqual([]);
      // The local set was complete before the push began; it stays (it is a good set). The
      // branch either never got the push or got all of it (git updates a ref only after the
      // whole pack arrived): never a half-pushed set.
      await waitFor('the held push to finish', () => git.requests.length > 0 && !holding);
      const after = await refs(bare);
      console.log(
        `SIGTERM during push: the branch ${after ? 'got the whole push' : 'is unchanged'}`,
      );
      if (after) {
        const v = await verifyBranch(bare);
        expect(v.code, v.stderr + v.stdout).toBe(0);
      }

      const again = await builtCli(['backup', '--config', cfg, '--out', out, '--no-prune'], env);
      expect(again.code, again.stderr).toBe(0);
      const verified = await verifyBranch(bare);
      expect(verified.code, verified.stderr + verified.stdout).toBe(0);
    } finally {
      releasePush();
      await git.close();
    }
  });

  it('the disk fills while writing (a 2 MiB tmpfs)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const cfg = config('big');
    // A private mount namespace: the tmpfs exists only for this command, and the listing of
    // what the tool left on it is taken inside before it disappears.
    const script =
      'mount -t tmpfs -o size=2m tmpfs "$OUT" || exit 99; ' +
      `"$NODE" "${BUILT_CLI}" backup --config "${cfg}" --out "$OUT"; rc=$?; ` +
      'echo "--- left:"; find "$OUT" -type f; exit $rc';
    const res = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('unshare', ['-m', 'sh', '-c', script], {
        env: { ...backupEnv({ DB_URL: source.url('big') }), OUT: out, NODE: process.execPath },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
    expect(res.code, res.stderr).not.toBe(99);
    report('the disk fills', res);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/no space left on device/i);
    expect(res.stdout.split('--- left:')[1]!.trim()).toBe('');
  });

  it('a host that does not resolve', async () => {
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const res = await cli(
      ['backup', '--config', config('app'), '--out', out],
      backupEnv({ DB_URL: 'postgresql://postgres:Secr3t@db.no-such-host.invalid:5432/postgres' }),
    );
    report('the host does not resolve', res);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(
      /cannot connect to .*no-such-host\.invalid.*(translate host name|resolve)/i,
    );
    expect(res.stderr).not.toContain('Secr3t');
    expect(tree(out)).toEqual([]);
  });

  it('an empty database is a legitimate, restorable backup that says it is empty', async () => {
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const res = await cli(
      ['backup', '--config', config('empty'), '--out', out, '--json'],
      backupEnv({ DB_URL: source.url('empty') }),
    );
    report('an empty database', res);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr, res.stdout).toMatch(
      /notice: empty: every table backed up is empty \(\d+ tables\): this set holds no rows/,
    );
    const [set] = readdirSync(join(out, 'empty'));
    const manifest = JSON.parse(readFileSync(join(out, 'empty', set!, 'backup.json'), 'utf8'));
    expect(manifest.tables.every((t: { rows: number }) => t.rows === 0)).toBe(true);
    expect(manifest.parts.map((p: { part: string }) => p.part)).toEqual([
      'roles',
      'schema',
      'data',
    ]);
    const verified = await cli(['verify', '--from', join(out, 'empty', set!)], process.env);
    expect(verified.code, verified.stderr).toBe(0);
  });

  const badConfigs: [string, string, RegExp][] = [
    [
      'malformed YAML',
      'version: 1\nprojects:\n  - name: app\n    db_url_secret: [unclosed\n',
      /backups\.config\.yaml:\d+:\d+:/,
    ],
    [
      'an unknown key',
      'version: 1\nprojects:\n  - name: app\n    db_url_secret: DB_URL\n    retension: {keep_last: 3}\n',
      /backups\.config\.yaml:5:5: .*retension.*did you mean/,
    ],
    [
      'duplicate project names',
      'version: 1\nprojects:\n  - name: app\n    db_url_secret: DB_URL\n  - name: app\n    db_url_secret: DB_URL\n',
      /backups\.config\.yaml:5:\d+: .*"app".*more than once|duplicate/i,
    ],
    [
      'an invalid cron',
      'version: 1\nprojects:\n  - name: app\n    db_url_secret: DB_URL\n    schedule: "61 * * * *"\n',
      /backups\.config\.yaml:5:\d+: .*schedule.*minute/i,
    ],
    [
      'a missing secret',
      'version: 1\nprojects:\n  - name: app\n    db_url_secret: NOT_SET_ANYWHERE\n',
      /NOT_SET_ANYWHERE/,
    ],
  ];
  it.each(badConfigs)(
    'bad input: %s fails before anything is written',
    async (what, yaml, message) => {
      const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
      writeFileSync(join(dir, 'backups.config.yaml'), yaml);
      const out = join(dir, 'out');
      const res = await cli(
        ['backup', '--config', join(dir, 'backups.config.yaml'), '--out', out],
        backupEnv({ DB_URL: source.url('app') }),
      );
      report(`bad input: ${what}`, res);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(message);
      expect(existsSync(out) ? tree(out) : []).toEqual([]);
    },
  );
});

/** `verify` of a fresh checkout of the backup branch: manifest.json against every set folder. */
async function verifyBranch(bare: string) {
  const clone = join(mkdtempSync(join(tmpdir(), 'faults-clone-')), 'c');
  await git(tmpdir(), 'clone', '-q', '--branch', 'supabase-backups', bare, clone);
  return cli(['verify', '--from', clone], process.env);
}

/** The refs of a bare repository, one per line ('' for none). */
function refs(bare: string): Promise<string> {
  return git(bare, 'for-each-ref');
}

/** PIDs of the direct children of `parent` running `name`. */
function childrenNamed(parent: number, name: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, ppid, comm]) => Number(ppid) === parent && comm === name)
    .map(([pid]) => Number(pid));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
