import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CopyRowCounter } from '../../src/pipeline/copy-rows.js';

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

async function count(chunks: Buffer[]) {
  const counter = new CopyRowCounter();
  await pipeline(Readable.from(chunks), counter, new Writable({ write: (_c, _e, cb) => cb() }));
  return counter.tables;
}

describe('CopyRowCounter', () => {
  const expected = [
    { schema: 'public', name: 'plain', rows: 2 },
    { schema: 'Mixed Case-Schema', name: 'Table With "Quotes" and Spaces', rows: 1 },
    { schema: 'app', name: 'empty', rows: 0 },
  ];

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
    expect(await count(chunks)).toEqual([{ schema: 'public', name: 'big', rows: 2 }]);
  });

  it('fails when the dump ends inside a COPY block', async () => {
    await expect(
      count([Buffer.from('COPY "public"."t" ("a") FROM stdin;\n1\n2\n')]),
    ).rejects.toThrow(/ended inside the data of public.t/);
  });
});
