/**
 * Compression stages. zstd comes from the `zstd` binary when one is installed (it costs 2.3
 * times less CPU than Node's at the same level: docs/benchmarks.md), else from Node's zlib
 * (Node 22.15+/24); gzip from zlib everywhere. Both zstd paths write the same format.
 */
import zlib from 'node:zlib';
import type { Duplex, Transform } from 'node:stream';
import type { Compression } from '../config/types.js';
import { findOnPath } from '../proc/which.js';
import { ChildFilter } from './child-filter.js';

type ZstdZlib = typeof zlib & {
  createZstdCompress?: (options?: object) => Transform;
  createZstdDecompress?: (options?: object) => Transform;
};
const z = zlib as ZstdZlib;

export function zstdAvailable(): boolean {
  return typeof z.createZstdCompress === 'function';
}

function needZstd(): never {
  throw new Error(
    `zstd needs Node 22.15 or newer (this is Node ${process.versions.node}); the action runs on node24, or use compression: gzip`,
  );
}

const CHUNK = 256 * 1024;

export const ZSTD_LEVEL = 3;

/** The `zstd` binary on PATH, or null; SUPABASE_BACKUP_NO_ZSTD_CLI=1 ignores it. */
export async function findZstd(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env['SUPABASE_BACKUP_NO_ZSTD_CLI'] === '1') return null;
  return (await findOnPath('zstd', env['PATH'] ?? '')) ?? null;
}

/**
 * null for `none`: the stage is simply left out. `zstdBinary`: the zstd program to run (from
 * findZstd), or null for Node's.
 */
export function createCompressor(
  compression: Compression,
  zstdBinary: string | null = null,
): Transform | Duplex | null {
  switch (compression) {
    case 'none':
      return null;
    case 'gzip':
      return zlib.createGzip({ level: 6, chunkSize: CHUNK });
    case 'zstd':
      if (zstdBinary)
        // -q: no progress; stdin to stdout; no environment beyond PATH (it needs nothing).
        return new ChildFilter(zstdBinary, [`-${ZSTD_LEVEL}`, '-q', '-c'], {
          env: { PATH: process.env['PATH'] ?? '' },
        });
      if (!z.createZstdCompress) needZstd();
      // Node's default level is zstd's, 3.
      return z.createZstdCompress({ chunkSize: CHUNK });
  }
}

export function createDecompressor(compression: Compression): Transform | null {
  switch (compression) {
    case 'none':
      return null;
    case 'gzip':
      return zlib.createGunzip({ chunkSize: CHUNK });
    case 'zstd':
      if (!z.createZstdDecompress) needZstd();
      return z.createZstdDecompress({ chunkSize: CHUNK });
  }
}
