/**
 * Global setup of the e2e project: the e2e tests run the built dist/, so they refuse one built
 * from other sources than the working tree's (scripts/test.sh builds first; this catches a plain
 * `vitest run` after a source change).
 */
import { readFileSync } from 'node:fs';
import { sourcesHash } from '../../scripts/sources-hash.mjs';

export default function distFresh(): void {
  const root = process.cwd();
  let built = '';
  try {
    built = readFileSync('dist/sources.sha256', 'utf8').trim();
  } catch {
    // no record: treated as stale below
  }
  if (built !== sourcesHash(root))
    throw new Error(
      'dist/ was not built from the sources in this working tree: run `npm run build` ' +
        '(npm test and npm run test:e2e do) before the e2e tests.',
    );
}
