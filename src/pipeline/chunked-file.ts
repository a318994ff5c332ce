/**
 * The sink of a part: writes temp files of at most `maxBytes` each (GitHub refuses files over
 * 100 MB), hashing the whole stream and each chunk, and on commit renames them to their final
 * names: `name` when the part fits in one file, else `name.000`, `name.001`, ... in order.
 * Nothing is visible under a final name before commit; discard removes every temp file.
 *
 * One pass of sha256 serves both digests while the part fits in one file (the whole stream's
 * digest is the file's); the first chunk's digest is a copy of the whole stream's state when it
 * closes, and only the later chunks of a split part are hashed twice.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';

export interface StoredChunk {
  file: string;
  bytes: number;
  sha256: string;
}

interface OpenChunk {
  tmp: string;
  fh: FileHandle;
  bytes: number;
  /** null for the first chunk: its digest is the whole stream's (above). */
  hash: Hash | null;
}

export function chunkName(name: string, index: number): string {
  return `${name}.${String(index).padStart(3, '0')}`;
}

export class ChunkedFileWriter extends Writable {
  private readonly base: string;
  private current: OpenChunk | null = null;
  private readonly done: { tmp: string; bytes: number; sha256: string }[] = [];
  private readonly whole: Hash = createHash('sha256');
  private wholeHex: string | undefined;
  /** Bytes written so far, over every chunk. */
  bytes = 0;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly maxBytes: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    if (!(maxBytes > 0)) throw new Error(`chunk size must be positive, got ${maxBytes}`);
    this.base = join(dir, `.${name}.tmp-${randomBytes(4).toString('hex')}`);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeAll(chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const finish = async () => {
      if (!this.current) await this.openNext(); // an empty part is still one (empty) file
      await this.closeCurrent();
    };
    finish().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const fh = this.current?.fh;
    this.current = null;
    (fh ? fh.close() : Promise.resolve()).then(
      () => cb(err),
      () => cb(err),
    );
  }

  private async writeAll(buf: Buffer): Promise<void> {
    let offset = 0;
    while (offset < buf.length) {
      if (!this.current || this.current.bytes >= this.maxBytes) {
        await this.closeCurrent();
        await this.openNext();
      }
      const cur = this.current!;
      const n = Math.min(buf.length - offset, this.maxBytes - cur.bytes);
      const slice = buf.subarray(offset, offset + n);
      let written = 0;
      while (written < slice.length) {
        const { bytesWritten } = await cur.fh.write(slice, written, slice.length - written);
        written += bytesWritten;
      }
      this.whole.update(slice);
      cur.hash?.update(slice);
      cur.bytes += n;
      this.bytes += n;
      offset += n;
    }
  }

  private async openNext(): Promise<void> {
    const tmp = `${this.base}.${this.done.length}`;
    const fh = await open(tmp, 'wx', 0o600);
    // Destroyed while the open was in flight: _destroy saw no handle to close.
    if (this.destroyed) {
      await fh.close();
      throw new Error(`${tmp}: the stream was destroyed`);
    }
    this.current = {
      tmp,
      fh,
      bytes: 0,
      hash: this.done.length === 0 ? null : createHash('sha256'),
    };
  }

  private async closeCurrent(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    try {
      await cur.fh.sync();
    } finally {
      await cur.fh.close();
    }
    // The first chunk holds every byte so far: the whole stream's state is its digest.
    const sha256 = (cur.hash ?? this.whole.copy()).digest('hex');
    this.done.push({ tmp: cur.tmp, bytes: cur.bytes, sha256 });
  }

  /** sha256 of every byte written, over all chunks; only valid once the stream has finished. */
  sha256(): string {
    this.wholeHex ??= this.whole.digest('hex');
    return this.wholeHex;
  }

  /** Renames the finished temp files to their final names; returns them in order. */
  async commit(): Promise<StoredChunk[]> {
    const single = this.done.length === 1;
    const out: StoredChunk[] = [];
    for (const [i, c] of this.done.entries()) {
      const file = single ? this.name : chunkName(this.name, i);
      await rename(c.tmp, join(this.dir, file));
      out.push({ file, bytes: c.bytes, sha256: c.sha256 });
    }
    return out;
  }

  /** Removes every temp file (after a failure). */
  async discard(): Promise<void> {
    const fh = this.current?.fh;
    this.current = null;
    await fh?.close().catch(() => undefined);
    const count = this.done.length + 1;
    for (let i = 0; i < count; i++) await rm(`${this.base}.${i}`, { force: true });
  }
}
