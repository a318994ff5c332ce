import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createCompressor, createDecompressor, findZstd } from '../../src/pipeline/compress.js';

async function compress(input: Buffer, binary: string | null): Promise<Buffer> {
  return through(input, (await createCompressor('zstd', binary))!);
}

async function through(input: Buffer, stage: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, done) {
      out.push(c);
      done();
    },
  });
  // Many small writes, as a dump makes them; backpressure through the child's pipes.
  const chunks = Array.from({ length: Math.ceil(input.length / 4096) }, (_, i) =>
    input.subarray(i * 4096, (i + 1) * 4096),
  );
  await pipeline(Readable.from(chunks), stage, sink);
  return Buffer.concat(out);
}

const text = Buffer.from(
  Array.from(
    { length: 200_000 },
    (_, i) => `${i}\trow ${i % 977} ${randomBytes(4).toString('hex')}`,
  ).join('\n'),
);

describe('zstd compression', () => {
  it('finds the zstd binary on PATH, and can be told not to', async () => {
    const found = await findZstd({ PATH: process.env.PATH });
    expect(found).toMatch(/\/zstd$/);
    expect(await findZstd({ PATH: process.env.PATH, SUPABASE_BACKUP_NO_ZSTD_CLI: '1' })).toBe(null);
    expect(await findZstd({ PATH: mkdtempSync(join(tmpdir(), 'empty-path-')) })).toBe(null);
  });

  async function roundTrip(binary: string | null) {
    const packed = await compress(text, binary);
    expect(packed.length).toBeLessThan(text.length / 2);
    expect(execFileSync('zstd', ['-dc'], { input: packed, maxBuffer: 64e6 }).equals(text)).toBe(
      true,
    );
  }

  it('the zstd binary writes frames that zstd -d reads back, byte for byte', async () => {
    const binary = await findZstd();
    expect(binary).not.toBe(null);
    await roundTrip(binary);
  });

  it('the zstd program and Node both read back what zstd wrote', async () => {
    const packed = execFileSync('zstd', ['-3', '-c'], { input: text, maxBuffer: 64e6 });
    for (const binary of [await findZstd(), null]) {
      const stage = (await createDecompressor('zstd', binary))!;
      expect((await through(packed, stage)).equals(text)).toBe(true);
    }
  });

  it("Node's zlib writes frames that zstd -d reads back, byte for byte", async () => {
    await roundTrip(null);
  });

  it('a zstd that fails after part of its output fails the stream, never ends it short', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-zstd-'));
    const fake = join(dir, 'zstd');
    writeFileSync(fake, '#!/bin/sh\nhead -c 1000\necho "zstd: injected failure" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    await expect(compress(text, fake)).rejects.toThrow(/exited with code 1.*injected failure/s);
  });
});
