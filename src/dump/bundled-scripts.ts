/**
 * The Supabase CLI's dump scripts for the pinned release and the default flags, as that release
 * prints them (`db dump --dry-run`, connection exports removed), shipped in the bundle. With them
 * a backup with the supabase-cli engine and default filters needs no CLI at all: no download on a
 * fresh runner and none of the four starts of the Go binary (~5 CPU s; docs/benchmarks.md).
 * `__tests__/dump/bundled-scripts.test.ts` checks them against the CLI in node_modules;
 * `npm run update-cli-scripts` rewrites them after the pinned version changes.
 */
import { BUNDLED_CLI_SCRIPTS } from './bundled-scripts.generated.js';

/** The flag lists the scripts are kept for, joined by spaces. */
export const BUNDLED_FLAGS = ['--role-only', '', '--data-only --use-copy'] as const;

/** The shipped script of `version` for exactly these flags, if there is one. */
export function bundledScript(version: string, flags: string[]): string | undefined {
  if (version !== BUNDLED_CLI_SCRIPTS.version) return undefined;
  const scripts: Record<string, string> = BUNDLED_CLI_SCRIPTS.scripts;
  return Object.hasOwn(scripts, flags.join(' ')) ? scripts[flags.join(' ')] : undefined;
}
