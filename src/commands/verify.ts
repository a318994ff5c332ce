/** verify: recompute every digest of a set, or of every set under a directory. */
import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { describeProblem, findSetDirs, verifySet, type SetCheck } from '../set/verify.js';

export interface VerifyOutcome {
  checks: SetCheck[];
  problems: number;
}

export async function verify(from: string, logger: Logger): Promise<VerifyOutcome> {
  const st = await stat(from).catch(() => null);
  if (!st?.isDirectory()) throw new UsageError(`--from ${from}: not a directory`);
  const dirs = await findSetDirs(from);
  if (dirs.length === 0)
    throw new UsageError(
      `no backup set found under ${from} (a set is a directory with backup.json)`,
    );
  const checks: SetCheck[] = [];
  let problems = 0;
  for (const dir of dirs) {
    const check = await verifySet(dir);
    checks.push(check);
    problems += check.problems.length;
    if (check.problems.length === 0) {
      const files = check.manifest?.parts.length ?? 0;
      logger.info(`ok    ${dir} (${files} file${files === 1 ? '' : 's'})`);
    } else {
      logger.error(`FAIL  ${dir}`);
      for (const p of check.problems) logger.error(`  ${describeProblem(from, p)}`);
    }
  }
  logger.info(`${checks.length} set(s) checked, ${problems} problem(s)`);
  return { checks, problems };
}
