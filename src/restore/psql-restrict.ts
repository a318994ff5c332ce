/**
 * psql's own guard: `\restrict KEY` (psql 13.22, 14.19, 15.14, 16.10, 17.6, 18 and later) makes
 * psql refuse every meta-command but `\unrestrict KEY` until then. A restore runs psql restricted
 * with a key no set can know, when its psql has it, on top of src/pipeline/psql-guard.ts.
 */
import { randomBytes } from 'node:crypto';
import { run } from '../proc/run.js';

/** The first release of each major that has `\restrict` (it came in one set of minor releases). */
const FIRST_MINOR: Record<number, number> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6 };

export function hasRestrict(version: string): boolean {
  const m = /(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2] ?? 0);
  if (major >= 18) return true;
  const first = FIRST_MINOR[major];
  return first !== undefined && minor >= first;
}

/** Whether this psql has `\restrict` (from `psql --version`, e.g. "psql (PostgreSQL) 15.18 (Debian ...)"). */
export async function psqlHasRestrict(psql: string, signal?: AbortSignal): Promise<boolean> {
  const { stdout } = await run(psql, ['--version'], { signal });
  return hasRestrict(stdout.replace(/^[^0-9]*/, ''));
}

/** psql arguments that restrict the session, with a fresh key (letters and digits only). */
export function restrictArgs(): string[] {
  return ['-c', `\\restrict ${randomBytes(24).toString('hex')}`];
}
