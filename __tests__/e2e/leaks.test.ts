/**
 * No secret ever leaks. The built action and CLI run with a database password full of characters
 * that URLs, shells and JSON escape, and a git token: once successfully, then failing at each
 * stage (host, password, dump, push). Every byte a run produced is searched for every form of
 * every secret: stdout, stderr, each file under the runner's temp dir (out dir, decompressed
 * parts, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), the artifacts, and the backup branch (a fresh
 * clone, `git log -p`, every object on the server). Only `::add-mask::` lines, which are how the
 * runner learns what to mask, may hold a secret; they must exist for the password and token.
 */
import { DefaultArtifactClient } from '@actions/artifact';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/log.js';
import { run } from '../../src/proc/run.js';
import { runAction, type ActionRun } from '../support/action.js';
import * as artifactService from '../support/artifact-service.js';
import { backupEnv, builtCli, writeConfig } from '../support/cli.js';
import { faultyPgBinDir } from '../support/faulty-pg.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

const PASSWORD = `p@ss:w/o?r#d%&+'"\\ü€𝄞`;
const WRONG_PASSWORD = `Wr0ng:p@ss/w?rd#%&+'"\\ß€`;
const TOKEN = 'ghs_leakTestTokenThatMustNeverAppear0123456789';
const READ_ONLY_TOKEN = 'ghs_readOnlyTokenThatMustNeverAppear98765';
const REPO = 'octo-org/backups';

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');
/** Percent-encoding of everything but unreserved characters (what pg-cluster's url() does). */
const strictPercent = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${hex(c, 2).toUpperCase()}`);
const jsonAscii = (s: string) =>
  JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${hex(c, 4)}`);
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

/** What base64 (or base64url) of any text containing `bytes` contains, at each byte alignment. */
function base64Anywhere(bytes: Buffer): string[] {
  return [0, 1, 2].flatMap((k) => {
    const all = b64(Buffer.concat([Buffer.alloc(k), bytes]));
    const inner = all.slice(k === 0 ? 0 : 4, Math.floor((k + bytes.length) / 3) * 4);
    return [inner, inner.replace(/\+/g, '-').replace(/\//g, '_')];
  });
}

/**
 * secretForms (raw, percent-encoded, base64) plus the forms URLs, JSON and HTTP auth give it, in
 * base64 at any alignment, and the longest runs between characters that quoting changes.
 */
function forms(secret: string): string[] {
  const percent = strictPercent(secret);
  const lower = percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const texts = new Set([secret, encodeURIComponent(secret), percent, lower]);
  texts.add(JSON.stringify(secret).slice(1, -1)).add(jsonAscii(secret).slice(1, -1));
  const all = new Set([...secretForms(secret), ...texts, b64(`x-access-token:${secret}`)]);
  for (const text of texts) for (const f of base64Anywhere(Buffer.from(text))) all.add(f);
  for (const piece of secret.split(/[%'"\\]/)) if (piece.length >= 8) all.add(piece);
  return [...all];
}
const SECRETS = [PASSWORD, WRONG_PASSWORD, TOKEN, READ_ONLY_TOKEN].map((secret) => ({
  secret,
  forms: forms(secret).map((text) => ({ text, bytes: Buffer.from(text) })),
}));

/** A command's stdout, run asynchronously (the git and artifact servers live in this process). */
const exec = async (cmd: string, args: string[], env = process.env) =>
  Buffer.from((await run(cmd, args, { env })).stdout);

let source: Cluster;
let git: GitServer;
let bareRepo: string;
let artifacts: artifactService.ArtifactService;
let api: GitHubApi;
beforeAll(async () => {
  source = await startCluster({ password: PASSWORD });
  await createSupabaseDb(source, 'app', { withUserContent: true });
  git = await startGitServer({ token: TOKEN, readOnlyToken: READ_ONLY_TOKEN });
  bareRepo = await git.createBareRepo(`${REPO}.git`);
  artifacts = await artifactService.startArtifactService();
  api = await startGitHubApi({ store: artifacts.store, token: TOKEN });
});
afterAll(async () => {
  await source?.stop();
  await Promise.all([git?.close(), artifacts?.close(), api?.close()]);
});

class Scan {
  hits: string[] = [];
  scanned: string[] = [];
  check(where: string, data: Buffer | string): void {
    const bytes = Buffer.from(data);
    this.scanned.push(where);
    for (const { secret, forms } of SECRETS)
      for (const f of forms)
        if (bytes.includes(f.bytes)) this.hits.push(`${where}: ${f.text} (a form of ${secret})`);
  }
  /** Every file under `dir` (but `skip`), and the decompressed content of .zst and .gz files. */
  async tree(label: string, dir: string, skip = '\0'): Promise<void> {
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      const file = join(e.parentPath, e.name);
      if (!e.isFile() || file.startsWith(skip)) continue;
      const where = `${label}/${file.slice(dir.length + 1)}`;
      this.check(where, readFileSync(file));
      if (file.endsWith('.gz')) this.check(`${where} (gunzip)`, gunzipSync(readFileSync(file)));
      if (file.endsWith('.zst')) this.check(`${where} (unzstd)`, await exec('zstd', ['-dc', file]));
    }
  }
  /** The branch as anyone who can read the repository sees it, and the server's every object. */
  async branch(): Promise<void> {
    const refs = await exec('git', ['-C', bareRepo, 'for-each-ref']);
    if (!refs.includes('refs/heads/supabase-backups')) return this.server(); // no backup yet
    const clone = mkdtempSync(join(tmpdir(), 'leaks-clone-'));
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_COUNT: '1' };
    env.GIT_CONFIG_KEY_0 = 'http.extraheader';
    env.GIT_CONFIG_VALUE_0 = `AUTHORIZATION: basic ${b64(`x:${TOKEN}`)}`;
    const args = ['clone', '--quiet', '--single-branch', '--branch', 'supabase-backups'];
    await exec('git', [...args, git.url(`${REPO}.git`), clone], env);
    await this.tree('branch', clone, join(clone, '.git/'));
    this.check('git log -p', await exec('git', ['-C', clone, 'log', '-p', '--format=fuller']));
    await this.server();
  }
  async server(): Promise<void> {
    const everything = ['-C', bareRepo, 'cat-file', '--batch-all-objects', '--batch'];
    this.check('server: every git object', await exec('git', everything));
    this.check('server: request log', JSON.stringify(git.requests));
  }
  /** Every artifact so far, downloaded with the real client, and the service's records. */
  async artifacts(): Promise<void> {
    this.check('artifact records', JSON.stringify(artifacts.artifacts()));
    for (const a of artifacts.artifacts()) {
      const path = mkdtempSync(join(tmpdir(), 'leaks-artifact-'));
      const download = () => new DefaultArtifactClient().downloadArtifact(a.id, { path });
      const write = process.stdout.write; // the client's progress lines are noise here
      process.stdout.write = () => true;
      await artifactService.withEnv(artifacts.env, download).finally(() => {
        process.stdout.write = write;
      });
      await this.tree(`artifact ${a.name}`, path);
    }
  }
}

const gitServerUrl = () => git.url('').replace(/\/$/, '');
const urlWith = (password: string, host = `127.0.0.1:${source.port}`) =>
  `postgresql://postgres:${encodeURIComponent(password)}@${host}/app`;
const MASK_LINE = /^::add-mask::.*$/gm;
/** How @actions/core writes a value into a workflow command. */
const escapeData = (s: string) =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** dist/index.js as the runner runs it, with both destinations and a retention policy. */
function runBackup(dbUrl: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  const work = mkdtempSync(join(tmpdir(), 'leaks-runner-'));
  const config = join(work, 'backups.config.yaml');
  const engine = inputs['pg-bin-dir'] ? 'pg-dump' : 'supabase-cli';
  const project = `{ name: fixture, db_url_secret: FIXTURE_DB_URL, engine: ${engine}`;
  const where = 'destinations: [artifact, branch], retention: { keep_last: 5 } }';
  writeFileSync(config, `version: 1\nprojects:\n  - ${project}, ${where}\n`);
  const all: Record<string, string> = { command: 'backup', config, 'out-dir': 'backups' };
  Object.assign(all, { 'github-token': TOKEN, 'git-server-url': gitServerUrl(), ...inputs });
  const env: NodeJS.ProcessEnv = {
    ...backupEnv({ FIXTURE_DB_URL: dbUrl }),
    ...artifacts.env,
    ...{ GITHUB_REPOSITORY: REPO, GITHUB_API_URL: api.url },
  };
  return runAction({ inputs: all, env, temp: work });
}

/**
 * Scans everything a run produced; `masked` are the secrets its ::add-mask:: lines must name.
 * With `fails`, the run must have failed with a message that matches it.
 */
async function expectNoLeak(run: ActionRun, masked: string[], fails?: RegExp): Promise<string> {
  if (fails) expect(run.code, run.stdout).toBe(1);
  if (fails) expect(run.stdout).toMatch(fails);
  const masks = run.stdout.match(MASK_LINE) ?? [];
  for (const secret of masked) expect(masks).toContain(`::add-mask::${escapeData(secret)}`);
  const scan = new Scan();
  scan.check('stdout', run.stdout.replace(MASK_LINE, ''));
  scan.check('stderr', run.stderr.replace(MASK_LINE, ''));
  await scan.tree('runner temp', run.temp);
  await scan.branch();
  await scan.artifacts();
  expect(scan.scanned).toEqual(
    expect.arrayContaining(['runner temp/output', 'runner temp/summary']),
  );
  expect(scan.hits).toEqual([]);
  return scan.scanned.join('\n');
}

it('the scan finds the secrets in every form a leak could take', () => {
  const samples = {
    'a message': `error: password ${PASSWORD} rejected`,
    'a URL': `connecting to ${source.url('app')}`,
    JSON: JSON.stringify({ url: urlWith(PASSWORD) }),
    'ASCII-only JSON': jsonAscii(`password=${PASSWORD}`),
    'a shell command': `PGPASSWORD='${PASSWORD.replace(/'/g, `'\\''`)}' pg_dump`,
    'base64 of a URL': b64(source.url('app')),
    'base64url in a file': Buffer.from(`[db]\npassword=${PASSWORD}\n`).toString('base64url'),
    'the git auth header': `AUTHORIZATION: basic ${b64(`x-access-token:${TOKEN}`)}`,
    'other basic auth': `Authorization: Basic ${b64(`git:${READ_ONLY_TOKEN}`)}`,
  };
  for (const [name, text] of Object.entries(samples)) {
    const scan = new Scan();
    scan.check(name, text);
    expect(scan.hits, name).not.toEqual([]);
  }
});

describe('the action leaks no secret', () => {
  it('when the backup succeeds (artifact and branch)', async () => {
    const run = await runBackup(source.url('app'));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const seen = await expectNoLeak(run, [PASSWORD, TOKEN]);
    // The scan did read the set, its decompressed parts, the branch and the artifact.
    expect(seen).toMatch(/runner temp\/backups\/fixture\/[^/]+\/backup\.json/);
    expect(seen).toMatch(
      /runner temp\/backups\/fixture\/.*\/data\.sql\.(zst \(unzstd|gz \(gunzip)/,
    );
    expect(seen).toMatch(/branch\/fixture\/[^/]+\/backup\.json/);
    expect(seen).toMatch(/artifact supabase-backup-fixture-.*\/SHA256SUMS/);
    expect(readFileSync(join(run.temp, 'output'), 'utf8')).toContain('sets<<');
  });

  it('when the host does not exist', async () => {
    const run = await runBackup(urlWith(PASSWORD, 'nonexistent.invalid:5432'));
    await expectNoLeak(run, [PASSWORD, TOKEN], /cannot connect to .*nonexistent\.invalid/);
  });

  it('when the password is wrong', async () => {
    const run = await runBackup(urlWith(WRONG_PASSWORD));
    await expectNoLeak(run, [WRONG_PASSWORD, TOKEN], /password authentication failed/);
  });

  it('when pg_dump fails half-way', async () => {
    const bin = faultyPgBinDir('partial-then-exit');
    const run = await runBackup(source.url('app'), { 'pg-bin-dir': bin });
    await expectNoLeak(run, [PASSWORD, TOKEN], /dump failed .*injected failure/);
  });

  it('when the push is refused (a token that may read but not write)', async () => {
    const run = await runBackup(source.url('app'), { 'github-token': READ_ONLY_TOKEN });
    await expectNoLeak(run, [PASSWORD, READ_ONLY_TOKEN], /token was rejected.*403/);
  });
});

describe('the CLI (dist/cli.js backup --json) leaks no secret', () => {
  for (const password of [PASSWORD, WRONG_PASSWORD]) {
    const ok = password === PASSWORD;
    it(`when the backup ${ok ? 'succeeds' : 'fails'}`, async () => {
      const project = { name: 'fixture', db_url_secret: 'FIXTURE_DB_URL' };
      const config = writeConfig({ ...project, destinations: ['branch'] });
      const out = mkdtempSync(join(tmpdir(), 'leaks-out-'));
      const res = await builtCli(
        ['backup', '--config', config, '--out', out, '--json'],
        backupEnv({
          ...{ FIXTURE_DB_URL: urlWith(password), GITHUB_TOKEN: TOKEN },
          ...{ GITHUB_REPOSITORY: REPO, GIT_SERVER_URL: gitServerUrl() },
        }),
      );
      expect(res.code, res.stderr).toBe(ok ? 0 : 1);
      expect(JSON.parse(res.stdout)).toHaveProperty(ok ? 'sets.0.branch.commit' : 'failures.0');
      const scan = new Scan();
      scan.check('stdout', res.stdout);
      scan.check('stderr', res.stderr);
      await scan.tree('out', out);
      await scan.branch();
      expect(scan.hits).toEqual([]);
    });
  }
});
