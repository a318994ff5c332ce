/**
 * age v1 (age-encryption.org/v1) stages: compressed bytes <-> `<part>.sql.zst.age`.
 * Encrypting runs the age-encryption library's streaming Encrypter behind a node Transform.
 * Decrypting lets the library parse the header and unwrap the file key, then opens the 64 KiB
 * STREAM chunks with node:crypto as Go age does (a full chunk is opened once the next byte is
 * there; a failing one is retried with the other last-chunk flag), which tells truncation,
 * trailing data and corruption apart: the library's stream decrypter calls all three "invalid
 * tag". Plaintext is emitted only after its chunk authenticated.
 */
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { Decrypter, Encrypter } from 'age-encryption';
import { parseIdentities, parseRecipients } from '../config/age-keys.js';

const MAGIC = Buffer.from('age-encryption.org/v1\n');
const CHUNK = 64 * 1024;
const TAG = 16;
const SEALED = CHUNK + TAG;
const NONCE = 16;
const MAX_HEADER = 1024 * 1024;
const ARMOR = '-----BEGIN AGE ENCRYPTED FILE-----';
const AEAD = { authTagLength: TAG };

export type AgeFailure =
  'not-age' | 'bad-header' | 'no-identity' | 'truncated' | 'trailing-data' | 'corrupted';

export class AgeError extends Error {
  constructor(
    readonly failure: AgeFailure,
    message: string,
  ) {
    super(`age: ${message}`);
    this.name = 'AgeError';
  }
}

/** Feeds a node stream into a web TransformStream-like pair and pushes what comes out. */
class WebBridge extends Transform {
  private readonly pumped: Promise<Error | null>;
  private wanted: (() => void) | null = null;
  constructor(
    private readonly writer: WritableStreamDefaultWriter<Uint8Array>,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {
    super();
    this.pumped = this.pump();
  }

  /** Reads no further while node's buffer is full, so the web side backs up to the writer. */
  private async pump(): Promise<Error | null> {
    try {
      let next = await this.reader.read();
      while (!next.done && !this.destroyed) {
        if (!this.push(next.value)) await new Promise<void>((wake) => (this.wanted = wake));
        next = await this.reader.read();
      }
      return null;
    } catch (err) {
      this.destroy(err as Error);
      return err as Error;
    }
  }

  override _read(size: number): void {
    this.wanted?.();
    this.wanted = null;
    super._read(size);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.writer.write(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    this.writer
      .close()
      .then(() => this.pumped)
      .then((err) => done(err), done);
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    const reason = err ?? new Error('stream destroyed');
    this.writer.abort(reason).catch(() => undefined);
    this.reader.cancel(reason).catch(() => undefined);
    this.wanted?.();
    done(err);
  }
}

/** A Transform that encrypts to the recipients (age v1, X25519 or ML-KEM hybrid, 64 KiB STREAM). */
export async function createEncryptStage(recipients: string[]): Promise<Transform> {
  const encrypter = new Encrypter();
  for (const recipient of parseRecipients(recipients)) encrypter.addRecipient(recipient);
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const output = await encrypter.encrypt(input.readable);
  return new WebBridge(input.writable.getWriter(), output.getReader());
}

class AgeDecryptStream extends Transform {
  private head: Buffer | null = Buffer.alloc(0);
  private key: Buffer | null = null;
  private readonly sealed = Buffer.allocUnsafe(SEALED);
  private used = 0;
  private index = 0;

  constructor(
    private readonly decrypter: Decrypter,
    private readonly name: string,
  ) {
    super();
  }

  // Every failure must reach `done`: Node 20 does not catch a throw from _transform (24 does).
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.head) return this.guard(done, () => this.payload(chunk));
    this.header(this.head, chunk).then(() => done(), done);
  }

  private async header(before: Buffer, chunk: Buffer): Promise<void> {
    const head = (this.head = Buffer.concat([before, chunk]));
    const size = this.headerSize(head);
    if (size === null || head.length < size + NONCE) return;
    const fileKey = await this.unwrap(head.subarray(0, size));
    const nonce = head.subarray(size, size + NONCE);
    this.key = Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
    this.head = null;
    this.payload(head.subarray(size + NONCE));
  }

  override _flush(done: TransformCallback): void {
    this.guard(done, () => {
      if (this.head) {
        if (this.head.length === 0) throw new AgeError('not-age', `${this.name} is empty`);
        const inHeader = this.headerSize(this.head, true) === null;
        throw this.truncated(inHeader ? 'it ends inside the age header' : 'no payload');
      }
      if (this.used < TAG) {
        throw this.truncated(this.used || this.index ? 'it ends inside a chunk' : 'no payload');
      }
      const plain = this.open(true);
      if (plain) {
        if (plain.length === 0 && this.index > 0) {
          throw new AgeError('corrupted', `${this.name} ends with an empty chunk (invalid age)`);
        }
        if (plain.length) this.push(plain);
      } else if (this.used === SEALED && this.open(false)) {
        throw this.truncated('missing the final chunk');
      } else {
        const which = `the last chunk (${this.index + 1})`;
        throw this.corrupted(which, 'is truncated, corrupted or has data appended');
      }
    });
  }

  private guard(done: TransformCallback, work: () => void): void {
    try {
      work();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private truncated(detail: string): AgeError {
    return new AgeError('truncated', `${this.name} is truncated (${detail})`);
  }

  private corrupted(chunk: string, what: string): AgeError {
    const message = `${chunk} of ${this.name} fails authentication: the file ${what}`;
    return new AgeError('corrupted', message);
  }

  /** The header length (through the MAC line), null while incomplete; throws on non-age input. */
  private headerSize(head: Buffer, ended = false): number | null {
    const n = Math.min(head.length, MAGIC.length);
    if (!head.subarray(0, n).equals(MAGIC.subarray(0, n))) {
      const start = head.subarray(0, ARMOR.length).toString('latin1');
      if (!ended && ARMOR.startsWith(start) && start.length < ARMOR.length) return null;
      const why =
        start === ARMOR ? 'ASCII-armored age' : 'does not start with age-encryption.org/v1';
      throw new AgeError('not-age', `${this.name} is not a binary age file (${why})`);
    }
    const mac = head.indexOf('\n--- ', MAGIC.length - 1);
    const end = mac < 0 ? -1 : head.indexOf(0x0a, mac + 1);
    if (end >= 0) return end + 1;
    if (head.length > MAX_HEADER) {
      throw new AgeError('bad-header', `${this.name} has no end of age header in its first MiB`);
    }
    return null;
  }

  private async unwrap(header: Buffer): Promise<Uint8Array> {
    try {
      return await this.decrypter.decryptHeader(header);
    } catch (err) {
      const reason = (err as Error).message;
      if (/no identity matched/.test(reason)) {
        const to = header.includes('\n-> scrypt ') ? 'a passphrase' : 'other keys';
        const message = `no identity matches any recipient of ${this.name} (encrypted to ${to})`;
        throw new AgeError('no-identity', message);
      }
      if (/header HMAC/.test(reason)) {
        throw new AgeError('bad-header', `the header of ${this.name} is corrupted (MAC mismatch)`);
      }
      throw new AgeError('bad-header', `${this.name} has an invalid age header (${reason})`);
    }
  }

  private payload(chunk: Buffer): void {
    for (let at = 0; at < chunk.length;) {
      // A full chunk followed by more bytes cannot be the last one.
      if (this.used === SEALED) this.push(this.openFull());
      const n = Math.min(SEALED - this.used, chunk.length - at);
      chunk.copy(this.sealed, this.used, at, at + n);
      this.used += n;
      at += n;
    }
  }

  private openFull(): Buffer {
    const plain = this.open(false);
    if (!plain && this.open(true)) {
      throw new AgeError('trailing-data', `${this.name} has data after the end of its payload`);
    }
    if (!plain) throw this.corrupted(`chunk ${this.index + 1}`, 'is corrupted or was modified');
    this.index += 1;
    this.used = 0;
    return plain;
  }

  /** Opens the buffered chunk as chunk `index`; null if it does not authenticate. */
  private open(last: boolean): Buffer | null {
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(this.index, 5, 6);
    if (last) nonce[11] = 1;
    const decipher = createDecipheriv('chacha20-poly1305', this.key!, nonce, AEAD);
    decipher.setAuthTag(this.sealed.subarray(this.used - TAG, this.used));
    const plain = decipher.update(this.sealed.subarray(0, this.used - TAG));
    try {
      decipher.final();
      return plain;
    } catch {
      return null;
    }
  }
}

/**
 * A Transform that decrypts age v1 with the identities (AGE-SECRET-KEY-1..., -PQ-1...). Stream
 * errors are AgeError; `name` (default "the file") is what their messages call the input.
 */
export async function createDecryptStage(
  identities: string[],
  options: { name?: string } = {},
): Promise<Transform> {
  const decrypter = new Decrypter();
  for (const identity of parseIdentities(identities.join('\n'))) decrypter.addIdentity(identity);
  return new AgeDecryptStream(decrypter, options.name ?? 'the file');
}

/**
 * True if the file starts with the age v1 header line and at least one recipient stanza: the
 * fail-closed check that a stored part really is encrypted. Throws if the file cannot be read.
 */
export async function hasAgeHeader(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const want = Buffer.concat([MAGIC, Buffer.from('-> ')]);
    const got = Buffer.alloc(want.length);
    const { bytesRead } = await file.read(got, 0, want.length, 0);
    return bytesRead === want.length && got.equals(want);
  } finally {
    await file.close();
  }
}
