/**
 * The object area of a project (`<out>/<project>/objects/`): every object stored once, under
 * its plaintext sha256 (`ab/<sha256>`, `ab/<sha256>.age` when encrypted). An object larger than
 * the file limit is split into `<name>.000`, `<name>.001`, … A stored file appears under its
 * name only when complete: it is written to `.incoming/`, hashed on the way, then renamed (a
 * split one last chunk first, so `<name>.000` existing means every chunk does).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChunkedFileWriter, chunkName } from '../pipeline/chunked-file.js';
import { DigestStream } from '../pipeline/digest.js';
import { createEncryptStage, hasAgeHeader } from '../pipeline/encrypt.js';
import { objectPath } from './index-file.js';

const INCOMING = '.incoming';

export interface StoredObject {
  sha256: string;
  bytes: number;
  /** False when another copy was stored first (this one was discarded). */
  added: boolean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export class ObjectArea {
  /** Names committed by this process, so two downloads of one content never interleave chunks. */
  private readonly committing = new Set<string>();

  constructor(readonly root: string) {}

  /** The stored file(s) of a name, in order; [] when it is not in the area. */
  async files(name: string): Promise<string[]> {
    const whole = join(this.root, name);
    if (await exists(whole)) return [whole];
    const chunks: string[] = [];
    for (let i = 0; await exists(join(this.root, chunkName(name, i))); i++)
      chunks.push(join(this.root, chunkName(name, i)));
    return chunks;
  }

  /** Every name (`ab/<sha256>[.age]`) the area holds. */
  async scan(): Promise<Set<string>> {
    const names = new Set<string>();
    const fans = await readdir(this.root).catch(() => [] as string[]);
    for (const fan of fans) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const file of await readdir(join(this.root, fan))) {
        const m = /^([0-9a-f]{64}(?:\.age)?)(?:\.(\d{3}))?$/.exec(file);
        if (m && (m[2] === undefined || m[2] === '000')) names.add(`${fan}/${m[1]}`);
      }
    }
    return names;
  }

  /** The stored bytes of a name as one stream (chunks joined). */
  async read(name: string): Promise<Readable> {
    const paths = await this.files(name);
    if (paths.length === 0) throw new Error(`object ${name} is not in ${this.root}`);
    // A set's object area may come from someone else (an artifact, a branch): links are not followed.
    for (const p of paths)
      if (!(await lstat(p)).isFile())
        throw new Error(`object ${name} in ${this.root} is not a plain file: refusing to read it`);
    async function* joined() {
      for (const p of paths) yield* createReadStream(p, { highWaterMark: 1024 * 1024 });
    }
    return Readable.from(joined(), { objectMode: false });
  }

  /**
   * Streams `source` into the area: sha256 of the plain bytes on the way, then (with
   * recipients) age encryption, into files of at most maxFileBytes.
   */
  async store(
    source: Readable,
    options: { recipients?: string[]; maxFileBytes: number; signal?: AbortSignal },
  ): Promise<StoredObject> {
    const incoming = join(this.root, INCOMING);
    await mkdir(incoming, { recursive: true, mode: 0o700 });
    const digest = new DigestStream();
    const stages: Transform[] = [digest];
    const encrypted = Boolean(options.recipients?.length);
    if (encrypted) stages.push(await createEncryptStage(options.recipients!));
    const tmpName = randomBytes(8).toString('hex');
    const sink = new ChunkedFileWriter(incoming, tmpName, options.maxFileBytes);
    try {
      await pipeline([source, ...stages, sink], { signal: options.signal });
      const chunks = await sink.commit();
      const tmp = chunks.map((c) => join(incoming, c.file));
      if (encrypted && !(await hasAgeHeader(tmp[0]!)))
        throw new Error('an object to be encrypted is not age ciphertext');
      const sha256 = digest.digest();
      const name = objectPath(sha256, encrypted);
      if (this.committing.has(name) || (await this.files(name)).length > 0) {
        await Promise.all(tmp.map((p) => rm(p, { force: true })));
        return { sha256, bytes: digest.bytes, added: false };
      }
      this.committing.add(name);
      const final = join(this.root, name);
      await mkdir(dirname(final), { recursive: true, mode: 0o700 });
      for (let i = tmp.length - 1; i >= 0; i--)
        await rename(tmp[i]!, tmp.length === 1 ? final : join(this.root, chunkName(name, i)));
      return { sha256, bytes: digest.bytes, added: true };
    } catch (err) {
      await sink.discard();
      throw err;
    }
  }

  /** Removes what interrupted runs left in `.incoming/`. */
  async clearIncoming(): Promise<void> {
    await rm(join(this.root, INCOMING), { recursive: true, force: true });
  }

  /** Removes a stored object (every chunk); for garbage collection. */
  async remove(name: string): Promise<void> {
    for (const path of (await this.files(name)).reverse()) await rm(path, { force: true });
  }
}
