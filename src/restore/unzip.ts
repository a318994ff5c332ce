/**
 * Extracts a downloaded artifact zip into a private directory. The central directory is read and
 * checked here first, whichever decoder then runs (src/restore/zip-directory.ts): names, entry
 * types, offsets and declared sizes. Files are always written here, one checked entry at a time,
 * never by another tool: node decodes STORED (method 0, how artifacts are made) and DEFLATED
 * (method 8) entries, and `unzip -p`, when installed, any other method (deflate64, bzip2...).
 * Either way no entry may write a byte more than it declared, the CRC-32 is checked, and the
 * declared total must fit the disk; the caller removes the directory when anything fails.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rm, statfs } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw, crc32 } from 'node:zlib';
import { RestoreError } from '../errors.js';
import { formatBytes } from '../format.js';
import { ProcessFailure, runStreaming } from '../proc/run.js';
import { EOCD, listZip, LOCAL, readAt, type ZipEntry } from './zip-directory.js';

/** True when the file starts like a zip (a local header, or the end record of an empty zip). */
export async function looksLikeZip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    const sig = bytesRead === 4 ? buffer.readUInt32LE(0) : 0;
    return sig === LOCAL || sig === EOCD;
  } finally {
    await fh.close();
  }
}

/** Passes an entry's bytes on, failing at the first byte beyond its declared size. */
class EntryCheck extends Transform {
  private crc = 0;
  private bytes = 0;
  constructor(private readonly entry: ZipEntry) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.entry.size)
      return done(
        new RestoreError(
          `${this.entry.name} in the zip holds more than the ${this.entry.size} bytes it declares: refusing a zip bomb`,
        ),
      );
    this.crc = crc32(chunk, this.crc);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.bytes !== this.entry.size || this.crc >>> 0 !== this.entry.crc >>> 0)
      return done(new RestoreError(`${this.entry.name} in the zip is damaged (CRC-32 or size)`));
    done();
  }
}

type Decoder = (entry: ZipEntry, sink: Transform, out: NodeJS.WritableStream) => Promise<void>;

/** node alone: STORED and DEFLATED entries. */
function nativeDecoder(file: string): Decoder {
  return async (entry, check, out) => {
    if (entry.method !== 0 && entry.method !== 8)
      throw new RestoreError(`${entry.name}: zip compression method ${entry.method} is unknown`);
    const fh = await open(file, 'r');
    let start: number;
    try {
      const local = await readAt(fh, entry.localOffset, 30);
      if (local.readUInt32LE(0) !== LOCAL) throw new RestoreError('the zip is damaged');
      start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    } finally {
      await fh.close();
    }
    const source =
      entry.compressedSize > 0
        ? createReadStream(file, { start, end: start + entry.compressedSize - 1 })
        : Readable.from([]);
    if (entry.method === 8) await pipeline(source, createInflateRaw(), check, out);
    else await pipeline(source, check, out);
  };
}

/** `unzip -p` decodes one entry to its stdout (names were checked: no wildcards, no options). */
function unzipDecoder(unzip: string, file: string, signal?: AbortSignal): Decoder {
  return async (entry, check, out) => {
    const child = runStreaming(unzip, ['-p', '-qq', file, entry.name], { signal });
    try {
      await pipeline(child.stdout, check, out);
      await child.done;
    } catch (err) {
      child.kill();
      await child.done.catch(() => undefined);
      throw err;
    }
  };
}

async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir).catch(() => null);
  return fs ? fs.bavail * fs.bsize : Number.POSITIVE_INFINITY;
}

async function extractEntries(entries: ZipEntry[], dir: string, decode: Decoder): Promise<void> {
  const declared = entries.reduce((n, e) => n + e.size, 0);
  const free = await freeBytes(dir);
  if (declared > free)
    throw new RestoreError(
      `the zip would expand to ${formatBytes(declared)}, more than the ${formatBytes(free)} free where it is extracted`,
    );
  const written = new Set<string>();
  try {
    for (const entry of entries) {
      const top = join(dir, entry.name.split('/')[0]!);
      if (!written.has(top) && !(await lstat(top).catch(() => null))) written.add(top);
      await extractEntry(entry, dir, decode);
    }
  } catch (err) {
    // Nothing half-written stays behind, even if the caller forgets its directory.
    for (const path of written) await rm(path, { recursive: true, force: true });
    throw err;
  }
}

async function extractEntry(entry: ZipEntry, dir: string, decode: Decoder): Promise<void> {
  const target = join(dir, entry.name);
  if (entry.name.endsWith('/')) {
    await mkdir(target, { recursive: true, mode: 0o700 });
    return;
  }
  if (entry.flags & 1) throw new RestoreError(`${entry.name} in the zip is encrypted`);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  // 'wx': never through a link or over a file an earlier entry wrote.
  await decode(
    entry,
    new EntryCheck(entry),
    createWriteStream(target, { mode: 0o600, flags: 'wx' }),
  );
}

async function unzipOnPath(env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.includes('unzip')) return join(dir, 'unzip');
  }
  return null;
}

/**
 * Extracts `file` into `dir` (a fresh private directory, which the caller removes on failure).
 * `useUnzip`: by default node decodes what it can (stored and deflated: every artifact) and
 * `unzip -p` the other methods; true sends every entry through `unzip -p`, false none.
 */
export async function extractZip(
  file: string,
  dir: string,
  options: { useUnzip?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  try {
    const entries = await listZip(file);
    const unzip = options.useUnzip === false ? null : await unzipOnPath(process.env);
    const native = nativeDecoder(file);
    const external = unzip ? unzipDecoder(unzip, file, options.signal) : null;
    // A process per entry is slow for a set with many Storage objects: node first, by default.
    const decode: Decoder = (entry, check, out) =>
      external && (options.useUnzip === true || (entry.method !== 0 && entry.method !== 8))
        ? external(entry, check, out)
        : native(entry, check, out);
    await extractEntries(entries, dir, decode);
  } catch (err) {
    const said =
      err instanceof ProcessFailure ? err.stderr.trim() || err.message : (err as Error).message;
    throw new RestoreError(`cannot extract ${file}: ${said}`, { cause: err });
  }
}
