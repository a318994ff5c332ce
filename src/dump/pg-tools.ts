/**
 * Finds the PostgreSQL client tools (pg_dump, pg_dumpall, psql) installed here and picks the
 * ones that can dump a given server: pg_dump refuses servers of a newer major version.
 */
import { readdir, realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { ToolError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { isExecutableFile } from '../proc/which.js';
import { run } from '../proc/run.js';

export interface PgTools {
  major: number;
  /** As pg_dump reports it, e.g. "15.18". */
  version: string;
  /** The real directory holding the three tools (symlinks resolved). */
  binDir: string;
  pg_dump: string;
  pg_dumpall: string;
  psql: string;
  /** Found in a directory the user named (pg-bin-dir): preferred when it can dump the server. */
  given?: true;
}

const TOOLS = ['pg_dump', 'pg_dumpall', 'psql'] as const;

/**
 * Every installation found: each dir in `extraDirs`, then PATH entries, then the usual install
 * locations. A dir counts when it has pg_dump, pg_dumpall and psql. Debian's pg_wrapper
 * (/usr/bin/pg_dump) is skipped: it only dispatches to /usr/lib/postgresql/<N>/bin, which is
 * scanned itself. Deduplicated by real path, sorted by version, newest first.
 */
export async function findPgInstallations(
  options: { extraDirs?: string[]; pathEnv?: string; logger?: Logger } = {},
): Promise<PgTools[]> {
  const { logger } = options;
  const extraDirs = options.extraDirs ?? [];
  const pathEnv = options.pathEnv ?? process.env['PATH'] ?? '';
  const candidates = [
    ...extraDirs,
    ...pathEnv.split(delimiter).filter((d) => d !== ''),
    ...(await wellKnownDirs()),
  ];
  const seen = new Set<string>();
  const given = new Set<string>();
  const dirs: string[] = [];
  for (const [i, dir] of candidates.entries()) {
    const real = await installationDir(dir, logger);
    if (real === undefined && i < extraDirs.length) {
      logger?.warning(`${dir} does not hold pg_dump, pg_dumpall and psql; ignored.`);
    }
    if (real !== undefined && i < extraDirs.length) given.add(real);
    if (real !== undefined && !seen.has(real)) {
      seen.add(real);
      dirs.push(real);
    }
  }
  const found = await Promise.all(dirs.map((d) => probe(d, logger)));
  return found
    .filter((t): t is PgTools => t !== undefined)
    .map((t) => (given.has(t.binDir) ? { ...t, given: true as const } : t))
    .sort((a, b) => compareVersions(b.version, a.version));
}

/**
 * pg_dump must be at least the server's major version. Tools the user named (pg-bin-dir) win
 * when they can dump the server; otherwise the exact major is preferred (its output is what that
 * server's own tools write), else the lowest newer one.
 */
export function choosePgTools(found: PgTools[], serverMajor: number): PgTools {
  const given = found.find((t) => t.given && t.major >= serverMajor);
  if (given) return given;
  const exact = found.find((t) => t.major === serverMajor);
  if (exact) return exact;
  const newer = found.filter((t) => t.major > serverMajor);
  const lowest = Math.min(...newer.map((t) => t.major));
  const pick = newer.find((t) => t.major === lowest);
  if (pick) return pick;
  throw new ToolError(missingToolsMessage(found, serverMajor));
}

function missingToolsMessage(found: PgTools[], n: number): string {
  const listed =
    found.length === 0
      ? 'No PostgreSQL client tools (pg_dump, pg_dumpall and psql together) were found on PATH ' +
        'or in the usual install locations.'
      : 'Found only:\n' + found.map((t) => `  - PostgreSQL ${t.version} in ${t.binDir}`).join('\n');
  return [
    `The server runs PostgreSQL ${n}, and pg_dump must be version ${n} or newer to dump it.`,
    listed,
    `Install the PostgreSQL ${n} client tools:`,
    `  - GitHub's Ubuntu runners, Debian or Ubuntu: sudo apt-get install -y postgresql-common && ` +
      `sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y && ` +
      `sudo apt-get install -y postgresql-client-${n}`,
    `  - macOS: brew install postgresql@${n}`,
    `  - or point the pg-bin-dir input (CLI: --pg-bin-dir DIR) at a directory holding pg_dump, ` +
      `pg_dumpall and psql ${n} or newer.`,
  ].join('\n');
}

/** "150018" (server_version_num) or "17.2 (Debian 17.2-1)" (server_version) -> 15 / 17. */
export function parseServerMajor(serverVersionNum: string): number {
  const text = serverVersionNum.trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    // A bare major ("17") or a server_version_num: 170002 -> 17, 90624 (9.6.24) -> 9.
    const major = n < 1000 ? n : Math.floor(n / 10000);
    if (major > 0) return major;
  }
  const m = /^(?:PostgreSQL\s+)?(\d+)(?=$|[.\s(]|devel|beta|rc)/i.exec(text);
  if (m?.[1] !== undefined && Number(m[1]) > 0) return Number(m[1]);
  throw new ToolError(
    `Could not tell the PostgreSQL server's major version from "${serverVersionNum}" ` +
      '(expected server_version_num like 150018, or server_version like 15.8).',
  );
}

/** The real dir of a complete installation reachable through `dir`, or undefined. */
async function installationDir(dir: string, logger?: Logger): Promise<string | undefined> {
  const pgDump = resolve(dir, 'pg_dump');
  if (!(await isExecutableFile(pgDump))) return undefined;
  const realDump = await realpath(pgDump);
  if (basename(realDump) === 'pg_wrapper') {
    logger?.debug(`${pgDump} is Debian's pg_wrapper; using /usr/lib/postgresql/<N>/bin instead`);
    return undefined;
  }
  const binDir = dirname(realDump);
  for (const tool of TOOLS) {
    const path = join(binDir, tool);
    if (!(await isExecutableFile(path)) || basename(await realpath(path)) === 'pg_wrapper') {
      logger?.debug(`${binDir} has pg_dump but no usable ${tool}; skipped`);
      return undefined;
    }
  }
  return binDir;
}

async function probe(binDir: string, logger?: Logger): Promise<PgTools | undefined> {
  const pgDump = join(binDir, 'pg_dump');
  let stdout: string;
  try {
    ({ stdout } = await run(pgDump, ['--version']));
  } catch (err) {
    logger?.debug(`${pgDump} --version failed, skipped: ${errorMessage(err)}`);
    return undefined;
  }
  // "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", "pg_dump (PostgreSQL) 18beta1"
  const m = /\(PostgreSQL\)\s+(\d+)((?:\.\d+)*)([A-Za-z]\w*)?/.exec(stdout);
  if (m?.[1] === undefined) {
    logger?.debug(`${pgDump} --version printed no PostgreSQL version, skipped: ${stdout.trim()}`);
    return undefined;
  }
  return {
    major: Number(m[1]),
    version: `${m[1]}${m[2] ?? ''}${m[3] ?? ''}`,
    binDir,
    pg_dump: pgDump,
    pg_dumpall: join(binDir, 'pg_dumpall'),
    psql: join(binDir, 'psql'),
  };
}

/** "15.18" vs "17.2" by numeric components; a suffix (beta1, devel) sorts below the release. */
function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.match(/\d+/g) ?? []).map(Number);
  const pa = parts(a.replace(/[A-Za-z].*$/, ''));
  const pb = parts(b.replace(/[A-Za-z].*$/, ''));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return Number(/[A-Za-z]/.test(b)) - Number(/[A-Za-z]/.test(a));
}

/** Debian/Ubuntu, source builds, Homebrew (Apple silicon and Intel), PGDG RPMs, Postgres.app. */
async function wellKnownDirs(): Promise<string[]> {
  const numbered = async (parent: string, pattern: RegExp, sub: (name: string) => string) => {
    const names = (await listDir(parent)).filter((n) => pattern.test(n));
    names.sort((a, b) => Number(b.replace(/\D/g, '')) - Number(a.replace(/\D/g, '')));
    return names.map((n) => join(parent, sub(n)));
  };
  return [
    ...(await numbered('/usr/lib/postgresql', /^\d+$/, (n) => join(n, 'bin'))),
    '/usr/local/pgsql/bin',
    ...(await numbered('/opt/homebrew/opt', /^postgresql@\d+$/, (n) => join(n, 'bin'))),
    '/opt/homebrew/opt/libpq/bin',
    ...(await numbered('/usr/local/opt', /^postgresql@\d+$/, (n) => join(n, 'bin'))),
    '/usr/local/opt/libpq/bin',
    ...(await numbered('/usr', /^pgsql-\d+$/, (n) => join(n, 'bin'))),
    ...(await numbered('/Applications/Postgres.app/Contents/Versions', /^\d+$/, (n) =>
      join(n, 'bin'),
    )),
  ];
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
