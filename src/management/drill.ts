/**
 * The drill of the Management API parts: read each back from the staged set (decrypt,
 * decompress, every file's and section's digest) before the set is committed. A set whose
 * functions or settings do not read back identical is not stored.
 */
import type { StagedSet } from './read-set.js';
import { DumpError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { readFunctionsPart, readSettingsPart } from './read-set.js';

export async function drillManagementParts(
  setDir: string,
  manifest: StagedSet,
  identities: string[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const has = (part: string) => manifest.parts.find((p) => p.part === part);
  const encrypted = manifest.parts.some((p) => p.encryption !== null);
  if (encrypted && identities.length === 0)
    throw new DumpError(
      'the drill reads the functions and settings parts back, and they are encrypted: pass an age identity (--identity-file FILE or --identity-env NAME)',
    );
  try {
    if (has('functions')) {
      const doc = await readFunctionsPart(setDir, manifest, identities, signal);
      const files = doc.functions.reduce(
        (n, f) => n + (f.source.form === 'files' ? f.source.files.length : 1),
        0,
      );
      logger.info(
        `drill: ${doc.functions.length} function(s), ${files} file(s) read back identical`,
      );
    }
    if (has('settings')) {
      const doc = await readSettingsPart(setDir, manifest, identities, signal);
      logger.info(
        `drill: ${Object.keys(doc.sections).length} settings section(s) read back identical`,
      );
    }
  } catch (err) {
    throw new DumpError(`drill failed: ${errorMessage(err)}; the set was not stored`, {
      cause: err,
    });
  }
}
