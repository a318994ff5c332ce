/**
 * Hostile restore sources (issue #13), through the built CLI: whoever can write a set (an
 * artifact, a push to the backup branch) must not make restore read, write or send anything
 * outside the set. Each case gets a clear refusal and leaves nothing behind: the CLI runs with a
 * private TMPDIR that must be empty afterwards, and no secret appears in what it prints.
 * The sets are hand-made (no database is needed: every refusal comes before a connection).
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupJson } from '../../src/catalog/backup-json.js';
import { entryFor, serializeManifest } from '../../src/catalog/manifest.js';
import { secretForms } from '../../src/log.js';
import { BUILT_CLI } from '../support/cli.js';
import { git as gitIn, gitEnv } from '../support/git.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import {
  forgedEndRecordZip,
  storedEntry,
  symlinkEntry,
  writeZip,
  zeroBomb,
} from '../support/zip-builder.js';

const exec = promisify(execFile);
const TOKEN = 'ghs_hostileSourcesToken0123456789abcdef';
const QUERY_SECRET = 'qs_queryStringSecret0123456789';
const SET_ID = '2026-11-22T031500Z';
const TARGET = 'postgresql://postgres@127.0.0.1:9/never_connected';
const work = mkdtempSync(join(tmpdir(), 'hostile-'));
let git: GitServer;

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A complete set (schema and data parts, stored plain) under <root>/<project>/<set-id>. */
function makeSet(root: string, edit: (m: Record<string, unknown>) => void = () => undefined) {
  const dir = join(root, 'fixture', SET_ID);
  mkdirSync(dir, { recursive: true });
  const parts = ['schema', 'data'].map((part) => {
    const body = Buffer.from(`-- ${part}\nselect 1;\n`);
    writeFileSync(join(dir, `${part}.sql`), body);
    const digest = sha256(body);
    return {
      part,
      file: `${part}.sql`,
      bytes: body.length,
      sha256: digest,
      raw_bytes: body.length,
      raw_sha256: digest,
      compression: 'none',
      encryption: null,
      duration_ms: 1,
    };
  });
  const manifest: Record<string, unknown> = {
    format: 'supabase-backup-set',
    format_version: 1,
    project: 'fixture',
    ref: null,
    set_id: SET_ID,
    started_at: '2026-11-22T03:15:00.000Z',
    finished_at: '2026-11-22T03:15:02.000Z',
    engine: 'pg-dump',
    tools: { node: '24.0.0' },
    server: { version: '17.4', major: 17 },
    parts,
    tables: [{ schema: 'public', name: 'notes', rows: 0 }],
    materialized_views: [],
    warnings: [],
  };
  edit(manifest);
  writeFileSync(join(dir, 'backup.json'), JSON.stringify(manifest, null, 2) + '\n');
  const sums = parts.map((p) => `${p.sha256}  ${p.file}\n`).join('');
  writeFileSync(join(dir, 'SHA256SUMS'), sums);
  return dir;
}

/** The set's files as stored zip entries, at the zip's root (as an artifact holds them). */
const entriesOf = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((n) => storedEntry(n, readFileSync(join(dir, n))));

interface Run {
  code: number | null;
  signal: string | null;
  out: string;
  /** What the CLI left in its TMPDIR. */
  left: string[];
}

/** `node dist/cli.js …` with a private TMPDIR; `node` is another Node binary when given. */
function cli(argv: string[], env: NodeJS.ProcessEnv = {}, node = process.execPath): Promise<Run> {
  const temp = mkdtempSync(join(work, 'tmpdir-'));
  return new Promise((resolve, reject) => {
    const child = spawn(node, [BUILT_CLI, ...argv], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: temp, T: TARGET, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, left: readdirSync(temp) }));
  });
}

const restore = (from: string[], env?: NodeJS.ProcessEnv, node?: string) =>
  cli(['restore', ...from, '--target-url-env', 'T', '--dry-run'], env, node);

/** Lines the Actions runner would obey (the CLI's output is read by it in a `run:` step). */
const commandLines = (text: string) =>
  text.split(/\r?\n|\r/).filter((l) => l.trimStart().startsWith('::') || l.includes('##['));

/** A refusal: exit 1 (a restore error, not a crash), the message, nothing left behind. */
function expectRefusal(run: Run, message: RegExp): void {
  expect(run.signal, run.out).toBeNull();
  expect(run.code, run.out).toBe(1);
  expect(run.out).toMatch(message);
  expect(run.left).toEqual([]);
  expect(commandLines(run.out)).toEqual([]);
}

beforeAll(async () => {
  git = await startGitServer({ token: TOKEN });
});
afterAll(async () => {
  await git?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('hostile artifact zips', () => {
  it('control: the set zipped as an artifact restores (dry run) and leaves nothing', async () => {
    const zip = writeZip(join(work, 'good.zip'), entriesOf(makeSet(mkdtempSync(join(work, 's-')))));
    const run = await restore(['--from', zip]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/restore fixture\/2026-11-22T031500Z/);
    expect(run.left).toEqual([]);
  });

  it('backup.json as a symbolic link to /etc/passwd: refused, never followed', async () => {
    const dir = makeSet(mkdtempSync(join(work, 's-')));
    const entries = entriesOf(dir).filter((e) => e.name !== 'backup.json');
    const zip = writeZip(join(work, 'link.zip'), [
      symlinkEntry('backup.json', '/etc/passwd'),
      ...entries,
    ]);
    const run = await restore(['--from', zip]);
    expectRefusal(run, /symbolic link, "backup\.json": a set holds only files/);
    expect(run.out).not.toContain('root:');
  });

  it('a part as a symbolic link to a local file: refused, its size and digest unsaid', async () => {
    const secret = join(work, 'local-secret.txt');
    writeFileSync(secret, randomBytes(777).toString('hex'));
    const dir = makeSet(mkdtempSync(join(work, 's-')));
    const entries = entriesOf(dir).filter((e) => e.name !== 'data.sql');
    const zip = writeZip(join(work, 'part-link.zip'), [
      ...entries,
      symlinkEntry('data.sql', secret),
    ]);
    const run = await restore(['--from', zip]);
    expectRefusal(run, /symbolic link, "data\.sql"/);
    expect(run.out).not.toContain(sha256(readFileSync(secret)));
    expect(run.out).not.toContain('1554');
  });

  it('a 52-byte zip whose end record claims a 4 GB central directory: no abort', async () => {
    const zip = join(work, 'forged.zip');
    writeFileSync(zip, forgedEndRecordZip());
    expectRefusal(
      await restore(['--from', zip]),
      /central directory \(4294967280 bytes at 0\) lies outside the file/,
    );
  });

  it('a 2 MB zip of 2 GiB of zeros: refused before anything is written', async () => {
    const dir = makeSet(mkdtempSync(join(work, 's-')));
    const entries = entriesOf(dir).filter((e) => e.name !== 'data.sql');
    const zip = writeZip(join(work, 'bomb.zip'), [...entries, zeroBomb('data.sql', 2 ** 31)]);
    expectRefusal(await restore(['--from', zip]), /more than 200:1\): refusing a zip bomb/);
  });

  it('a zip whose entry inflates past the size it declares: stopped there', async () => {
    const dir = makeSet(mkdtempSync(join(work, 's-')));
    const entries = entriesOf(dir).filter((e) => e.name !== 'data.sql');
    const zip = writeZip(join(work, 'liar.zip'), [
      ...entries,
      zeroBomb('data.sql', 64 * 1024 * 1024, 21),
    ]);
    expectRefusal(
      await restore(['--from', zip]),
      /data\.sql in the zip holds more than the 21 bytes it declares/,
    );
  });
});

describe('hostile set directories', () => {
  it('a part linked to a local file: verify and restore refuse without reading it', async () => {
    const secret = join(work, 'local-secret-2.txt');
    writeFileSync(secret, randomBytes(500).toString('hex'));
    const dir = makeSet(mkdtempSync(join(work, 's-')));
    rmSync(join(dir, 'data.sql'));
    symlinkSync(secret, join(dir, 'data.sql'));
    for (const run of [await restore(['--from', dir]), await cli(['verify', '--from', dir])]) {
      expectRefusal(run, /data\.sql: not a plain file \(a symbolic link, directory or device\)/);
      expect(run.out).not.toContain(sha256(readFileSync(secret)));
      expect(run.out).not.toMatch(/1000 bytes/);
    }
  });

  it('set metadata that would forge workflow commands: refused, and no line is a command', async () => {
    const forged = makeSet(mkdtempSync(join(work, 's-')), (m) => {
      m.project = 'x\n::notice title=forged::restore succeeded';
      m.server = { version: '17.4\r::add-mask::x', major: 17 };
    });
    for (const run of [
      await restore(['--from', forged]),
      await cli(['verify', '--from', forged]),
    ]) {
      expectRefusal(run, /project: must be a project name/);
    }
  });

  it('a table name holding a workflow command (names may hold anything) is printed inert', async () => {
    const table = 'x\n::notice title=forged::restore succeeded';
    const dir = makeSet(mkdtempSync(join(work, 's-')), (m) => {
      m.tables = [{ schema: 'public', name: table, rows: 0 }];
    });
    const run = await restore(['--from', dir, '--tables', `public."${table}"`]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('public.x\n> ::notice title=forged::restore succeeded: 0 rows');
    expect(commandLines(run.out)).toEqual([]);
    expect(run.left).toEqual([]);
  });
});

/** A repository with one commit on supabase-backups: the files of `root`, and `manifest`. */
async function branchRepo(name: string, root: string, manifest: string): Promise<string> {
  const bare = await git.createBareRepo(`${name}.git`);
  const checkout = join(work, `${name}-checkout`);
  cpSync(root, checkout, { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(checkout, 'manifest.json'), manifest);
  await gitIn(checkout, 'init', '-q', '-b', 'supabase-backups');
  await gitIn(checkout, 'add', '-A');
  await gitIn(checkout, 'commit', '-q', '-m', 'hostile');
  await gitIn(checkout, 'push', '-q', bare, 'supabase-backups');
  return checkout;
}

function manifestFor(dir: string, edit: (e: Record<string, unknown>) => void = () => undefined) {
  const backup = parseBackupJson(readFileSync(join(dir, 'backup.json'), 'utf8'));
  const entry = entryFor(`fixture/${SET_ID}`, backup, { commit: null, reason: null });
  const text = serializeManifest({
    format: 'supabase-backup-manifest',
    format_version: 1,
    updated_at: '2026-11-22T03:16:00.000Z',
    sets: [entry],
  });
  const raw = JSON.parse(text) as { sets: Record<string, unknown>[] };
  edit(raw.sets[0]!);
  return JSON.stringify(raw, null, 2);
}

describe('hostile backup branches', () => {
  const env = { GITHUB_TOKEN: TOKEN };

  it('control: the branch restores (dry run) over http to this machine, with the token', async () => {
    const root = mkdtempSync(join(work, 'b-'));
    await branchRepo('good', root, manifestFor(makeSet(root)));
    const run = await restore(['--from-branch', git.url('good.git')], env);
    expect(run.code, run.out).toBe(0);
    expect(run.left).toEqual([]);
    for (const form of secretForms(TOKEN)) expect(run.out).not.toContain(form);
  });

  it('a manifest.json entry with path "../outsideset": refused, remote and checkout', async () => {
    const root = mkdtempSync(join(work, 'b-'));
    const manifest = manifestFor(makeSet(root), (e) => (e.path = '../outsideset'));
    // What it points at exists: a set just outside the checkout (which the old code restored).
    cpSync(makeSet(mkdtempSync(join(work, 'o-'))), join(work, 'outsideset'), { recursive: true });
    const checkout = await branchRepo('outside', root, manifest);
    const message =
      /sets\.0\.path: must be fixture\/2026-11-22T031500Z \(<project>\/<set-id>\), not "\.\.\/outsideset"/;
    expectRefusal(await restore(['--from-branch', git.url('outside.git')], env), message);
    expectRefusal(await restore(['--from-branch', checkout]), message);
  });

  it('a set file committed as a symbolic link: refused before the checkout', async () => {
    const root = mkdtempSync(join(work, 'b-'));
    const dir = makeSet(root);
    const manifest = manifestFor(dir);
    rmSync(join(dir, 'backup.json'));
    symlinkSync('/etc/passwd', join(dir, 'backup.json'));
    const checkout = await branchRepo('linked', root, manifest);
    const remote = await restore(['--from-branch', git.url('linked.git')], env);
    expectRefusal(remote, /fixture\/2026-11-22T031500Z\/backup\.json is a symbolic link/);
    const local = await restore(['--from-branch', checkout]);
    expectRefusal(local, /backup\.json: not a plain file/);
    for (const run of [remote, local]) expect(run.out).not.toContain('root:');
  });

  it('GITHUB_TOKEN is never sent over plain http to another machine', async () => {
    const run = await restore(['--from-branch', 'http://backups.example.invalid/octo/b.git'], env);
    expectRefusal(run, /refusing to send the token over plain http to backups\.example\.invalid/);
    for (const form of secretForms(TOKEN)) expect(run.out).not.toContain(form);
  });

  it('a token in the URL query is never printed, though git says the URL', async () => {
    const url = `${git.url('good.git')}?access_token=${QUERY_SECRET}`;
    // What git itself prints for such a URL: the secret (so this test can fail).
    const header = `AUTHORIZATION: basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`;
    const said = await exec('git', ['-c', `http.extraheader=${header}`, 'ls-remote', url], {
      env: gitEnv,
    }).then(
      (r) => r.stderr,
      (e: { stderr: string }) => e.stderr,
    );
    expect(said).toContain(QUERY_SECRET);
    const run = await restore(['--from-branch', url], env);
    expect(run.code, run.out).toBe(1);
    expect(run.left).toEqual([]);
    for (const secret of [QUERY_SECRET, TOKEN])
      for (const form of secretForms(secret)) expect(run.out).not.toContain(form);
    expect(run.out).toContain('***');
  });
});
