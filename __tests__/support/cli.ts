/** Runs the CLI in-process (fast) or as the built bundle (what users run), capturing everything it prints. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../../src/cli/run.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
  });
  return { code, stdout, stderr };
}

export const BUILT_CLI = resolve('dist/cli.js');

/** Spawns `node dist/cli.js`; `onStart` gets the child (e.g. to signal it). */
export function builtCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  onStart?: (pid: number) => void,
): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...argv], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    if (child.pid !== undefined) onStart?.(child.pid);
  });
}

/** A config file with one project (kept on local disk unless it says otherwise), in a fresh temp dir. */
export function writeConfig(project: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'backups.config.yaml');
  const lines = Object.entries({ destinations: ['local'], ...project }).map(
    ([k, v]) => `    ${k}: ${JSON.stringify(v)}`,
  );
  writeFileSync(file, `version: 1\nprojects:\n  - ${lines.join('\n').trimStart()}\n`);
  return file;
}

/** The environment a test backup runs in: the real Supabase CLI from node_modules, the secret. */
export function backupEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, SUPABASE_CLI_PATH: resolve('node_modules/.bin/supabase'), ...extra };
}

/**
 * Backs up the database at `url` as the one project "fixture" (pg-dump engine, local disk) into
 * a fresh temp dir whose name starts with `prefix`; gives the config file and the set's directory.
 */
export async function backupFixture(
  url: string,
  prefix: string,
): Promise<{ config: string; setDir: string }> {
  const config = writeConfig({ name: 'fixture', db_url_secret: 'SRC', engine: 'pg-dump' });
  const out = mkdtempSync(join(tmpdir(), prefix));
  const res = await cli(['backup', '--config', config, '--out', out], backupEnv({ SRC: url }));
  if (res.code !== 0) throw new Error(`backup failed (exit ${res.code}):\n${res.stderr}`);
  return { config, setDir: join(out, 'fixture', readdirSync(join(out, 'fixture'))[0]!) };
}

/** Every file under `dir`, recursively, as sorted relative paths ([] when it does not exist). */
export function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}
