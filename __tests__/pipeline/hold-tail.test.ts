import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HoldTail } from '../../src/pipeline/hold-tail.js';

/** What passes through, and what is held at the end, for `text` fed in the given pieces. */
async function split(pieces: Buffer[], limit?: number): Promise<[string, string]> {
  const out: Buffer[] = [];
  const hold = new HoldTail(limit);
  await pipeline(
    Readable.from(pieces),
    hold,
    new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }),
  );
  return [Buffer.concat(out).toString('utf8'), hold.heldTail().toString('utf8')];
}

/** The same split whole, cut in two at every byte, and one byte at a time. */
async function everyWay(text: string, limit?: number): Promise<[string, string]> {
  const bytes = Buffer.from(text, 'utf8');
  const whole = await split([bytes], limit);
  for (let k = 1; k < bytes.length; k++)
    expect(await split([bytes.subarray(0, k), bytes.subarray(k)], limit)).toEqual(whole);
  expect(
    await split(
      [...bytes].map((b) => Buffer.from([b])),
      limit,
    ),
  ).toEqual(whole);
  return whole;
}

const DUMP = [
  "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n",
  'COPY public.a (id, note) FROM stdin;\n1\tCOPY x FROM stdin;\n2\t\\\\.\n\\.\n',
  '\nSET x = 1;\n',
  'COPY public.b (id) FROM stdin;\n1\n\\.\n',
  "\n\nSELECT pg_catalog.setval('public.a_id_seq', 2, true);\n",
];

describe('HoldTail', () => {
  it("holds exactly the text after the last COPY block (pg_dump's setval calls)", async () => {
    const [passed, held] = await everyWay(DUMP.join(''));
    expect(held).toBe(DUMP[4]);
    expect(passed + held).toBe(DUMP.join(''));
  });

  it('holds nothing when the part ends with its last COPY block, or has none', async () => {
    expect(await everyWay(DUMP.slice(0, 4).join(''))).toEqual([DUMP.slice(0, 4).join(''), '']);
    expect(await everyWay(DUMP[0]!)).toEqual([DUMP[0], '']);
  });

  it('a COPY row that starts with "COPY " or holds an escaped \\. does not end its block', async () => {
    const text = 'COPY public.a (note) FROM stdin;\nCOPY y\n\\\\.\n\\.\nSELECT 1;\n';
    expect(await everyWay(text)).toEqual([text.slice(0, -'SELECT 1;\n'.length), 'SELECT 1;\n']);
  });

  it('releases held text over its limit (memory stays bounded)', async () => {
    const tail = `SELECT '${'x'.repeat(100)}';\n`;
    const text = `COPY public.a (id) FROM stdin;\n1\n\\.\n${tail}`;
    expect(await split([Buffer.from(text)], 50)).toEqual([text, '']);
  });
});
