/**
 * Fault injection for dumps: a pg-bin-dir whose pg_dump wraps the real one and misbehaves on
 * demand. psql and pg_dumpall are the real tools (symlinks), so only the dump itself fails.
 */
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Fault =
  /** Writes the first bytes of the real dump, then exits 3. */
  | 'partial-then-exit'
  /** Exits 1 without writing anything. */
  | 'exit-without-output'
  /** Exits 0 without writing anything. */
  | 'silent-success'
  /** Writes the first bytes, then hangs (to be killed). */
  | 'partial-then-hang'
  /** The real dump, read line by line by bash: slow (a few MB/s), exit status kept. */
  | 'slow';

export function faultyPgBinDir(fault: Fault, realBin = '/usr/lib/postgresql/15/bin'): string {
  const dir = mkdtempSync(join(tmpdir(), 'faulty-pg-'));
  symlinkSync(join(realBin, 'psql'), join(dir, 'psql'));
  symlinkSync(join(realBin, 'pg_dumpall'), join(dir, 'pg_dumpall'));
  const body = {
    'partial-then-exit': `"${realBin}/pg_dump" "$@" | head -c 20000; echo "pg_dump: error: injected failure" >&2; exit 3`,
    'exit-without-output': `echo "pg_dump: error: injected failure before any output" >&2; exit 1`,
    'silent-success': 'exit 0',
    'partial-then-hang': `"${realBin}/pg_dump" "$@" | head -c 20000; exec sleep 60`,
    slow: `set -o pipefail; "${realBin}/pg_dump" "$@" | while IFS= read -r l; do printf '%s\\n' "$l"; done`,
  }[fault];
  writeFileSync(
    join(dir, 'pg_dump'),
    `#!/bin/bash\nif [ "$1" = "--version" ]; then exec "${realBin}/pg_dump" --version; fi\n${body}\n`,
  );
  chmodSync(join(dir, 'pg_dump'), 0o755);
  return dir;
}
