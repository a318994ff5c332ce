/** Which compression a project's parts get, given what this Node's zlib can do. */
import { BackupError } from '../errors.js';
import type { Compression } from './types.js';

/**
 * `requested` undefined means "the default": zstd where zlib has it (Node 22.15+), otherwise
 * gzip with a notice. An explicit zstd this Node cannot do is a config error.
 */
export function resolveCompression(
  requested: Compression | undefined,
  zstdAvailable: boolean,
  nodeVersion: string,
): { compression: Compression; notice?: string } {
  const node = nodeVersion.replace(/^v/, '');
  if (requested === undefined) {
    return zstdAvailable
      ? { compression: 'zstd' }
      : {
          compression: 'gzip',
          notice: `zstd needs Node 22.15+ (this is Node ${node}): using gzip`,
        };
  }
  if (requested === 'zstd' && !zstdAvailable) {
    throw new BackupError(
      'config',
      `compression: zstd is configured, but this Node (${node}) lacks zlib zstd support ` +
        '(Node 22.15+ has it). The action (action.yml) runs on node24; to run the CLI here, ' +
        'use Node 22.15 or later, or choose `compression: gzip` in the config.',
    );
  }
  return { compression: requested };
}
