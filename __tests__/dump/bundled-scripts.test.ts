/**
 * The dump scripts shipped in the bundle are exactly what the pinned Supabase CLI prints
 * (`npm run update-cli-scripts` rewrites them after the pinned version changed).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUPABASE_CLI_VERSION } from '../../src/config/types.js';
import { BUNDLED_FLAGS, bundledScript } from '../../src/dump/bundled-scripts.js';
import { BUNDLED_CLI_SCRIPTS } from '../../src/dump/bundled-scripts.generated.js';
import { dryRunScript } from '../../src/dump/engines.js';

const binary = resolve('node_modules/.bin/supabase');
const installed = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
const noCache = { ...process.env, SUPABASE_BACKUP_NO_CLI_CACHE: '1' };
const live = async () =>
  Object.fromEntries(
    await Promise.all(
      BUNDLED_FLAGS.map(
        async (f) =>
          [
            f,
            await dryRunScript(binary, installed, f.split(' ').filter(Boolean), noCache),
          ] as const,
      ),
    ),
  );

describe('bundled Supabase CLI scripts', () => {
  it('are for the pinned release, the one installed for development', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(BUNDLED_CLI_SCRIPTS.version).toBe(DEFAULT_SUPABASE_CLI_VERSION);
    expect(pkg.devDependencies['supabase']).toBe(DEFAULT_SUPABASE_CLI_VERSION);
    expect(installed).toBe(DEFAULT_SUPABASE_CLI_VERSION);
  });

  it('are what that CLI prints for the default flags, byte for byte', async () => {
    const printed = await live();
    for (const flags of BUNDLED_FLAGS) {
      expect(printed[flags], `db dump --dry-run ${flags}`).toMatch(/^(pg_dump|pg_dumpall) \\$/m);
      expect(bundledScript(installed, flags.split(' ').filter(Boolean)), flags).toBe(
        printed[flags],
      );
    }
  });

  it('are used only for that release and exactly those flags', () => {
    expect(bundledScript(DEFAULT_SUPABASE_CLI_VERSION, ['--data-only', '--use-copy'])).toMatch(
      /^pg_dump \\$/m,
    );
    expect(bundledScript('3.0.9', ['--data-only', '--use-copy'])).toBeUndefined();
    expect(
      bundledScript(DEFAULT_SUPABASE_CLI_VERSION, ['--data-only', '--use-copy', '--schema', 'app']),
    ).toBeUndefined();
    expect(bundledScript(DEFAULT_SUPABASE_CLI_VERSION, ['toString'])).toBeUndefined();
  });
});
