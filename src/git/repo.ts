/**
 * Git plumbing for the backup branch, in a private repository that never checks anything out:
 * fetches are shallow and blobless (only the commit and its trees; the few small blobs the
 * catalog needs are fetched by id), commits are built from the index with hash-object,
 * update-index, write-tree and commit-tree, and pushes never force.
 *
 * The token reaches git only as an `http.<origin>/.extraheader` entry in GIT_CONFIG_* variables
 * of the child's environment: never in argv, a URL, .git/config or a log line.
 */
import { mkdir } from 'node:fs/promises';
import { StorageError } from '../errors.js';
import { classifyGitOutput, GitFailure } from './failure.js';
import { Redactor, type Logger } from '../log.js';
import { runUnchecked, type RunResult } from '../proc/run.js';
import {
  authHeader,
  describeRemote,
  gitEnv,
  parseUrl,
  tokenAllowed,
  urlSecrets,
} from './remote.js';

export { describeRemote } from './remote.js';
export { classifyGitOutput, GitFailure, type GitFailureKind } from './failure.js';

export interface GitRemote {
  remoteUrl: string;
  token: string | undefined;
  author: { name: string; email: string };
}

export interface TreeEntry {
  mode: string;
  oid: string;
  path: string;
}

export class GitRepo {
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly dir: string,
    private readonly remote: GitRemote,
    private readonly redactor: Redactor,
    private readonly logger: Logger,
    private readonly signal: AbortSignal | undefined,
  ) {
    const header = authHeader(remote.token);
    this.env = gitEnv({
      header: header ? { origin: new URL(remote.remoteUrl).origin, value: header } : null,
      extra: {
        // No user or global config: identity, credential helpers and url rewrites are ours alone.
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: remote.author.name,
        GIT_AUTHOR_EMAIL: remote.author.email,
        GIT_COMMITTER_NAME: remote.author.name,
        GIT_COMMITTER_EMAIL: remote.author.email,
      },
    });
  }

  /** A new, empty repository at `dir` whose `origin` is the remote. */
  static async init(
    dir: string,
    remote: GitRemote,
    options: { logger: Logger; signal?: AbortSignal },
  ): Promise<GitRepo> {
    const parsed = parseUrl(remote.remoteUrl);
    if (parsed && (parsed.username || parsed.password))
      throw new StorageError(
        `the backup branch's remote URL must not contain credentials (${describeRemote(remote.remoteUrl)}): pass the token as github-token instead`,
      );
    if (remote.token && !tokenAllowed(remote.remoteUrl))
      throw new StorageError(
        parsed?.protocol === 'http:'
          ? `refusing to send the token over plain http to ${describeRemote(remote.remoteUrl)}: ` +
              'use an https:// URL (a token goes over http only to this machine, for tests), ' +
              'or give no token (GITHUB_TOKEN, github-token) to read a public repository'
          : `a token can only be sent to an https remote, not ${describeRemote(remote.remoteUrl)}`,
      );
    const redactor = new Redactor();
    const header = authHeader(remote.token);
    const secrets = [remote.token, header, header?.slice('AUTHORIZATION: basic '.length)];
    for (const secret of [...secrets, ...urlSecrets(remote.remoteUrl)]) {
      if (!secret) continue;
      redactor.add(secret);
      options.logger.mask(secret);
    }
    await mkdir(dir, { recursive: true });
    const repo = new GitRepo(dir, remote, redactor, options.logger, options.signal);
    await repo.git(['init', '--quiet', dir], 'init');
    await repo.git(['remote', 'add', 'origin', remote.remoteUrl], 'remote add');
    return repo;
  }

  /** Runs git in the repository; throws a GitFailure (with redacted output) on a non-zero exit. */
  async git(args: string[], what: string, input?: string): Promise<string> {
    const result = await this.gitUnchecked(args, input);
    if (result.code !== 0) throw this.failure(what, result);
    return result.stdout;
  }

  private gitUnchecked(args: string[], input?: string): Promise<RunResult> {
    const full = [
      ...['-c', 'core.autocrlf=false', '-c', 'commit.gpgsign=false', '-c', 'gc.auto=0'],
      ...['-c', 'maintenance.auto=false', '-c', 'core.hooksPath=/dev/null'],
      ...['-c', 'credential.helper=', '-c', 'core.askPass=', '-c', 'protocol.version=2'],
      ...args,
    ];
    this.logger.debug(`git ${args.join(' ')}`);
    return runUnchecked('git', full, {
      cwd: this.dir,
      env: this.env,
      input,
      signal: this.signal,
    });
  }

  private failure(what: string, result: RunResult): GitFailure {
    // What git said, minus its advice and progress lines, with any secret blanked out.
    const said = this.redactor
      .redact(`${result.stderr}\n${result.stdout}`)
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l && !/^(hint:|To |Done$)/.test(l))
      .join('\n');
    const reason = classifyGitOutput(said);
    const detail = said ? `: ${said}` : '';
    if (reason === 'auth')
      return new GitFailure(
        reason,
        `the token was rejected by ${parseUrl(this.remote.remoteUrl)?.host ?? this.remote.remoteUrl}: check github-token / ` +
          `contents: write permission (git ${what}${detail})`,
      );
    return new GitFailure(
      reason,
      `git ${what} (${describeRemote(this.remote.remoteUrl)}) exited with code ${result.code}${detail}`,
    );
  }

  /** Shallow, blobless fetch of the branch; its tip, or null when the branch does not exist. */
  async fetchTip(branch: string): Promise<string | null> {
    const ref = `refs/remotes/origin/${branch}`;
    const args = ['fetch', '--quiet', '--depth=1', '--filter=blob:none', '--no-tags'];
    const result = await this.gitUnchecked([...args, 'origin', `+refs/heads/${branch}:${ref}`]);
    if (result.code !== 0) {
      if (/couldn't find remote ref/i.test(result.stderr)) return null;
      throw this.failure('fetch', result);
    }
    return (await this.git(['rev-parse', '--verify', `${ref}^{commit}`], 'rev-parse')).trim();
  }

  /** Every file of a commit's tree (reads trees only). */
  async listTree(commit: string): Promise<TreeEntry[]> {
    const out = await this.git(['ls-tree', '-r', '-z', '--full-tree', commit], 'ls-tree');
    const entries: TreeEntry[] = [];
    for (const record of out.split('\0')) {
      const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(record);
      if (m && m[2] === 'blob') entries.push({ mode: m[1]!, oid: m[3]!, path: m[4]! });
    }
    return entries;
  }

  /** The text of some blobs of `commit`, fetching the missing ones in one request. */
  async readBlobs(commit: string | null, oids: string[]): Promise<Map<string, string>> {
    const wanted = new Set(oids);
    const texts = new Map<string, string>();
    if (!commit || wanted.size === 0) return texts;
    const listing = await this.git(
      ['rev-list', '--objects', '--missing=print', commit],
      'rev-list',
    );
    const missing = listing
      .split('\n')
      .filter((l) => l.startsWith('?') && wanted.has(l.slice(1).trim()))
      .map((l) => l.slice(1).trim());
    if (missing.length > 0) {
      const fetch = ['-c', 'fetch.negotiationAlgorithm=noop', 'fetch', '--quiet', 'origin'];
      const opts = ['--no-tags', '--no-write-fetch-head', '--recurse-submodules=no'];
      await this.git(
        [...fetch, ...opts, '--filter=blob:none', '--stdin'],
        'fetch',
        missing.join('\n') + '\n',
      );
    }
    for (const oid of wanted) texts.set(oid, await this.git(['cat-file', 'blob', oid], 'cat-file'));
    return texts;
  }

  /** Stores files byte for byte (no filters, no attributes); their blob ids in order. */
  async hashFiles(paths: string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    const out = await this.git(
      ['hash-object', '-w', '--no-filters', '--stdin-paths'],
      'hash-object',
      paths.join('\n') + '\n',
    );
    return out.trim().split('\n');
  }

  async hashText(text: string): Promise<string> {
    const out = await this.git(
      ['hash-object', '-w', '--no-filters', '--stdin'],
      'hash-object',
      text,
    );
    return out.trim();
  }

  /** `base`'s tree (or an empty one) with files set (oid) or removed (null); the new tree id. */
  async writeTree(
    base: string | null,
    changes: { path: string; oid: string | null }[],
  ): Promise<string> {
    await this.git(base ? ['read-tree', base] : ['read-tree', '--empty'], 'read-tree');
    const zero = '0'.repeat(40);
    const info = changes
      .map((c) => (c.oid ? `100644 ${c.oid}\t${c.path}\0` : `0 ${zero}\t${c.path}\0`))
      .join('');
    if (info) await this.git(['update-index', '-z', '--index-info'], 'update-index', info);
    // --missing-ok: the blobs of older sets stay on the server; nothing needs to fetch them.
    return (await this.git(['write-tree', '--missing-ok'], 'write-tree')).trim();
  }

  async commitTree(tree: string, parent: string | null, message: string): Promise<string> {
    const args = ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'];
    return (await this.git(args, 'commit-tree', message)).trim();
  }

  /** Fast-forward push (never forced); throws a GitFailure saying why it was refused. */
  async push(commit: string, branch: string): Promise<void> {
    await this.git(
      ['push', '--porcelain', '--no-verify', 'origin', `${commit}:refs/heads/${branch}`],
      'push',
    );
  }

  async checkBranchName(branch: string): Promise<void> {
    const r = await this.gitUnchecked(['check-ref-format', `refs/heads/${branch}`]);
    if (r.code !== 0 || branch.startsWith('-'))
      throw new StorageError(`not a valid branch name: ${JSON.stringify(branch)}`);
  }
}
