import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartRecord } from '../../src/catalog/backup-json.js';
import { parseManifest } from '../../src/catalog/manifest.js';
import { StorageError } from '../../src/errors.js';
import { SetWriter } from '../../src/set/writer.js';
import {
  DEFAULT_BRANCH_AUTHOR,
  pushSetsToBranch,
  readBranchManifest,
  removeSetsFromBranch,
  type BranchOptions,
  type BranchTarget,
} from '../../src/destinations/branch/commit.js';
import type { FinishedSet } from '../../src/destinations/types.js';
import { startGitServer, type GitRequest, type GitServer } from '../support/git-server.js';
import { commitSet, pipelinePart, testManifest } from '../support/test-set.js';
import { tmp } from '../support/temp-dirs.js';
import { captureLogger } from './sets.js';

const TOKEN = 'ghs_test-token-0123456789abcdef';
const READ_ONLY = 'ghs_read-only-token-42';
const BRANCH = 'supabase-backups';
const sh = promisify(execFile);
const gitEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'someone else',
  GIT_AUTHOR_EMAIL: 'else@example.com',
  GIT_COMMITTER_NAME: 'someone else',
  GIT_COMMITTER_EMAIL: 'else@example.com',
};
/** The tests' own git (async: the server runs in this process). */
async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await sh('git', args, { cwd, env: gitEnv, maxBuffer: 64 << 20 })).stdout;
}
const authArgs = (token: string) => [
  '-c',
  `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
];

let server: GitServer;
let hook: ((r: GitRequest) => Promise<void>) | null = null;
beforeAll(async () => {
  server = await startGitServer({
    token: TOKEN,
    readOnlyToken: READ_ONLY,
    beforeRequest: (r) => hook?.(r),
  });
});
afterAll(async () => {
  await server.close();
});

async function makeSet(project: string, at: string, rows = 3): Promise<FinishedSet> {
  const writer = await SetWriter.begin(tmp('set-'), project, new Date(at));
  const parts: PartRecord[] = [];
  for (const part of ['roles', 'schema'] as const) {
    const sql = `-- ${part} of ${project} at ${at}\n${'SELECT 1;\n'.repeat(rows)}`;
    parts.push(await pipelinePart(writer.dir, part, `${part}.sql.gz`, sql));
  }
  const manifest = testManifest(writer, project, at, parts, {
    tables: [{ schema: 'public', name: 'orders', rows }],
    warnings: rows > 5 ? ['something to know'] : [],
  });
  return commitSet(writer, manifest);
}

let repoCount = 0;
async function newRemote(token = TOKEN): Promise<{ target: BranchTarget; bare: string }> {
  const name = `backups-${++repoCount}.git`;
  const bare = await server.createBareRepo(name);
  return {
    bare,
    target: { remoteUrl: server.url(name), branch: BRANCH, token, author: DEFAULT_BRANCH_AUTHOR },
  };
}

function options(
  extra: Partial<BranchOptions> = {},
): BranchOptions & { logger: ReturnType<typeof captureLogger> } {
  return {
    workDir: tmp('branch-work-'),
    logger: captureLogger(),
    retryBaseMs: 10,
    now: () => new Date('2026-11-22T04:00:00Z'),
    ...extra,
  } as BranchOptions & { logger: ReturnType<typeof captureLogger> };
}

async function cloneBranch(target: BranchTarget): Promise<string> {
  const dir = tmp('clone-');
  await git(
    dir,
    ...authArgs(TOKEN),
    'clone',
    '-q',
    '--single-branch',
    '--branch',
    BRANCH,
    target.remoteUrl,
    'c',
  );
  return join(dir, 'c');
}

async function tip(bare: string): Promise<string> {
  return (await git(bare, 'for-each-ref', '--format=%(objectname)', `refs/heads/${BRANCH}`)).trim();
}

/** Someone else commits files to the branch (directly in the bare repository). */
async function thirdPartyCommit(bare: string, files: Record<string, string>): Promise<void> {
  const dir = tmp('third-');
  await git(dir, 'init', '-q');
  await git(dir, 'fetch', '-q', bare, `refs/heads/${BRANCH}`).then(
    () => git(dir, 'checkout', '-q', '-B', BRANCH, 'FETCH_HEAD'),
    () => git(dir, 'checkout', '-q', '--orphan', BRANCH),
  );
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'third party');
  await git(dir, 'push', '-q', bare, `HEAD:refs/heads/${BRANCH}`);
}

const secrets = [TOKEN, Buffer.from(`x-access-token:${TOKEN}`).toString('base64')];
function expectNoSecret(text: string): void {
  for (const s of secrets) expect(text).not.toContain(s);
}

describe('backup branch', () => {
  it('creates the branch with the set, byte for byte, and a catalog naming its commit', async () => {
    const { target, bare } = await newRemote();
    const set = await makeSet('prod', '2026-11-22T03:15:00Z');
    const opts = options({ keepWorkClone: true, reason: 'workflow_dispatch: before | migration' });
    // While git talks to the server, no process's command line (what `ps` shows) has the token.
    const commandLines: string[] = [];
    hook = async () => {
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          commandLines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
        } catch {
          // gone already
        }
      }
    };
    const result = await pushSetsToBranch([set], target, opts).finally(() => (hook = null));
    expect(commandLines.some((c) => c.includes('git-remote-http'))).toBe(true);
    expectNoSecret(commandLines.join('\n'));
    expect(result.attempts).toBe(1);
    expect(result.commit).toBe(await tip(bare));

    const clone = await cloneBranch(target);
    const folder = join(clone, 'prod', set.setId);
    for (const name of readdirSync(set.dir))
      expect(readFileSync(join(folder, name)).equals(readFileSync(join(set.dir, name)))).toBe(true);
    expect((await sh('sha256sum', ['-c', 'SHA256SUMS'], { cwd: folder })).stdout).toMatch(
      /roles.sql.gz: OK/,
    );

    const manifest = parseManifest(readFileSync(join(clone, 'manifest.json'), 'utf8'));
    expect(manifest.sets.map((e) => e.path)).toEqual([`prod/${set.setId}`]);
    const added = (await git(clone, 'log', '--format=%H', '--', `prod/${set.setId}`)).trim();
    expect(manifest.sets[0]!.commit).toBe(added);
    expect(manifest.sets[0]!.reason).toBe('workflow_dispatch: before | migration');
    expect(result.entries).toEqual(manifest.sets);
    expect((await git(clone, 'rev-list', '--max-parents=0', 'HEAD')).trim()).toBe(added);
    expect((await git(clone, 'log', '--format=%an <%ae>', '-1')).trim()).toBe(
      'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>',
    );
    const readme = readFileSync(join(clone, 'README.md'), 'utf8');
    expect(readme).toContain(`[${set.setId}](./prod/${set.setId}/)`);
    expect(readme).toContain('before \\| migration');

    const work = readdirSync(opts.workDir).map((d) => join(opts.workDir, d));
    expect(work).toHaveLength(1);
    expectNoSecret(readFileSync(join(work[0]!, '.git', 'config'), 'utf8'));
    expectNoSecret(opts.logger.lines.join('\n'));
    expect(opts.logger.lines.some((l) => l.startsWith('git push'))).toBe(true);
  });

  it('adds a second set and keeps the first, fetching none of the older files', async () => {
    const { target } = await newRemote();
    const first = await makeSet('prod', '2026-11-22T03:15:00Z');
    const r1 = await pushSetsToBranch([first], target, options());
    const second = await makeSet('prod', '2026-11-23T03:15:00Z', 9);
    const staging = await makeSet('staging', '2026-11-23T03:20:00Z');
    const opts = options({ keepWorkClone: true });
    const n0 = server.requests.length;
    const r2 = await pushSetsToBranch([second, staging], target, opts);
    // A fetch of the tip, one of the blobs the catalog reads, one push. git may negotiate an extra
    // round under load, so bound the fetches rather than pin the exact sequence; that old part
    // files are never downloaded is checked on the work clone below.
    const calls = server.requests
      .slice(n0)
      .map((r) => `${r.method} ${r.path.replace(/^\/[^/]+/, '')}`);
    expect(calls.filter((c) => c === 'POST /git-receive-pack')).toHaveLength(1);
    expect(calls.filter((c) => c === 'POST /git-upload-pack').length).toBeLessThanOrEqual(4);
    expect(calls.filter((c) => c === 'POST /git-upload-pack').length).toBeGreaterThanOrEqual(2);
    expect(r2.entries.map((e) => e.path)).toEqual([
      `prod/${second.setId}`,
      `staging/${staging.setId}`,
    ]);

    const clone = await cloneBranch(target);
    const manifest = parseManifest(readFileSync(join(clone, 'manifest.json'), 'utf8'));
    expect(manifest.sets.map((e) => e.path)).toEqual([
      `prod/${first.setId}`,
      `prod/${second.setId}`,
      `staging/${staging.setId}`,
    ]);
    expect(manifest.sets[0]!.commit).toBe(r1.entries[0]!.commit);
    expect(manifest.sets[1]!.commit).toBe(r2.entries[0]!.commit);
    expect(manifest.sets[1]!.warnings).toEqual(['something to know']);
    const readme = readFileSync(join(clone, 'README.md'), 'utf8');
    expect(readme.indexOf(second.setId)).toBeLessThan(readme.indexOf(`(./prod/${first.setId}/)`));

    // The work repository never held the first set's parts: the fetch is blobless.
    const work = join(opts.workDir, readdirSync(opts.workDir)[0]!);
    const missing = await git(work, 'rev-list', '--objects', '--missing=print', r2.commit);
    const firstRoles = (
      await git(clone, 'rev-parse', `HEAD:prod/${first.setId}/roles.sql.gz`)
    ).trim();
    expect(missing).toContain(`?${firstRoles}`);

    // The same set again changes nothing.
    const again = await pushSetsToBranch([second], target, options());
    expect(again).toMatchObject({ attempts: 0, commit: r2.commit });
  });

  it('refuses a wrong token without quoting it, and pushes nothing', async () => {
    const { target, bare } = await newRemote('wrong-token-value');
    const before = server.requests.length;
    const opts = options();
    const err = await pushSetsToBranch(
      [await makeSet('prod', '2026-11-22T03:15:00Z')],
      target,
      opts,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    const message = (err as Error).message;
    expect(message).toMatch(
      /^the token was rejected by 127\.0\.0\.1:\d+: check github-token \/ contents: write permission/,
    );
    expect(message).not.toContain('wrong-token-value');
    expect(message).not.toContain(
      Buffer.from('x-access-token:wrong-token-value').toString('base64'),
    );
    expect(server.requests.slice(before).every((r) => !r.authorized)).toBe(true);
    expect(await tip(bare)).toBe('');
  });

  it('refuses a token that may read but not push (no contents: write), leaving the branch', async () => {
    const { target, bare } = await newRemote();
    await thirdPartyCommit(bare, { 'notes.txt': 'x\n' });
    const before = await tip(bare);
    const err = await pushSetsToBranch(
      [await makeSet('prod', '2026-11-22T03:15:00Z')],
      { ...target, token: READ_ONLY },
      options(),
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^the token was rejected by 127\.0\.0\.1:\d+: .*git push: .*403/s,
    );
    expect((err as Error).message).not.toContain(READ_ONLY);
    expect(await tip(bare)).toBe(before);
  });

  it('merges pushes that start at the same time, never forcing', async () => {
    const { target } = await newRemote();
    const sets = await Promise.all(
      ['a', 'b', 'c'].map((p, i) => makeSet(p, `2026-11-22T03:1${i}:00Z`)),
    );
    const results = await Promise.all(sets.map((s) => pushSetsToBranch([s], target, options())));
    const clone = await cloneBranch(target);
    const manifest = parseManifest(readFileSync(join(clone, 'manifest.json'), 'utf8'));
    expect(manifest.sets.map((e) => e.path)).toEqual(sets.map((s) => `${s.project}/${s.setId}`));
    for (const s of sets)
      expect(readdirSync(join(clone, s.project, s.setId))).toContain('backup.json');
    for (const [i, r] of results.entries())
      expect(manifest.sets[i]!.commit).toBe(r.entries[0]!.commit);
    expect(results.map((r) => r.attempts).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['before the push is negotiated', '/info/refs?service=git-receive-pack'],
    ['while the pack is received', '/git-receive-pack'],
  ])('gives up after maxAttempts when the branch keeps moving %s', async (_what, suffix) => {
    const { target, bare } = await newRemote();
    await thirdPartyCommit(bare, { 'notes.txt': 'start\n' });
    let moves = 0;
    hook = async (r) => {
      if (r.path.endsWith(suffix))
        await thirdPartyCommit(bare, { 'notes.txt': `move ${++moves}\n` });
    };
    try {
      const opts = options({ maxAttempts: 3 });
      const err = await pushSetsToBranch(
        [await makeSet('prod', '2026-11-22T03:15:00Z')],
        target,
        opts,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toMatch(/rejected 3 time\(s\) .*nothing was pushed/s);
      expectNoSecret((err as Error).message);
      expect(moves).toBe(3);
      const clone = await cloneBranch(target);
      expect(readdirSync(clone).sort()).toEqual(['.git', 'notes.txt']);
      expect((await git(clone, 'log', '--format=%an', '--')).trim().split('\n')).toEqual(
        Array(4).fill('someone else'),
      );
    } finally {
      hook = null;
    }
  });

  it('rebuilds on the new tip when the branch moved once, keeping what others pushed', async () => {
    const { target, bare } = await newRemote();
    await pushSetsToBranch([await makeSet('prod', '2026-11-21T03:15:00Z')], target, options());
    let moved = false;
    hook = async (r) => {
      if (!moved && r.path.endsWith('/git-receive-pack')) {
        moved = true;
        await thirdPartyCommit(bare, { 'notes.txt': 'hello\n' });
      }
    };
    try {
      const set = await makeSet('prod', '2026-11-22T03:15:00Z');
      const result = await pushSetsToBranch([set], target, options());
      expect(result.attempts).toBe(2);
      const clone = await cloneBranch(target);
      expect(readFileSync(join(clone, 'notes.txt'), 'utf8')).toBe('hello\n');
      const manifest = parseManifest(readFileSync(join(clone, 'manifest.json'), 'utf8'));
      expect(manifest.sets).toHaveLength(2);
      expect(manifest.sets[1]!.commit).toBe(
        (await git(clone, 'log', '--format=%H', '--', `prod/${set.setId}`)).trim(),
      );
    } finally {
      hook = null;
    }
  });

  it('stops at a corrupt manifest.json and leaves the branch as it was', async () => {
    const { target, bare } = await newRemote();
    await thirdPartyCommit(bare, { 'manifest.json': '{"format": "supabase-backup-manifest", ' });
    const before = await tip(bare);
    const err = await pushSetsToBranch(
      [await makeSet('prod', '2026-11-22T03:15:00Z')],
      target,
      options(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(
      /^manifest\.json on branch supabase-backups of .* is corrupt: manifest\.json is not valid JSON/,
    );
    expect(await tip(bare)).toBe(before);
    await expect(readBranchManifest(target, options())).rejects.toThrow(/corrupt/);

    await thirdPartyCommit(bare, { 'manifest.json': JSON.stringify({ format: 'other' }) });
    await expect(readBranchManifest(target, options())).rejects.toThrow(/format: /);
  });

  it('removes sets and their catalog entries; reads the catalog back', async () => {
    const { target, bare } = await newRemote();
    expect(await readBranchManifest(target, options())).toBeNull();
    expect(await removeSetsFromBranch(['prod/2026-11-22T031500Z'], target, options())).toEqual({
      commit: '',
      entries: [],
      attempts: 0,
    });
    expect(await tip(bare)).toBe('');
    const old = await makeSet('prod', '2026-11-20T03:15:00Z');
    const keep = await makeSet('prod', '2026-11-22T03:15:00Z');
    await pushSetsToBranch([old, keep], target, options());
    const result = await removeSetsFromBranch([`prod/${old.setId}`], target, options());
    expect(result.entries.map((e) => e.path)).toEqual([`prod/${old.setId}`]);
    const clone = await cloneBranch(target);
    expect(readdirSync(join(clone, 'prod'))).toEqual([keep.setId]);
    const manifest = await readBranchManifest(target, options());
    expect(manifest?.sets.map((e) => e.path)).toEqual([`prod/${keep.setId}`]);
    expect(readFileSync(join(clone, 'README.md'), 'utf8')).not.toContain(old.setId);
    await expect(removeSetsFromBranch(['../etc'], target, options())).rejects.toThrow(
      /not a set path/,
    );
  });

  it('refuses files over maxFileBytes before talking to the server', async () => {
    const { target } = await newRemote();
    const before = server.requests.length;
    await expect(
      pushSetsToBranch(
        [await makeSet('prod', '2026-11-22T03:15:00Z')],
        target,
        options({ maxFileBytes: 40 }),
      ),
    ).rejects.toThrow(/cannot be pushed to GitHub \(it refuses files over 100 MiB\)/);
    expect(server.requests.length).toBe(before);
  });
});
