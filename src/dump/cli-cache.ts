/**
 * What the Supabase CLI prints depends only on the binary and its arguments: its `--version` and
 * its `db dump --dry-run` scripts. Each start of the Go binary costs ~1.4 CPU s and ~150 MB, four
 * per project, so answers are kept in memory (as promises, so concurrent projects share one run)
 * and on disk under the user's cache dir, keyed by the binary's identity (real path, size, mtime)
 * and the arguments. A replaced or upgraded binary gets new entries.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

const memory = new Map<string, Promise<string>>();

/**
 * Returns the cached answer for (binary, args), or runs `produce` once and keeps its answer.
 * `env` gives XDG_CACHE_HOME/HOME; SUPABASE_BACKUP_NO_CLI_CACHE=1 keeps answers in memory only.
 */
export async function cachedCliOutput(
  binary: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  produce: () => Promise<string>,
): Promise<string> {
  const identity = await binaryIdentity(binary);
  const key = createHash('sha256')
    .update([identity, ...args].join('\0'))
    .digest('hex');
  let answer = memory.get(key);
  if (!answer) {
    answer = fromDiskOr(key, env, produce);
    // A failure is not an answer: the next caller tries again.
    answer.catch(() => memory.delete(key));
    memory.set(key, answer);
  }
  return answer;
}

async function fromDiskOr(
  key: string,
  env: NodeJS.ProcessEnv,
  produce: () => Promise<string>,
): Promise<string> {
  const dir = await privateCacheDir(env);
  const file = dir ? join(dir, key) : null;
  if (file) {
    const kept = await readFile(file, 'utf8').catch(() => null);
    if (kept !== null) return kept;
  }
  const answer = await produce();
  if (dir && file) {
    // Written beside and renamed, so a reader never sees half an entry; a failed write only
    // costs the next run a CLI start.
    const tmp = join(dir, `.${key}.${randomBytes(4).toString('hex')}`);
    await writeFile(tmp, answer, { mode: 0o600 })
      .then(() => rename(tmp, file))
      .catch(() => undefined);
  }
  return answer;
}

async function binaryIdentity(binary: string): Promise<string> {
  const real = await realpath(binary);
  const st = await stat(real);
  return `${real}\0${st.size}\0${st.mtimeMs}\0${st.ino}`;
}

/**
 * The cache holds scripts that bash runs, so it is used only if this user owns the directory and
 * nobody else can write to it; otherwise answers stay in memory.
 */
async function privateCacheDir(env: NodeJS.ProcessEnv): Promise<string | null> {
  if (env['SUPABASE_BACKUP_NO_CLI_CACHE'] === '1') return null;
  const cacheHome = env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache');
  const dir = join(cacheHome, 'supabase-backup', 'cli-answers');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const st = await stat(dir);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) return null;
    return (st.mode & 0o022) === 0 ? dir : null;
  } catch {
    return null;
  }
}
