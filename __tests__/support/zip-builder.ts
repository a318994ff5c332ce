/**
 * Hand-made zips for the hostile-input tests: what `zip` would never write (a lying size, a
 * forged end record) and what it writes only when asked (symbolic links, `zip -y`).
 */
import { writeFileSync } from 'node:fs';
import { crc32, constants, deflateRawSync } from 'node:zlib';

export interface HandEntry {
  name: string;
  /** The entry's stored bytes (already deflated when method is 8). */
  stored: Buffer;
  method?: 0 | 8;
  /** Declared uncompressed size and CRC-32 (default: those of `stored`, for method 0). */
  size?: number;
  crc?: number;
  /** Unix mode, e.g. 0o100644 (file) or 0o120777 (symbolic link: `stored` is the target). */
  mode?: number;
}

/** A file entry holding `data`, stored. */
export function storedEntry(name: string, data: Buffer | string, mode = 0o100644): HandEntry {
  return { name, stored: Buffer.from(data), mode };
}

/** A symbolic link entry, as `zip -y` writes it: the link's target is its content. */
export function symlinkEntry(name: string, target: string): HandEntry {
  return { name, stored: Buffer.from(target), mode: 0o120777 };
}

/**
 * A deflated entry of `total` zero bytes, made without ever holding them: one fully flushed
 * deflate block of `block` zeros repeated (a full flush makes blocks independent), then an
 * empty final block. Its CRC is left 0: the tests refuse it before any CRC matters.
 */
export function zeroBomb(name: string, total: number, declared = total): HandEntry {
  const block = 16 * 1024 * 1024;
  if (total % block !== 0) throw new Error('total must be a multiple of 16 MiB');
  const piece = deflateRawSync(Buffer.alloc(block), {
    level: 9,
    finishFlush: constants.Z_FULL_FLUSH,
  });
  const end = deflateRawSync(Buffer.alloc(0));
  const stored = Buffer.concat([...Array<Buffer>(total / block).fill(piece), end]);
  return { name, stored, method: 8, size: declared, crc: 0, mode: 0o100644 };
}

/** The zip's bytes: local headers, data, central directory, end record. */
export function buildZip(entries: HandEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const method = e.method ?? 0;
    const size = e.size ?? e.stored.length;
    const crc = e.crc ?? crc32(e.stored);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(e.stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, e.stored);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix: the mode is in the external attributes
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(e.stored.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + e.stored.length;
  }
  const cd = Buffer.concat(centrals);
  return Buffer.concat([...locals, cd, endRecord(entries.length, cd.length, offset)]);
}

/** An end-of-central-directory record (22 bytes). */
export function endRecord(count: number, cdSize: number, cdOffset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cdSize >>> 0, 12);
  end.writeUInt32LE(cdOffset >>> 0, 16);
  return end;
}

/**
 * 52 bytes: an empty entry's local header, then an end record claiming a central directory of
 * almost 4 GB at offset 0.
 */
export function forgedEndRecordZip(): Buffer {
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  return Buffer.concat([local, endRecord(1, 0xfffffff0, 0)]);
}

export function writeZip(file: string, entries: HandEntry[]): string {
  writeFileSync(file, buildZip(entries));
  return file;
}
