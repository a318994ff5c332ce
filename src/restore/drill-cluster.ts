/**
 * A throwaway local PostgreSQL cluster for restore drills (and the test suite's clusters, which
 * build on this one): initdb into a private temp dir (or, for drills, a copy of a cached initdb:
 * drill-template.ts), start on a free 127.0.0.1 port (fsync off, scram password auth), stop and
 * remove on stop(), on process exit and after SIGTERM. The bootstrap superuser is `postgres`
 * unless named (a drill's is supabase_admin: drill-roles.ts). initdb and
 * postgres refuse to run as root, so as root they run as the `postgres` system user (runuser),
 * in a temp dir owned by that user.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, readFileSync } from 'node:fs';
import {
  access,
  chmod,
  constants,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPgInstallations, type PgTools } from '../dump/pg-tools.js';
import { RestoreError, ToolError } from '../errors.js';
import { run, runUnchecked, type RunResult } from '../proc/run.js';
import { copyTemplate } from './drill-template.js';

export interface ServerInstall extends PgTools {
  initdb: string;
  pgCtl: string;
}

export interface DrillCluster {
  install: ServerInstall;
  port: number;
  /** Environment for psql: PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE of the superuser. */
  env: Record<string, string>;
  /** True when no installed server is as new as the set's source. */
  older: boolean;
  password: string;
  dataDir: string;
  /** The server's log (kept until stop); its tail is in every start failure. */
  logFile: string;
  stop(): Promise<void>;
  /** Immediate shutdown and removal, synchronously (for exit and signal handlers). */
  stopSync(): void;
}

export interface ClusterOptions {
  /** The superuser's password; random when not given. */
  password?: string;
  /** The bootstrap superuser's name (`postgres` unless given; the drill's is supabase_admin). */
  superuser?: string;
  /** Copy an initdb'd data directory from this cache (drill-template.ts) instead of initdb. */
  templateCache?: string | null;
  /** Extra server settings, e.g. `wal_level=logical`. */
  settings?: string[];
}

const isRoot = () => process.getuid?.() === 0;

/** Installations (found like pg_dump/psql are) that also hold the server binaries. */
export async function findServerInstalls(pgBinDir?: string): Promise<ServerInstall[]> {
  const found = await findPgInstallations({ extraDirs: pgBinDir ? [pgBinDir] : [] });
  const servers: ServerInstall[] = [];
  for (const tools of found) {
    const [initdb, pgCtl, postgres] = ['initdb', 'pg_ctl', 'postgres'].map((t) =>
      join(tools.binDir, t),
    );
    const ok = await Promise.all(
      [initdb!, pgCtl!, postgres!].map((f) =>
        access(f, constants.X_OK).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (ok.every(Boolean)) servers.push({ ...tools, initdb: initdb!, pgCtl: pgCtl! });
  }
  return servers;
}

/** The oldest server at least as new as the source; else the newest (older: true). */
export function chooseServer(
  installs: ServerInstall[],
  sourceMajor: number,
): { install: ServerInstall; older: boolean } {
  if (installs.length === 0)
    throw new ToolError(
      'a drill needs PostgreSQL server binaries (initdb, pg_ctl, postgres) next to psql, in /usr/lib/postgresql/<N>/bin or --pg-bin-dir; install them (apt-get install postgresql)',
    );
  const newer = installs.filter((i) => i.major >= sourceMajor).sort((a, b) => a.major - b.major);
  if (newer[0]) return { install: newer[0], older: false };
  return { install: [...installs].sort((a, b) => b.major - a.major)[0]!, older: true };
}

function asServerUser(cmd: string, args: string[], signal?: AbortSignal): Promise<RunResult> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
  return isRoot()
    ? runUnchecked('runuser', ['-u', 'postgres', '--', cmd, ...args], { env, signal })
    : runUnchecked(cmd, args, { env, signal });
}

/** A TCP port on 127.0.0.1 that nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RestoreError('drill cancelled');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to the postgres user (we are not root): still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const running = new Set<() => void>();
let hooked = false;
/** On exit (including a second SIGTERM's process.exit), stop what is still running, at once. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const stop of [...running]) stop();
  });
}

export async function startDrillCluster(
  install: ServerInstall,
  older: boolean,
  signal?: AbortSignal,
  options: ClusterOptions = {},
): Promise<DrillCluster> {
  hookExit();
  const dir = await mkdtemp(join(tmpdir(), 'supabase-drill-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const password = options.password ?? randomBytes(18).toString('base64url');
  const superuser = options.superuser ?? 'postgres';
  let stopped = false;
  // Synchronous last resort: SIGQUIT to the postmaster (immediate shutdown), remove the dir.
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    running.delete(stopNow);
    try {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) {
        process.kill(pid, 'SIGQUIT');
        // Wait (synchronously: this may run in an exit handler) for it to go, up to 5 s, so
        // that it no longer writes into the directory being removed.
        const pause = new Int32Array(new SharedArrayBuffer(4));
        for (let i = 0; i < 100 && alive(pid); i++) Atomics.wait(pause, 0, 0, 50);
      }
    } catch {
      // not started, or gone already
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  };
  running.add(stopNow);
  const stop = async () => {
    if (stopped) return;
    await asServerUser(install.pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    stopped = true;
    running.delete(stopNow);
    await rm(dir, { recursive: true, force: true });
  };
  const must = async (what: string, result: Promise<RunResult>) => {
    const r = await result;
    if (r.code === 0) return;
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new RestoreError(
      `drill: ${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}${log ? `\n${log.slice(-2000)}` : ''}`,
    );
  };
  try {
    await writeFile(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    await mkdir(join(dir, 'sock'));
    if (isRoot()) {
      await chmod(dir, 0o700);
      await run('chown', ['-R', 'postgres:', dir]);
    }
    const initdb = async (into: string, pwfile: string) => {
      const withLocale = (locale: string) =>
        asServerUser(install.initdb, [
          ...['-D', into, '-U', superuser, '-E', 'UTF8', `--locale=${locale}`],
          ...['--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`],
          ...['--no-sync', '--no-instructions'],
        ]);
      const r = await withLocale('C.UTF-8');
      if (r.code === 0) return r;
      await asServerUser('rm', ['-rf', into]);
      return withLocale('C');
    };
    const copied =
      !!options.templateCache &&
      (await copyTemplate(options.templateCache, install, superuser, dataDir, initdb, (c, a) =>
        asServerUser(c, a),
      ));
    const init = copied
      ? { code: 0, stdout: '', stderr: '' }
      : await initdb(dataDir, join(dir, 'pwfile'));
    await must('initdb', Promise.resolve(init));
    // initdb and pg_ctl are not killed midway (a killed runuser can orphan a server-side child
    // that goes on writing into the directory being removed): cancellation is checked between.
    cancelled(signal);
    await rm(join(dir, 'pwfile'), { force: true });
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const serverOptions = [
        `-p ${port} -k '${join(dir, 'sock')}' -c listen_addresses=127.0.0.1`,
        '-c fsync=off -c full_page_writes=off -c synchronous_commit=off',
        ...(options.settings ?? []).map((setting) => `-c ${setting}`),
      ].join(' ');
      const start = asServerUser(install.pgCtl, [
        '-D',
        dataDir,
        '-w',
        '-t',
        '60',
        '-l',
        logFile,
        '-o',
        serverOptions,
        'start',
      ]);
      const r = await start;
      cancelled(signal);
      if (r.code === 0) break;
      const log = await readFile(logFile, 'utf8').catch(() => '');
      if (attempt < 3 && /could not bind|already in use/i.test(log)) continue;
      await must('pg_ctl start', Promise.resolve(r));
    }
    // A copied directory has the template's password: this cluster gets its own (over the
    // private socket, which trusts local users: only this user and root can reach it).
    if (copied)
      await must(
        'setting the password',
        runUnchecked(install.psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            PGHOST: join(dir, 'sock'),
            PGPORT: String(port),
            PGUSER: superuser,
            PGDATABASE: 'postgres',
          },
          input: `ALTER ROLE "${superuser.replace(/"/g, '""')}" PASSWORD '${password.replace(/'/g, "''")}';\n`,
          signal,
        }),
      );
    const env = {
      PGHOST: '127.0.0.1',
      PGPORT: String(port),
      PGUSER: superuser,
      PGPASSWORD: password,
      PGDATABASE: 'postgres',
    };
    return { install, port, env, older, password, dataDir, logFile, stop, stopSync: stopNow };
  } catch (err) {
    stopNow();
    throw err;
  }
}
