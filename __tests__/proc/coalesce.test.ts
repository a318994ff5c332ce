import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { COALESCE_BYTES, Coalescer } from '../../src/proc/coalesce.js';

async function through(chunks: Buffer[]): Promise<Buffer[]> {
  // Collected as written (an async iterator would join whatever is buffered).
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      out.push(chunk);
      done();
    },
  });
  await pipeline(Readable.from(chunks), new Coalescer(), sink);
  return out;
}

describe('Coalescer', () => {
  it('joins 4 KiB writes into 256 KiB chunks, byte for byte', async () => {
    const input = Array.from({ length: 200 }, () => randomBytes(4096));
    const out = await through(input);
    expect(Buffer.concat(out).equals(Buffer.concat(input))).toBe(true);
    expect(out.slice(0, -1).every((c) => c.length >= COALESCE_BYTES)).toBe(true);
    expect(out.length).toBe(Math.ceil((200 * 4096) / COALESCE_BYTES));
  });

  it('passes big chunks through and keeps a short tail', async () => {
    const big = randomBytes(COALESCE_BYTES * 2);
    const out = await through([big, Buffer.from('tail')]);
    expect(out.map((c) => c.length)).toEqual([big.length, 4]);
    expect(await through([])).toEqual([]);
  });
});
