/** Which compression a project's parts get, given whether zstd can run here. */
import { BackupError } from '../errors.js';
import type { Compression } from './types.js';

/**
 * `requested` undefined means "the default": zstd where it can run (the zstd program on PATH, or
 * Node 22.15+'s zlib), otherwise gzip with a notice. An explicit zstd that cannot run is a
 * config error.
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
          notice: `zstd needs the zstd program or Node 22.15+ (this is Node ${node}): using gzip`,
        };
  }
  if (requested === 'zstd' && !zstdAvailable) {
    throw new BackupError(
      'config',
      `compression: zstd is configured, but there is no zstd program on PATH and this Node ` +
        `(${node}) lacks zlib zstd support (Node 22.15+ has it). The action (action.yml) runs ` +
        'on node24; to run the CLI here, install zstd (apt-get install zstd) or use Node 22.15 ' +
        'or later, or choose `compression: gzip` in the config.',
    );
  }
  return { compression: requested };
}
