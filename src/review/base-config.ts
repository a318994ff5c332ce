/**
 * The config a pull request started from: a file, or the config's path at a git revision of the
 * checkout (fetched once, shallow, when a shallow clone lacks it). Read-only: it never changes
 * the working tree, the index or any ref other than git's FETCH_HEAD.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ConfigError, UsageError, errorMessage } from '../errors.js';
import { authHeader, gitEnv } from '../git/remote.js';
import { runUnchecked, type RunResult } from '../proc/run.js';

export type BaseSource = { kind: 'file'; path: string } | { kind: 'ref'; ref: string };

export interface BaseConfig {
  config: Config | null;
  /** What was compared with, for the plan's first line (markdown). */
  label: string;
  /** Why `config` is null (the file is new, or it does not validate). */
  note?: string;
}

export interface BaseOptions {
  /** A token for fetching the revision from origin (private repositories); sent as a header. */
  token?: string | undefined;
  signal?: AbortSignal | undefined;
}

async function git(
  cwd: string,
  args: string[],
  options: BaseOptions,
  header = false,
): Promise<RunResult> {
  let auth: { origin: string; value: string } | null = null;
  if (header && options.token) {
    const url = await git(cwd, ['remote', 'get-url', 'origin'], options);
    const origin = /^https?:/.test(url.stdout.trim()) ? new URL(url.stdout.trim()).origin : null;
    if (origin) auth = { origin, value: authHeader(options.token)! };
  }
  return runUnchecked('git', args, { cwd, env: gitEnv({ header: auth }), signal: options.signal });
}

/** The text of `file` at `ref`, or null when the file does not exist there. */
async function showAt(file: string, ref: string, options: BaseOptions): Promise<string | null> {
  const cwd = dirname(file);
  const spec = `${ref}:./${basename(file)}`;
  const has = await git(cwd, ['cat-file', '-e', `${ref}^{commit}`], options);
  if (has.code !== 0) {
    // actions/checkout makes a depth-1 clone of the merge commit: the base is not in it.
    const fetched = await git(
      cwd,
      ['fetch', '--quiet', '--no-tags', '--depth=1', 'origin', ref],
      options,
      true,
    );
    if (fetched.code !== 0) {
      throw new UsageError(
        `cannot read the base config: ${ref} is not in the checkout and fetching it from origin ` +
          `failed (${fetched.stderr.trim().split('\n').pop() ?? `exit ${fetched.code}`}); give ` +
          'the checkout step fetch-depth: 0, or pass github-token with contents: read',
      );
    }
  }
  const shown = await git(cwd, ['show', spec], options);
  if (shown.code === 0) return shown.stdout;
  if (/does not exist in|exists on disk, but not in/.test(shown.stderr)) return null;
  throw new UsageError(`cannot read ${spec} with git: ${shown.stderr.trim()}`);
}

export async function readBaseConfig(
  source: BaseSource,
  configFile: string,
  options: BaseOptions = {},
): Promise<BaseConfig> {
  let text: string | null;
  let label: string;
  if (source.kind === 'file') {
    label = `\`${source.path}\``;
    text = await readFile(source.path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw new UsageError(`--base ${source.path}: ${errorMessage(err)}`);
    });
  } else {
    label = /^[0-9a-f]{40}$/.test(source.ref)
      ? `the base branch (\`${source.ref.slice(0, 7)}\`)`
      : `\`${source.ref}\``;
    text = await showAt(configFile, source.ref, options);
  }
  if (text === null) return { config: null, label, note: 'no config there: every project is new' };
  try {
    return { config: parseConfig(text, `${configFile} (base)`), label };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      config: null,
      label,
      note: `the base config does not validate (${err.issues.length} problem(s)): every project is shown as new`,
    };
  }
}
