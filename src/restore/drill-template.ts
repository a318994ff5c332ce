/**
 * A cache of initdb'd data directories for drills, one per server version and bootstrap
 * superuser: a drill copies one (`cp -a`, ~0.2 s) instead of running initdb (~1.5 s on a
 * loaded 2-core runner). Filled on first use (initdb into a temp dir, renamed into place, so
 * concurrent drills never see half an entry); the copy's superuser password is set afresh once
 * the server runs. The cache is SUPABASE_BACKUP_DRILL_CACHE (`off` disables it), else
 * /var/cache/supabase-backup/drill as root, else ~/.cache/supabase-backup/drill; it is used only
 * when its directory is ours and writable by no one else (an entry is a server's configuration).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from '../proc/run.js';
import type { ServerInstall } from './drill-cluster.js';

const isRoot = () => process.getuid?.() === 0;

/** Bump when what an entry holds changes (initdb arguments). */
const FORMAT = 'initdb-v1';

export function drillCacheDir(env: Record<string, string | undefined>): string | null {
  const given = env.SUPABASE_BACKUP_DRILL_CACHE;
  if (given === 'off') return null;
  if (given) return given;
  if (isRoot()) return '/var/cache/supabase-backup/drill';
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'supabase-backup', 'drill');
}

/** The cache directory, created if missing; null unless it is ours and no one else's to write. */
async function ownCache(cache: string): Promise<string | null> {
  await mkdir(cache, { recursive: true, mode: isRoot() ? 0o755 : 0o700 }).catch(() => undefined);
  const st = await stat(cache).catch(() => null);
  if (!st?.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) return null;
  return cache;
}

/**
 * Copies the cached data directory for `install` and `superuser` to `dataDir` (which must not
 * exist), filling the cache first with `initdb(dataDir, pwfile)`. False when there is no usable
 * cache or anything fails: the caller then runs initdb itself.
 */
export async function copyTemplate(
  cacheDir: string,
  install: ServerInstall,
  superuser: string,
  dataDir: string,
  initdb: (dataDir: string, pwfile: string) => Promise<RunResult>,
  asServerUser: (cmd: string, args: string[]) => Promise<RunResult>,
): Promise<boolean> {
  const cache = await ownCache(cacheDir);
  if (!cache) return false;
  const key = createHash('sha256')
    .update(JSON.stringify([FORMAT, install.version, install.binDir, superuser]))
    .digest('hex')
    .slice(0, 24);
  const entry = join(cache, key);
  if (!(await stat(join(entry, 'data', 'PG_VERSION')).catch(() => null))) {
    const tmp = await mkdtemp(join(cache, `${key}.tmp-`));
    try {
      // initdb needs some password; each copy gets its own once started.
      const pwfile = join(tmp, 'pwfile');
      await writeFile(pwfile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
      if (isRoot()) {
        await chmod(tmp, 0o700);
        await run('chown', ['-R', 'postgres:', tmp]);
      }
      const made = await initdb(join(tmp, 'data'), pwfile);
      await rm(pwfile, { force: true });
      if (made.code !== 0) return false;
      await rename(tmp, entry).catch(() => undefined); // another drill may have won: fine
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  const copied = await asServerUser('cp', ['-a', join(entry, 'data'), dataDir]);
  if (copied.code === 0) return true;
  await asServerUser('rm', ['-rf', dataDir]);
  return false;
}
