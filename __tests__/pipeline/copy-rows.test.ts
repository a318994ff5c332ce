import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CopyRowCounter } from '../../src/pipeline/copy-rows.js';
import { murmur3 } from '../../src/pipeline/row-digest.js';

const dump = [
  'SET session_replication_role = replica;',
  '',
  'COPY "public"."plain" ("id", "note") FROM stdin;',
  '1\ta\\nb',
  '2\t\\N',
  '\\.',
  '',
  'COPY "Mixed Case-Schema"."Table With ""Quotes"" and Spaces" ("select") FROM stdin;',
  'x',
  '\\.',
  'COPY "app"."empty" ("id") FROM stdin;',
  '\\.',
  'SELECT pg_catalog.setval(\'"public"."plain_id_seq"\', 42, true);',
  '',
].join('\n');

async function count(chunks: Buffer[], bare = false) {
  const counter = new CopyRowCounter(bare);
  await pipeline(Readable.from(chunks), counter, new Writable({ write: (_c, _e, cb) => cb() }));
  return counter.tables;
}

describe('CopyRowCounter', () => {
  const expected = [
    { schema: 'public', name: 'plain', rows: 2, columns: ['id', 'note'] },
    {
      schema: 'Mixed Case-Schema',
      name: 'Table With "Quotes" and Spaces',
      rows: 1,
      columns: ['select'],
    },
    { schema: 'app', name: 'empty', rows: 0, columns: ['id'] },
  ].map((t, i) => ({ ...t, digest: digestOf([['1\ta\\nb', '2\t\\N'], ['x'], []][i]!) }));

  it('counts rows per table from COPY blocks', async () => {
    expect(await count([Buffer.from(dump)])).toEqual(expected);
  });

  it('gives the same counts whatever the chunk boundaries', async () => {
    const buf = Buffer.from(dump);
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
      expect(await count(chunks)).toEqual(expected);
    }
  });

  it('counts rows longer than its look-ahead window', async () => {
    const long = 'y'.repeat(100_000);
    const text = `COPY "public"."big" ("v") FROM stdin;\n${long}\n${long}\n\\.\n`;
    const buf = Buffer.from(text);
    const chunks = [buf.subarray(0, 50_000), buf.subarray(50_000, 150_001), buf.subarray(150_001)];
    expect(await count(chunks)).toEqual([
      { schema: 'public', name: 'big', rows: 2, columns: ['v'], digest: digestOf([long, long]) },
    ]);
  });

  it('fails when the dump ends inside a COPY block', async () => {
    await expect(
      count([Buffer.from('COPY "public"."t" ("a") FROM stdin;\n1\n2\n')]),
    ).rejects.toThrow(/ended inside the data of public.t/);
  });

  it('digests content independently of row order, and tells duplicates apart', async () => {
    const block = (rows: string[]) => `COPY a.t (x) FROM stdin;\n${rows.join('\n')}\n\\.\n`;
    const [one] = await count([Buffer.from(block(['1', '2', '3']))]);
    const [two] = await count([Buffer.from(block(['3', '1', '2']))]);
    const [dup] = await count([Buffer.from(block(['1', '1', '2', '2']))]);
    const [other] = await count([Buffer.from(block(['1', '2', '4']))]);
    expect(two!.digest).toBe(one!.digest);
    expect(dup!.digest).not.toBe(digestOf([]));
    expect(other!.digest).not.toBe(one!.digest);
    expect(one!.digest).toBe(digestOf(['1', '2', '3']));
  });

  it('reads bare COPY TO STDOUT output (blocks ended by \\.) the same way', async () => {
    const bare = '1\ta\\nb\n2\t\\N\n\\.\nx\n\\.\n\\.\n';
    const buf = Buffer.from(bare);
    for (const size of [1, 3, buf.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
      const tables = await count(chunks, true);
      expect(tables.map((t) => [t.rows, t.digest])).toEqual(
        expected.map((t) => [t.rows, t.digest]),
      );
    }
  });

  it('parses quoted column lists and headers without one', async () => {
    const text =
      'COPY "s"."t" ("a, b", "c""d", e) FROM stdin;\n\\.\nCOPY "s"."none" FROM stdin;\n\\.\n';
    const tables = await count([Buffer.from(text)]);
    expect(tables.map((t) => t.columns)).toEqual([['a, b', 'c"d', 'e'], []]);
  });
});

/** The documented definition: sum mod 2^128 of each row's four MurmurHash3 words, in hex. */
function digestOf(rows: string[]): string {
  let sum = 0n;
  for (const r of rows) {
    const words = ([1, 2, 3, 4] as const).map((seed) => murmur3(Buffer.from(r), seed));
    sum += words.reduce((n, w) => (n << 32n) + BigInt(w), 0n);
  }
  return (sum % 2n ** 128n).toString(16).padStart(32, '0');
}

describe('murmur3', () => {
  it('is MurmurHash3 x86_32 (published test vectors, and values of the imurmurhash reference)', () => {
    expect(murmur3(Buffer.from(''), 1)).toBe(0x514e28b7);
    expect(murmur3(Buffer.from('a'), 2)).toBe(0xcfb8023e);
    expect(murmur3(Buffer.from('abcd'), 3)).toBe(0x1411db9c);
    expect(murmur3(Buffer.from('Hello, world!'), 4)).toBe(0x6c4cbd69);
    expect(murmur3(Buffer.from('12345\tsome text'), 1)).toBe(0x9aa0543a);
  });
});
