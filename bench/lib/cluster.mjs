// A throwaway PostgreSQL cluster for the benchmark: initdb into a temp dir, pg_ctl start on a
// free port, scram password auth over TCP, removed on stop() and on exit/Ctrl-C.
// As root, the server-side tools run as the `postgres` system user (runuser -u postgres --),
// the way scripts/demo.sh and __tests__/support/pg-cluster.ts do it.
import { spawn, spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const isRoot = () => process.getuid?.() === 0;

/** Our environment without any PG* variable, plus `extra`. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  return { ...env, LC_ALL: 'C', ...extra };
}

export function exec(cmd, args, { env = cleanEnv(), input = '', cwd = os.tmpdir() } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export async function must(what, promise) {
  const r = await promise;
  if (r.code !== 0)
    throw new Error(
      `${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-3000)}`,
    );
  return r;
}

function asServerUser(cmd, args) {
  return isRoot() ? exec('runuser', ['-u', 'postgres', '--', cmd, ...args]) : exec(cmd, args);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const live = new Set();
let hooked = false;
/** Stops every cluster (and runs the extra cleanups) on exit, Ctrl-C, SIGTERM, SIGHUP. */
export function onCleanup(fn) {
  live.add(fn);
  if (hooked) return () => live.delete(fn);
  hooked = true;
  const all = () => {
    for (const f of [...live].reverse()) {
      live.delete(f);
      try {
        f();
      } catch {
        // best effort
      }
    }
  };
  process.on('exit', all);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, cleaning up\n`);
      all();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  return () => live.delete(fn);
}

/**
 * @param {{binDir: string, settings?: Record<string,string>}} options
 */
export async function startCluster({ binDir, settings = {} }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const password = randomBytes(12).toString('hex');
  const pwFile = path.join(dir, 'pw');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (isRoot()) {
    const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
    chownSync(dir, uid, gid);
    chownSync(pwFile, uid, gid);
  }
  chmodSync(dir, 0o755);
  const tool = (n) => path.join(binDir, n);
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      const args = [tool('pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop'];
      if (isRoot()) spawnSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore' });
      else spawnSync(args[0], args.slice(1), { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const unhook = onCleanup(stopSync);

  await must(
    'initdb',
    asServerUser(tool('initdb'), [
      ...['-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8'],
      ...['--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwFile}`, '--no-sync'],
    ]),
  );
  rmSync(pwFile, { force: true });

  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const opts = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1'];
    for (const [k, v] of Object.entries(settings)) opts.push(`-c ${k}=${v}`);
    const r = await asServerUser(tool('pg_ctl'), [
      '-D',
      dataDir,
      '-w',
      '-t',
      '120',
      '-l',
      logFile,
      '-o',
      opts.join(' '),
      'start',
    ]);
    if (r.code === 0) break;
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    if (attempt < 3 && /could not bind|already in use/i.test(log)) continue;
    stopSync();
    throw new Error(`pg_ctl start failed: ${r.stderr}\n${log.slice(-3000)}`);
  }

  const pgEnv = (db = 'postgres') => ({
    PGHOST: '127.0.0.1',
    PGPORT: String(port),
    PGUSER: 'postgres',
    PGPASSWORD: password,
    PGDATABASE: db,
  });
  const url = (db = 'postgres') => `postgresql://postgres:${password}@127.0.0.1:${port}/${db}`;
  const psqlBin = existsSync(tool('psql')) ? tool('psql') : 'psql';
  /** Runs SQL with psql -X -q -At -v ON_ERROR_STOP=1; returns stdout trimmed. */
  const psql = async (sql, db = 'postgres') =>
    (
      await must(
        `psql (${db})`,
        exec(psqlBin, ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-f', '-'], {
          env: cleanEnv(pgEnv(db)),
          input: sql,
        }),
      )
    ).stdout.trim();
  const psqlFile = async (file, db = 'postgres') =>
    (
      await must(
        `psql -f ${file} (${db})`,
        exec(psqlBin, ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-f', file], {
          env: cleanEnv(pgEnv(db)),
        }),
      )
    ).stdout.trim();

  return {
    port,
    password,
    dir,
    logFile,
    binDir,
    pgEnv,
    url,
    psql,
    psqlFile,
    stop() {
      stopSync();
      unhook();
    },
  };
}
