/** Compression stages. zstd comes from Node's zlib (Node 22.15+/24); gzip everywhere. */
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import type { Compression } from '../config/types.js';

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

/** null for `none`: the stage is simply left out. */
export function createCompressor(compression: Compression): Transform | null {
  switch (compression) {
    case 'none':
      return null;
    case 'gzip':
      return zlib.createGzip({ level: 6, chunkSize: CHUNK });
    case 'zstd':
      if (!z.createZstdCompress) needZstd();
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
