/**
 * Throwaway PostgreSQL clusters for tests: initdb into a temp dir, start on a free port with
 * fsync off, talk to it with psql over TCP (scram password auth), remove everything on stop.
 *
 * initdb and postgres refuse to run as root, so when the tests run as root (CI containers,
 * this sandbox) the server-side commands run as the `postgres` system user through
 * `runuser -u postgres --`, in a temp dir chowned to that user. psql always runs as us.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  startDrillCluster,
  type DrillCluster,
  type ServerInstall,
} from '../../src/restore/drill-cluster.js';

export const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin';
/** Every character a URL, a conninfo string or a shell could trip over. */
export const DEFAULT_PASSWORD = `p@ss:w/o?r#d%&+'"\\ü`;

export interface Cluster {
  host: string;
  port: number;
  superuser: 'postgres';
  password: string;
  serverMajor: number;
  binDir: string;
  /** The server's log file (kept until stop()); its tail is in every start failure. */
  logFile: string;
  dataDir: string;
  /** postgresql://postgres:<percent-encoded password>@127.0.0.1:<port>/<db> */
  url(db?: string): string;
  /** Runs SQL (fed on stdin) with psql -X -q -At -v ON_ERROR_STOP=1; stdout minus its final newline. */
  psql(sql: string, db?: string): Promise<string>;
  psqlFile(file: string, db?: string): Promise<string>;
  createDatabase(name: string): Promise<void>;
  /** Immediate shutdown, then remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

type Result = { code: number; stdout: string; stderr: string };

const isRoot = () => process.getuid?.() === 0;

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: os.tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: text(out), stderr: text(err) }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Our environment without PG* variables (a stray PGDATA or PGHOST must not leak in). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  return { ...env, LC_ALL: 'C', ...extra };
}

/** Runs a server-side tool, as `postgres` when we are root. */
function asServerUser(cmd: string, args: string[]): Promise<Result> {
  return isRoot()
    ? exec('runuser', ['-u', 'postgres', '--', cmd, ...args], cleanEnv())
    : exec(cmd, args, cleanEnv());
}

async function must(what: string, result: Promise<Result>, logFile?: string): Promise<Result> {
  const r = await result;
  if (r.code === 0) return r;
  let tail = '';
  if (logFile && existsSync(logFile)) {
    tail = `\n--- server log tail (${logFile}) ---\n${(await readFile(logFile, 'utf8')).slice(-4000)}`;
  }
  throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}${tail}`);
}

/**
 * As root, `postgres` must be able to run the binaries and read the install (bin/, lib/, share/).
 * An npm-packaged PostgreSQL under /root or with lost exec bits fails that; then the whole
 * install root (binDir's parent, so the binaries' relative lib/ and share/ paths still resolve)
 * is copied once per process to a world-readable temp dir with exec bits set (removed at exit).
 */
const binCopies = new Map<string, Promise<string>>();
const copiedDirs: string[] = [];
function serverBinDir(binDir: string): Promise<string> {
  if (!isRoot()) return Promise.resolve(binDir);
  let copy = binCopies.get(binDir);
  if (!copy) {
    copy = (async () => {
      const script = `for f in initdb pg_ctl postgres; do "$1/$f" -V >/dev/null || exit 1; done
        if [ -d "$1/../share" ]; then [ -z "$(find "$1/../share" -maxdepth 2 ! -readable -print -quit)" ]; fi`;
      const check = await asServerUser('sh', ['-c', script, 'sh', binDir]);
      if (check.code === 0) return binDir;
      const root = path.dirname(path.resolve(binDir));
      const dest = await mkdtemp(path.join(os.tmpdir(), 'pg-bin-'));
      copiedDirs.push(dest);
      await must('copy PostgreSQL install', exec('cp', ['-a', `${root}/.`, dest], cleanEnv()));
      await chmod(dest, 0o755);
      await must('chmod install', exec('chmod', ['-R', 'a+rX', dest], cleanEnv()));
      const copiedBin = path.join(dest, path.basename(binDir));
      await must('chmod bin', exec('sh', ['-c', 'chmod a+rx "$1"/*', 'sh', copiedBin], cleanEnv()));
      return copiedBin;
    })();
    binCopies.set(binDir, copy);
  }
  return copy;
}

/**
 * A test that crashes or forgets stop() must not leave servers behind. The drill cluster stops
 * them on 'exit'; vitest ends its workers with SIGTERM/SIGINT/SIGHUP, which skip 'exit', so those
 * stop every running cluster too, and the signal is then re-raised so the process still dies
 * the default way unless someone else handles it.
 */
const running = new Set<DrillCluster>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanup = () => {
    for (const cluster of [...running]) cluster.stopSync();
    for (const dir of copiedDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Quotes a conninfo value (so a database name may hold spaces, quotes, '='). */
const conninfoValue = (v: string) => `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`;
/** Stricter than encodeURIComponent: also ! ' ( ) *. */
const encodeStrict = (v: string) =>
  encodeURIComponent(v).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Starts a cluster with the product's own drill cluster code, plus what tests need around it. */
export async function startCluster(
  options: { binDir?: string; password?: string; settings?: string[] } = {},
): Promise<Cluster> {
  const binDir = options.binDir ?? DEFAULT_BIN_DIR;
  const password = options.password ?? DEFAULT_PASSWORD;
  installExitHook();
  const serverBin = await serverBinDir(binDir);
  const psqlBin = existsSync(path.join(binDir, 'psql')) ? path.join(binDir, 'psql') : 'psql';
  // Only the server binaries are used to start a cluster; the client fields are for the type.
  const install: ServerInstall = {
    major: 0,
    version: '',
    binDir: serverBin,
    pg_dump: 'pg_dump',
    pg_dumpall: 'pg_dumpall',
    psql: psqlBin,
    initdb: path.join(serverBin, 'initdb'),
    pgCtl: path.join(serverBin, 'pg_ctl'),
  };
  const drill = await startDrillCluster(install, false, undefined, {
    password,
    settings: ['wal_level=logical', ...(options.settings ?? [])],
  });
  running.add(drill);
  const { port } = drill;

  const url = (db = 'postgres') =>
    `postgresql://postgres:${encodeStrict(password)}@127.0.0.1:${port}/${encodeStrict(db)}`;
  const runPsql = async (args: string[], db: string, input = '') => {
    const conninfo = `host=127.0.0.1 port=${port} user=postgres dbname=${conninfoValue(db)}`;
    const env = cleanEnv({ PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' });
    const argv = ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', conninfo, ...args];
    const r = await must(`psql (${db})`, exec(psqlBin, argv, env, input));
    return r.stdout.replace(/\n$/, '');
  };

  const cluster: Cluster = {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    password,
    serverMajor: 0,
    binDir: serverBin,
    logFile: drill.logFile,
    dataDir: drill.dataDir,
    url,
    psql: (sql, db = 'postgres') => runPsql(['-f', '-'], db, sql),
    psqlFile: (file, db = 'postgres') => runPsql(['-f', path.resolve(file)], db),
    async createDatabase(name) {
      await runPsql(
        ['-f', '-'],
        'postgres',
        `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`,
      );
    },
    async stop() {
      running.delete(drill);
      await drill.stop();
    },
  };
  try {
    cluster.serverMajor = Math.floor(Number(await cluster.psql('SHOW server_version_num')) / 10000);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
