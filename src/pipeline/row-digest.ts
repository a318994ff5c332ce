/**
 * A table's content digest that does not depend on row order: every row's COPY text line
 * (without its newline) is hashed with MurmurHash3 (x86, 32-bit) under four seeds, the four
 * words taken as one 128-bit number (seed 1's most significant), and the numbers of all rows
 * are summed modulo 2^128; 32 hex digits.
 *
 * Why: COPY output has no guaranteed row order, so the dump and a later COPY of the restored
 * table can only agree on the multiset of rows, which a sum of per-row hashes captures (unlike
 * XOR, it also counts duplicate rows). It checks that a restore reproduces the content, not
 * authenticity (the stored files have SHA-256 digests for that); one node:crypto SHA-256 call
 * per row costs several times the rest of the pipeline (docs/restore.md has the figures).
 */

const SEEDS = [1, 2, 3, 4] as const;
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

function mixK(k: number): number {
  return Math.imul(rotl(Math.imul(k, C1), 15), C2);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** MurmurHash3 x86_32 under the four seeds at once, fed in pieces; reused (reset()) per row. */
class RowHash {
  private h1: number = SEEDS[0];
  private h2: number = SEEDS[1];
  private h3: number = SEEDS[2];
  private h4: number = SEEDS[3];
  /** Up to three bytes not yet forming a 4-byte block. */
  private tail = 0;
  private tailLen = 0;
  private len = 0;
  /** The four 32-bit hashes after digest(), seed 1's first. */
  readonly out = new Uint32Array(4);

  reset(): this {
    [this.h1, this.h2, this.h3, this.h4] = SEEDS;
    this.tail = this.tailLen = this.len = 0;
    return this;
  }

  update(b: Buffer, start = 0, end = b.length): void {
    this.len += end - start;
    let i = start;
    while (this.tailLen > 0 && i < end) {
      this.tail |= b[i++]! << (8 * this.tailLen++);
      if (this.tailLen === 4) {
        this.block(this.tail);
        this.tail = this.tailLen = 0;
      }
    }
    const blocks = i + ((end - i) & ~3);
    for (; i < blocks; i += 4)
      this.block(b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    for (; i < end; i++) this.tail |= b[i]! << (8 * this.tailLen++);
  }

  digest(): Uint32Array {
    const k = this.tailLen > 0 ? mixK(this.tail) : 0;
    const o = this.out;
    o[0] = fmix(this.h1 ^ k ^ this.len);
    o[1] = fmix(this.h2 ^ k ^ this.len);
    o[2] = fmix(this.h3 ^ k ^ this.len);
    o[3] = fmix(this.h4 ^ k ^ this.len);
    return o;
  }

  private block(k: number): void {
    k = mixK(k);
    this.h1 = (Math.imul(rotl(this.h1 ^ k, 13), 5) + 0xe6546b64) | 0;
    this.h2 = (Math.imul(rotl(this.h2 ^ k, 13), 5) + 0xe6546b64) | 0;
    this.h3 = (Math.imul(rotl(this.h3 ^ k, 13), 5) + 0xe6546b64) | 0;
    this.h4 = (Math.imul(rotl(this.h4 ^ k, 13), 5) + 0xe6546b64) | 0;
  }
}

export class RowDigest {
  /** Four 32-bit words of the running sum, most significant first. */
  private readonly sum = new Uint32Array(4);
  private readonly row = new RowHash();
  /** A row is being fed piece by piece. */
  private partial = false;

  /** Adds the row b[start, end). */
  addRow(b: Buffer, start = 0, end = b.length): void {
    this.row.reset().update(b, start, end);
    this.add(this.row.digest());
  }

  /** Adds a piece of a row whose end is not known yet; finish it with endRow(). */
  addPiece(piece: Buffer): void {
    if (!this.partial) this.row.reset();
    this.partial = true;
    this.row.update(piece);
  }

  endRow(last: Buffer): void {
    if (!this.partial) this.row.reset();
    this.partial = false;
    this.row.update(last);
    this.add(this.row.digest());
  }

  /** Drops a row begun with addPiece() (it was the end-of-data marker after all). */
  dropRow(): void {
    this.partial = false;
  }

  hex(): string {
    return Array.from(this.sum, (w) => w.toString(16).padStart(8, '0')).join('');
  }

  private add(words: Uint32Array): void {
    let carry = 0;
    for (let i = 3; i >= 0; i--) {
      const s = this.sum[i]! + words[i]! + carry;
      this.sum[i] = s >>> 0;
      carry = s > 0xffffffff ? 1 : 0;
    }
  }
}
