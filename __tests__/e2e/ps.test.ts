/**
 * No password on any command line. While the built CLI backs up a database big enough for its
 * dumps to run for seconds, every process on the machine is sampled through /proc/<pid>/cmdline
 * (what `ps` shows every user). Neither the password, in any form, nor the connection URL may
 * appear in any of them. The password reaches pg_dump through its environment (PGPASSWORD:
 * /proc/<pid>/environ, readable only by the same user and root), which is checked too, so the
 * test fails if it stops seeing the dump it is about.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/log.js';
import { backupEnv, builtCli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

/** Unique to this file: other tests' clusters on this machine use other passwords. */
const PASSWORD = `ps-Te5t:p@ss/w?rd#%&+'"\\ü€𝄞`;
/** Rows of ~1 KiB: ~150 MB that the dumps take seconds to write, compress and hash. */
const ROWS = 150_000;

let source: Cluster;
beforeAll(async () => {
  source = await startCluster({ password: PASSWORD });
  await createSupabaseDb(source, 'app');
  await source.psql(
    `CREATE TABLE public.big (id bigint PRIMARY KEY, payload text NOT NULL);
     INSERT INTO public.big SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, ${ROWS}) g;`,
    'app',
  );
}, 300_000);
afterAll(async () => {
  await source?.stop();
});

interface Proc {
  pid: number;
  argv: string[];
  /** The raw /proc/<pid>/cmdline: NUL-separated arguments. */
  cmdline: Buffer;
  environ: string[];
}

/** Every process with a command line right now (kernel threads and zombies have none). */
function sample(into: Map<string, Proc>): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`);
      if (cmdline.length === 0) continue;
      const key = `${entry}\0${cmdline.toString('latin1')}`;
      if (into.has(key)) continue;
      const environ = readFileSync(`/proc/${entry}/environ`).toString().split('\0');
      const argv = cmdline.toString().replace(/\0$/, '').split('\0');
      into.set(key, { pid: Number(entry), argv, cmdline, environ });
    } catch {
      // it exited between readdir and read
    }
  }
}

/** Runs a backup with the built CLI and samples every process until it exits. */
async function observeBackup(engine: string, extra: Record<string, unknown>, shipped: boolean) {
  const config = writeConfig({
    name: 'fixture',
    db_url_secret: 'FIXTURE_DB_URL',
    engine,
    ...extra,
  });
  const out = mkdtempSync(join(tmpdir(), 'ps-out-'));
  const seen = new Map<string, Proc>();
  const marker = `${engine}-${process.pid}-${Date.now()}`;
  let finished = false;
  const started = Date.now();
  const env = backupEnv({
    FIXTURE_DB_URL: source.url('app'),
    PS_TEST_RUN: marker,
    // No cached CLI answers: the dry runs must happen, to be observed.
    SUPABASE_BACKUP_NO_CLI_CACHE: '1',
  });
  // The shipped scripts are used only when no binary is named.
  if (shipped) delete env['SUPABASE_CLI_PATH'];
  const running = builtCli(['backup', '--config', config, '--out', out], env).finally(
    () => (finished = true),
  );
  let samples = 0;
  while (!finished) {
    sample(seen);
    samples++;
    await new Promise((r) => setTimeout(r, 5));
  }
  const res = await running;
  const all = [...seen.values()];
  // Ours: the CLI and its descendants, which inherit the marker (other tests run dumps too).
  const ours = all.filter((p) => p.environ.includes(`PS_TEST_RUN=${marker}`));
  return { res, all, procs: ours, samples, ms: Date.now() - started };
}

const forms = () => [
  ...secretForms(PASSWORD),
  // What pg-cluster's url() writes: percent-encoding of everything but unreserved characters.
  encodeURIComponent(PASSWORD).replace(/'/g, '%27'),
  source.url('app'),
  // The longest runs between characters that shell or C quoting would change.
  ...PASSWORD.split(/[%'"\\]/).filter((piece) => piece.length >= 8),
];

/** A dump tool connected to the database (not the `--version` probes). */
const isDump = (p: Proc, tool: string) =>
  basename(p.argv[0] ?? '') === tool && !p.argv.includes('--version');

/**
 * The supabase-cli engine runs the CLI's script for the part's default flags (shipped in the
 * bundle for the pinned release); a table filter is added to its pg_dump arguments. It is run
 * both with the bundle alone and with the CLI binary named (SUPABASE_CLI_PATH).
 */
const FILTERED = `public.ps_unique_${process.pid}_${Date.now()}`;
const FILTERED_PATTERN = `--exclude-table="public"."${FILTERED.slice('public.'.length)}"`;
const cases = [
  { name: 'pg-dump', engine: 'pg-dump', extra: {}, shipped: false },
  { name: 'supabase-cli (shipped scripts)', engine: 'supabase-cli', extra: {}, shipped: true },
  {
    name: 'supabase-cli (filtered, CLI named)',
    engine: 'supabase-cli',
    extra: { exclude_tables: [FILTERED] },
    shipped: false,
  },
];

describe.each(cases)('the $name engine', ({ engine, extra, shipped }) => {
  it('puts the password on no command line, only in the dump tools’ environment', async () => {
    const { res, all, procs, samples, ms } = await observeBackup(engine, extra, shipped);
    expect(res.code, res.stderr).toBe(0);

    const leaks = all.flatMap((p) =>
      forms()
        .filter((f) => p.cmdline.includes(Buffer.from(f)))
        .map((f) => `pid ${p.pid} (${p.argv.join(' ')}) has ${JSON.stringify(f)}`),
    );
    expect(leaks).toEqual([]);

    // The test saw what it is about: pg_dump (and pg_dumpall) while they ran, connected through
    // PGPASSWORD in their environment, and without the secret's own variable.
    const dumps = procs.filter((p) => isDump(p, 'pg_dump'));
    const dumpall = procs.filter((p) => isDump(p, 'pg_dumpall'));
    const what = `${samples} samples in ${ms} ms; processes: ${all.length}, ours: ${procs.length}`;
    expect(dumps.length, what).toBeGreaterThan(0);
    // pg_dumpall (roles) lives for milliseconds: checked when sampled, not required to be.
    const dataDump = dumps.find((p) => p.argv.includes('--data-only'));
    expect(dataDump, what).toBeDefined();
    for (const p of [...dumps, ...dumpall]) {
      expect(p.environ).toContain(`PGPASSWORD=${PASSWORD}`);
      expect(p.environ.filter((e) => e.startsWith('FIXTURE_DB_URL='))).toEqual([]);
    }

    if (engine === 'supabase-cli') {
      // The CLI's own script ran with bash from a file: shipped in the bundle, or printed by the
      // CLI in a dry run against a placeholder URL.
      const scripts = procs.filter(
        (p) =>
          basename(p.argv[0] ?? '') === 'bash' && /\/data-[0-9a-f]+\.sh$/.test(p.argv[1] ?? ''),
      );
      expect(scripts.length, what).toBeGreaterThan(0);
      for (const p of scripts) expect(p.environ).toContain(`PGPASSWORD=${PASSWORD}`);
      if (shipped) {
        // The shipped scripts: no CLI process at all (a --version probe would carry the marker).
        const clis = procs.filter((p) => /supabase/.test(basename(p.argv[0] ?? '')));
        expect(
          clis.map((p) => p.argv.join(' ')),
          what,
        ).toEqual([]);
        return;
      }
      // The filter is never handed to the CLI (no dry run carries it): it reaches bash and
      // pg_dump as one argument each, an exact pattern, never as script text.
      const dryRuns = all.filter((p) => p.argv.includes('--dry-run') && p.argv.includes(FILTERED));
      expect(dryRuns.map((p) => p.argv.join(' '))).toEqual([]);
      for (const p of scripts) expect(p.argv).toContain(FILTERED_PATTERN);
      expect(dataDump?.argv, what).toContain(FILTERED_PATTERN);
    }
  });
});
