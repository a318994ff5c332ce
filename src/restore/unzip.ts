/**
 * Extracts a downloaded artifact zip into a private directory. `unzip` does it when installed;
 * otherwise the zip's central directory is read here (zip64 too) and each entry is streamed out,
 * STORED (method 0, how artifacts are made) or DEFLATED (method 8), its CRC-32 checked. Entry
 * names that would escape the directory (absolute, `..`, backslashes) are refused either way.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw, crc32 } from 'node:zlib';
import { RestoreError } from '../errors.js';
import { ProcessFailure, run } from '../proc/run.js';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

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

function safeName(name: string): string {
  const parts = name.split('/');
  if (
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    parts.some((p) => p === '..') ||
    /^[A-Za-z]:/.test(name)
  )
    throw new RestoreError(`the zip holds an unsafe file name: ${JSON.stringify(name)}`);
  return name;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new RestoreError('the zip is truncated');
  return buf;
}

/** The entries listed in the zip's central directory. */
export async function listZip(file: string): Promise<ZipEntry[]> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const tailLength = Math.min(size, 22 + 65535);
    const tail = await readAt(fh, size - tailLength, tailLength);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--)
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    if (at < 0) throw new RestoreError('not a zip file, or a truncated one (no end record)');
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    if (count === MAX16 || cdSize === MAX32 || cdOffset === MAX32) {
      const locatorAt = size - tailLength + at - 20;
      const locator = await readAt(fh, locatorAt, 20);
      if (locator.readUInt32LE(0) !== ZIP64_LOCATOR)
        throw new RestoreError('the zip64 end record is missing');
      const record = await readAt(fh, Number(locator.readBigUInt64LE(8)), 56);
      if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new RestoreError('bad zip64 end record');
      count = Number(record.readBigUInt64LE(32));
      cdSize = Number(record.readBigUInt64LE(40));
      cdOffset = Number(record.readBigUInt64LE(48));
    }
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL)
        throw new RestoreError('the zip central directory is damaged');
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const entry: ZipEntry = {
        flags: cd.readUInt16LE(p + 8),
        method: cd.readUInt16LE(p + 10),
        crc: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localOffset: cd.readUInt32LE(p + 42),
        name: safeName(cd.subarray(p + 46, p + 46 + nameLength).toString('utf8')),
      };
      // zip64 extra field: the 64-bit values of whichever fields are 0xffffffff, in this order.
      const extra = cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
      for (let e = 0; e + 4 <= extra.length;) {
        const id = extra.readUInt16LE(e);
        const len = extra.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          const next = () => {
            const v = Number(extra.readBigUInt64LE(q));
            q += 8;
            return v;
          };
          if (entry.size === MAX32) entry.size = next();
          if (entry.compressedSize === MAX32) entry.compressedSize = next();
          if (entry.localOffset === MAX32) entry.localOffset = next();
        }
        e += 4 + len;
      }
      entries.push(entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

class Crc32Check extends Transform {
  private crc = 0;
  private bytes = 0;
  constructor(private readonly entry: ZipEntry) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.length;
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    if (this.bytes !== this.entry.size || this.crc >>> 0 !== this.entry.crc >>> 0)
      return done(new RestoreError(`${this.entry.name} in the zip is damaged (CRC-32 or size)`));
    done();
  }
}

/** Extracts with node alone (no `unzip` needed). */
export async function extractZipNative(file: string, dir: string): Promise<void> {
  const entries = await listZip(file);
  const fh = await open(file, 'r');
  try {
    for (const entry of entries) {
      const target = join(dir, entry.name);
      if (entry.name.endsWith('/')) {
        await mkdir(target, { recursive: true, mode: 0o700 });
        continue;
      }
      if (entry.flags & 1) throw new RestoreError(`${entry.name} in the zip is encrypted`);
      if (entry.method !== 0 && entry.method !== 8)
        throw new RestoreError(`${entry.name}: zip compression method ${entry.method} is unknown`);
      const local = await readAt(fh, entry.localOffset, 30);
      if (local.readUInt32LE(0) !== LOCAL) throw new RestoreError('the zip is damaged');
      const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      if (entry.method === 0 && entry.compressedSize !== entry.size)
        throw new RestoreError(`${entry.name} in the zip is damaged (stored size)`);
      const source =
        entry.compressedSize > 0
          ? createReadStream(file, { start, end: start + entry.compressedSize - 1 })
          : Readable.from([]);
      const check = new Crc32Check(entry);
      const out = createWriteStream(target, { mode: 0o600, flags: 'wx' });
      if (entry.method === 8) await pipeline(source, createInflateRaw(), check, out);
      else await pipeline(source, check, out);
    }
  } finally {
    await fh.close();
  }
}

async function unzipOnPath(env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.includes('unzip')) return join(dir, 'unzip');
  }
  return null;
}

/** Extracts `file` into `dir` (which should be a fresh private directory). */
export async function extractZip(
  file: string,
  dir: string,
  options: { useUnzip?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  try {
    // Listing first checks every name is safe, whichever tool extracts.
    await listZip(file);
    const unzip = options.useUnzip === false ? null : await unzipOnPath(process.env);
    if (!unzip) return await extractZipNative(file, dir);
    await run(unzip, ['-q', '-n', file, '-d', dir], { signal: options.signal });
  } catch (err) {
    const said = err instanceof ProcessFailure ? err.stderr.trim() : (err as Error).message;
    throw new RestoreError(`cannot extract ${file}: ${said}`, { cause: err });
  }
}
