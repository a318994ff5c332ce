import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CopyRowCounter } from '../../src/pipeline/copy-rows.js';
import { RowDigest } from '../../src/pipeline/row-digest.js';

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

async function count(chunks: Buffer[], bare = false, digests = true) {
  const counter = new CopyRowCounter({ bare, digests });
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

  it('only counts, without digests, when digests are off (a backup that is not drilled)', async () => {
    const buf = Buffer.from(dump);
    const bare = expected.map(({ digest: _, ...t }) => t);
    for (const size of [1, 2, 3, 5, 7, 64, buf.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
      expect(await count(chunks, false, false)).toEqual(bare);
    }
  });

  it('without digests, tells the end line from rows that start like it, at every split point', async () => {
    // Rows "\.x", "\\." and "." look like the end line "\." in part only.
    const rows = ['\\.x', '\\\\.', '.', '\\', ''];
    const text = `COPY "public"."t" ("a") FROM stdin;\n${rows.join('\n')}\n\\.\nSELECT 1;\n`;
    const buf = Buffer.from(text);
    const want = [{ schema: 'public', name: 't', rows: rows.length, columns: ['a'] }];
    for (let cut = 0; cut <= buf.length; cut++)
      expect(await count([buf.subarray(0, cut), buf.subarray(cut)], false, false)).toEqual(want);
    const bareText = Buffer.from(`${rows.join('\n')}\n\\.\n1\n\\.\n`);
    for (let cut = 0; cut <= bareText.length; cut++) {
      const tables = await count([bareText.subarray(0, cut), bareText.subarray(cut)], true, false);
      expect(tables.map((t) => t.rows)).toEqual([rows.length, 1]);
    }
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

/** One row's digest: its four MurmurHash3 words, seed 1's first, as 32 hex digits. */
function rowWords(row: string): bigint {
  const d = new RowDigest();
  d.addRow(Buffer.from(row));
  return BigInt(`0x${d.hex()}`);
}

/** The documented definition: the sum mod 2^128 of the rows' 128-bit numbers, in hex. */
function digestOf(rows: string[]): string {
  const sum = rows.reduce((n, r) => n + rowWords(r), 0n);
  return (sum % 2n ** 128n).toString(16).padStart(32, '0');
}

describe('RowDigest', () => {
  it('hashes a row with MurmurHash3 x86_32 under seeds 1-4 (values of the imurmurhash reference)', () => {
    const hex = (row: string) => rowWords(row).toString(16).padStart(32, '0');
    // Seed 1 of "" is the published test vector 0x514E28B7.
    expect(hex('')).toBe('514e28b7' + '30f4c306' + '85f0b427' + '249cb285');
    expect(hex('a')).toBe('588adce8' + 'cfb8023e' + '6f49d11a' + '8e124c7e');
    expect(hex('abcd')).toBe('9bf54592' + '400683d0' + '1411db9c' + 'ab4a578e');
    expect(hex('Hello, world!')).toBe('aa5dc85b' + '42b6f3ee' + 'd85b88db' + '6c4cbd69');
    expect(hex('12345\tsome text')).toBe('9aa0543a' + 'a031383b' + 'c2108d85' + '1bbed8a4');
  });

  it('gives a row fed in pieces the digest of the whole row', () => {
    const d = new RowDigest();
    for (const piece of ['Hel', 'l', 'o, wo']) d.addPiece(Buffer.from(piece));
    d.endRow(Buffer.from('rld!'));
    expect(d.hex()).toBe(digestOf(['Hello, world!']));
  });
});
