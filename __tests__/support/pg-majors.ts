/**
 * PostgreSQL majors for tests: 15 is the machine's own (/usr/lib/postgresql/15/bin); 17 and 18
 * are Debian 13's and Debian unstable's packages, fetched, unpacked and patched to run here by
 * scripts/pg-majors.sh (once per machine, cached; later calls need no network). Each bin dir
 * holds the server (initdb, pg_ctl, postgres) and the client (pg_dump, pg_dumpall, psql), so it
 * serves both `startCluster({ binDir })` and the CLI's `--pg-bin-dir`.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BIN_DIR } from './pg-cluster.js';

export type PgMajor = 15 | 17 | 18;

const SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../scripts/pg-majors.sh',
);
const dirs = new Map<PgMajor, string>();

/** The bin dir of PostgreSQL `major`, fetching it first when this machine has none cached. */
export function pgMajorBinDir(major: PgMajor): string {
  if (major === 15) return DEFAULT_BIN_DIR;
  let dir = dirs.get(major);
  if (dir === undefined) {
    // The script prints "<major> <bin dir>"; its progress and errors go to our stderr.
    const out = execFileSync('bash', [SCRIPT, String(major)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 600_000,
    });
    const line = out.split('\n').find((l) => l.startsWith(`${major} `));
    if (!line) throw new Error(`scripts/pg-majors.sh ${major} printed no bin dir: ${out}`);
    dir = line.slice(String(major).length + 1);
    dirs.set(major, dir);
  }
  return dir;
}
