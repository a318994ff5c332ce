/**
 * Reads a zip's central directory (zip64 too) and checks it before anything is extracted: every
 * offset and size must lie inside the file (a forged end record must not make us allocate what
 * it claims), every entry must be a plain file or directory (no symbolic links, devices or
 * FIFOs), every name must stay inside the target directory and have the shape of a set's files,
 * and no entry may declare a size that its compressed bytes cannot honestly hold.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { isSetFileName } from '../catalog/naming.js';
import { RestoreError } from '../errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export const EOCD = 0x06054b50;
export const LOCAL = 0x04034b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;
/** The most a deflated entry may expand; parts are compressed already, so theirs is about 1. */
const MAX_RATIO = 200;
/** Entries this small may expand freely (backup.json, SHA256SUMS deflate well). */
const SMALL = 1024 * 1024;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const HOST_UNIX = 3;

export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new RestoreError('the zip is truncated');
  return buf;
}

/** Throws unless [offset, offset + length) lies within [0, limit): checked before any read. */
function within(offset: number, length: number, limit: number, what: string): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= limit))
    throw new RestoreError(
      `the zip is damaged or forged: its ${what} (${length} bytes at ${offset}) lies outside the file`,
    );
}

/** A name that stays inside the directory and that `unzip` reads literally (no wildcards). */
function safeName(name: string): string {
  const parts = name.split('/');
  if (
    name.startsWith('/') ||
    /[\\\0*?[\]\r\n]/.test(name) ||
    parts.some((p) => p === '..' || p === '.') ||
    /^[A-Za-z]:/.test(name)
  )
    throw new RestoreError(`the zip holds an unsafe file name: ${JSON.stringify(name)}`);
  return name;
}

const OBJECT_DIR_PART = /^[0-9a-f]{2}$/;
const OBJECT_FILE = /^[0-9a-f]{64}(\.age)?(\.\d{3})?$/;

/**
 * What a set's zip may hold: a set's files (backup.json, SHA256SUMS, part files and chunks,
 * storage.objects) and its `objects/xx/<sha256>` area, in at most three folders (a zipped
 * project or branch folder). Anything else is refused before extraction.
 */
function setShaped(name: string): boolean {
  const parts = name.replace(/\/$/, '').split('/');
  const dir = name.endsWith('/');
  const plain = (p: string) => /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(p) && p.length <= 255;
  const at = parts.lastIndexOf('objects');
  if (at >= 0) {
    const under = parts.slice(at + 1);
    const prefix = parts.slice(0, at);
    if (prefix.length > 3 || !prefix.every(plain)) return false;
    if (under.length === 0) return dir;
    if (!OBJECT_DIR_PART.test(under[0]!)) return false;
    if (under.length === 1) return dir;
    return under.length === 2 && !dir && OBJECT_FILE.test(under[1]!);
  }
  if (dir) return parts.length <= 3 && parts.every(plain);
  return parts.length <= 4 && parts.every(plain) && isSetFileName(parts.at(-1)!);
}

/** `dataEnd`: where the central directory begins; every entry's bytes lie before it. */
function checkEntry(entry: ZipEntry, madeBy: number, external: number, dataEnd: number): void {
  const show = JSON.stringify(entry.name);
  const type = (external >>> 16) & S_IFMT;
  if (madeBy >> 8 === HOST_UNIX && type !== 0) {
    if (type === S_IFLNK)
      throw new RestoreError(`the zip holds a symbolic link, ${show}: a set holds only files`);
    if (type !== S_IFREG && type !== S_IFDIR)
      throw new RestoreError(`the zip holds ${show}, which is not a plain file`);
    if ((type === S_IFDIR) !== entry.name.endsWith('/'))
      throw new RestoreError(`the zip's entry ${show} is a directory and a file at once`);
  }
  if (!setShaped(entry.name))
    throw new RestoreError(
      `the zip holds ${show}, which is not a file of a backup set: refusing to extract it`,
    );
  within(entry.localOffset, 30, dataEnd, `entry ${show}`);
  within(entry.localOffset, entry.compressedSize, dataEnd, `entry ${show}`);
  if (entry.method === 0 && entry.compressedSize !== entry.size)
    throw new RestoreError(`${entry.name} in the zip is damaged (stored size)`);
  if (entry.size > SMALL && entry.size > entry.compressedSize * MAX_RATIO)
    throw new RestoreError(
      `${entry.name} in the zip would expand ${entry.compressedSize} bytes into ${entry.size} ` +
        `(more than ${MAX_RATIO}:1): refusing a zip bomb`,
    );
}

/** The entries listed in the zip's central directory, each checked (see the file's comment). */
export async function listZip(file: string): Promise<ZipEntry[]> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size < 22) throw new RestoreError('not a zip file, or a truncated one (no end record)');
    const tailLength = Math.min(size, 22 + 65535);
    const tail = await readAt(fh, size - tailLength, tailLength);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--)
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    if (at < 0) throw new RestoreError('not a zip file, or a truncated one (no end record)');
    // The central directory ends where the end records begin.
    let cdEnd = size - tailLength + at;
    let count = tail.readUInt16LE(at + 10);
    let cdSize = tail.readUInt32LE(at + 12);
    let cdOffset = tail.readUInt32LE(at + 16);
    if (count === MAX16 || cdSize === MAX32 || cdOffset === MAX32) {
      const locatorAt = cdEnd - 20;
      within(locatorAt, 20, size, 'zip64 locator');
      const locator = await readAt(fh, locatorAt, 20);
      if (locator.readUInt32LE(0) !== ZIP64_LOCATOR)
        throw new RestoreError('the zip64 end record is missing');
      const recordAt = Number(locator.readBigUInt64LE(8));
      within(recordAt, 56, locatorAt, 'zip64 end record');
      const record = await readAt(fh, recordAt, 56);
      if (record.readUInt32LE(0) !== ZIP64_EOCD) throw new RestoreError('bad zip64 end record');
      count = Number(record.readBigUInt64LE(32));
      cdSize = Number(record.readBigUInt64LE(40));
      cdOffset = Number(record.readBigUInt64LE(48));
      cdEnd = recordAt;
    }
    within(cdOffset, cdSize, cdEnd, 'central directory');
    if (count * 46 > cdSize)
      throw new RestoreError(
        `the zip is damaged or forged: its end record lists ${count} entries in ${cdSize} bytes`,
      );
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    const names = new Set<string>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL)
        throw new RestoreError('the zip central directory is damaged');
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      if (p + 46 + nameLength + extraLength + commentLength > cd.length)
        throw new RestoreError('the zip central directory is damaged');
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
            if (q + 8 > extra.length)
              throw new RestoreError('the zip central directory is damaged');
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
      if (names.has(entry.name))
        throw new RestoreError(`the zip holds ${JSON.stringify(entry.name)} twice`);
      names.add(entry.name);
      checkEntry(entry, cd.readUInt16LE(p + 4), cd.readUInt32LE(p + 38), cdOffset);
      entries.push(entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    await fh.close();
  }
}
