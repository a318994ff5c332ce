/**
 * The real Supabase CLI (node_modules/.bin/supabase) against a plain PostgreSQL URL: a project
 * directory with migration files and a seed, `db push` to apply them, `migration list` to read
 * the history back (its text table and its JSON).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SUPABASE_BIN = resolve('node_modules/.bin/supabase');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `workdir` with a private HOME; never throws on a non-zero exit. */
export function supabase(args: string[], workdir: string): Promise<CliRun> {
  const home = mkdtempSync(join(tmpdir(), 'sb-home-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    DO_NOT_TRACK: '1',
    SUPABASE_TELEMETRY_DISABLED: '1',
  };
  return new Promise((res) => {
    execFile(
      SUPABASE_BIN,
      ['--workdir', workdir, ...args],
      { cwd: workdir, env, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        rmSync(home, { recursive: true, force: true });
        res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A project directory holding `supabase/migrations/<file>` for each entry, and a seed.sql. */
export function projectDir(migrations: Record<string, string>, seed: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-project-'));
  mkdirSync(join(dir, 'supabase', 'migrations'), { recursive: true });
  for (const [file, sql] of Object.entries(migrations))
    writeFileSync(join(dir, 'supabase', 'migrations', file), sql);
  writeFileSync(join(dir, 'supabase', 'seed.sql'), seed);
  return dir;
}

export interface ListedMigration {
  local: string;
  remote: string;
  time: string;
}

/** `migration list`'s text table: one row per line with `|`, backquotes removed. */
export function parseListTable(text: string): ListedMigration[] {
  const rows = text
    .split('\n')
    .filter((l) => l.includes('|') && !/Local\s*\|\s*Remote/.test(l) && !/^[\s|-]+$/.test(l))
    .map((l) => l.split('|').map((cell) => cell.trim().replace(/^`|`$/g, '').trim()));
  return rows.map(([local = '', remote = '', time = '']) => ({ local, remote, time }));
}

/** `migration list --output-format json`. */
export function parseListJson(text: string): ListedMigration[] {
  return (JSON.parse(text) as { migrations: ListedMigration[] }).migrations;
}
