/**
 * Compression stages. zstd comes from the `zstd` binary when one is installed (it costs 2.3
 * times less CPU than Node's at the same level: docs/benchmarks.md), else from Node's zlib
 * (every Node the CLI runs on, 22.15+, has it); gzip from zlib. Both zstd paths write the same
 * format.
 */
import zlib from 'node:zlib';
import type { Duplex, Transform } from 'node:stream';
import type { Compression } from '../config/types.js';
import { findOnPath } from '../proc/which.js';
import { ChildFilter } from './child-filter.js';

const CHUNK = 256 * 1024;

const ZSTD_LEVEL = 3;

/** The `zstd` binary on PATH, or null; SUPABASE_BACKUP_NO_ZSTD_CLI=1 ignores it. */
export async function findZstd(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env['SUPABASE_BACKUP_NO_ZSTD_CLI'] === '1') return null;
  return (await findOnPath('zstd', env['PATH'] ?? '')) ?? null;
}

/** The zstd program as a stream stage: -q no progress, stdin to stdout, nothing but PATH. */
function zstdProgram(binary: string, args: string[]): ChildFilter {
  return new ChildFilter(binary, ['-q', '-c', ...args], {
    env: { PATH: process.env['PATH'] ?? '' },
  });
}

/**
 * null for `none`: the stage is simply left out. zstd runs through the program findZstd finds,
 * else Node's; `zstdBinary` names the program to use instead (null: Node's).
 */
export async function createCompressor(
  compression: Compression,
  zstdBinary?: string | null,
): Promise<Transform | Duplex | null> {
  switch (compression) {
    case 'none':
      return null;
    case 'gzip':
      return zlib.createGzip({ level: 6, chunkSize: CHUNK });
    case 'zstd':
      zstdBinary = zstdBinary === undefined ? await findZstd() : zstdBinary;
      if (zstdBinary) return zstdProgram(zstdBinary, [`-${ZSTD_LEVEL}`]);
      // Node's default level is zstd's, 3.
      return zlib.createZstdCompress({ chunkSize: CHUNK });
  }
}

/** The reverse of createCompressor, choosing the zstd program the same way. */
export async function createDecompressor(
  compression: Compression,
  zstdBinary?: string | null,
): Promise<Transform | Duplex | null> {
  switch (compression) {
    case 'none':
      return null;
    case 'gzip':
      return zlib.createGunzip({ chunkSize: CHUNK });
    case 'zstd':
      zstdBinary = zstdBinary === undefined ? await findZstd() : zstdBinary;
      if (zstdBinary) return zstdProgram(zstdBinary, ['-d']);
      return zlib.createZstdDecompress({ chunkSize: CHUNK });
  }
}
