/**
 * age v1 (https://age-encryption.org/v1) stages: compressed bytes -> `<part>.sql.zst.age`.
 *
 * Encryption is the age-encryption library's streaming Encrypter (web streams) behind a node
 * Transform. Decryption lets the library parse the header and unwrap the file key, then opens
 * the 64 KiB ChaCha20-Poly1305 STREAM chunks with node:crypto the way the reference (Go) age
 * does: a full chunk is opened only once the next byte has arrived, and a failing chunk is
 * retried with the other "last chunk" flag. That is what tells a truncated file, trailing data
 * and corruption apart; the library's own stream decrypter reports all three as "invalid tag".
 * Plaintext is only ever emitted after its chunk authenticated.
 */
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { Decrypter, Encrypter } from 'age-encryption';
import { parseRecipients } from './age-keys.js';

const MAGIC = Buffer.from('age-encryption.org/v1\n');
const CHUNK = 64 * 1024;
const TAG = 16;
const SEALED = CHUNK + TAG;
const NONCE = 16;
const MAX_HEADER = 1024 * 1024;

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
  private readonly pumped: Promise<void>;
  private failure: Error | null = null;
  constructor(
    private readonly writer: WritableStreamDefaultWriter<Uint8Array>,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {
    super();
    this.pumped = this.pump();
  }

  /** Output is bounded: input is only written as fast as node's readable buffer drains. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done || this.destroyed) return;
        this.push(value);
      }
    } catch (err) {
      this.failure = err as Error;
      this.destroy(this.failure);
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.writer.write(chunk).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    this.writer
      .close()
      .then(() => this.pumped)
      .then(() => done(this.failure), done);
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    const reason = err ?? new Error('stream destroyed');
    this.writer.abort(reason).catch(() => undefined);
    this.reader.cancel(reason).catch(() => undefined);
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

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.head) return this.guard(done, () => this.payload(chunk));
    const head = Buffer.concat([this.head, chunk]);
    this.head = head;
    const size = this.headerSize(head);
    if (size === null || head.length < size + NONCE) return done();
    this.unwrap(head.subarray(0, size)).then((fileKey) => {
      const nonce = head.subarray(size, size + NONCE);
      this.key = Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
      this.head = null;
      this.guard(done, () => this.payload(head.subarray(size + NONCE)));
    }, done);
  }

  override _flush(done: TransformCallback): void {
    this.guard(done, () => {
      if (this.head) {
        if (this.head.length === 0) throw new AgeError('not-age', `${this.name} is empty`);
        const inHeader = this.headerSize(this.head) === null;
        throw this.truncated(inHeader ? 'it ends inside the age header' : 'no payload');
      }
      if (this.used < TAG) throw this.truncated('it ends inside a chunk');
      const plain = this.open(true);
      if (plain) {
        if (plain.length === 0 && this.index > 0) {
          throw new AgeError('corrupted', `${this.name} ends with an empty chunk (invalid age)`);
        }
        if (plain.length) this.push(plain);
      } else if (this.used === SEALED && this.open(false)) {
        throw this.truncated('missing the final chunk');
      } else {
        throw new AgeError(
          'corrupted',
          `the last chunk (${this.index + 1}) of ${this.name} fails authentication: the file is truncated, corrupted or has data appended`,
        );
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

  /** The header length (through the MAC line), null while incomplete; throws on non-age input. */
  private headerSize(head: Buffer): number | null {
    const n = Math.min(head.length, MAGIC.length);
    if (!head.subarray(0, n).equals(MAGIC.subarray(0, n))) {
      const armored = head.subarray(0, 11).toString('latin1') === '-----BEGIN ';
      throw new AgeError(
        'not-age',
        armored
          ? `${this.name} is ASCII-armored; decrypt it with \`age -d\``
          : `${this.name} is not an age-encrypted file (it does not start with "age-encryption.org/v1")`,
      );
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
        const passphrase = header.includes('\n-> scrypt ');
        throw new AgeError(
          'no-identity',
          passphrase
            ? `${this.name} is encrypted with a passphrase, not to a recipient key`
            : `no identity matches any recipient of ${this.name} (it was encrypted to other keys)`,
        );
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
    if (!plain) {
      const kind = this.open(true) ? 'trailing-data' : 'corrupted';
      throw new AgeError(
        kind,
        kind === 'trailing-data'
          ? `${this.name} has trailing data after the end of the encrypted payload`
          : `chunk ${this.index + 1} of ${this.name} fails authentication: the file is corrupted or was modified`,
      );
    }
    this.index += 1;
    this.used = 0;
    return plain;
  }

  /** Opens the buffered chunk as chunk `index`; null if it does not authenticate. */
  private open(last: boolean): Buffer | null {
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(this.index, 5, 6);
    if (last) nonce[11] = 1;
    const decipher = createDecipheriv('chacha20-poly1305', this.key!, nonce, {
      authTagLength: TAG,
    });
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
 * A Transform that decrypts age v1 with the identities (AGE-SECRET-KEY-1...). Errors are
 * AgeError with `failure` set; `name` (default "the file") is what messages call the input.
 */
export async function createDecryptStage(
  identities: string[],
  options: { name?: string } = {},
): Promise<Transform> {
  if (!identities.length) throw new Error('age: no identities to decrypt with');
  const decrypter = new Decrypter();
  identities.forEach((identity, i) => {
    try {
      decrypter.addIdentity(identity.trim());
    } catch {
      throw new Error(`age: identity ${i + 1} is not a valid AGE-SECRET-KEY-1... key`);
    }
  });
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
