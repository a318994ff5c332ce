import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HeaderRewriter, dataHeaderRewrite } from '../../src/pipeline/line-rewrite.js';

/** Feeds `text` in chunks of `size` bytes through a HeaderRewriter; gives what comes out. */
async function through(text: string, size: number): Promise<string> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(new HeaderRewriter(dataHeaderRewrite)))
    out.push(c as Buffer);
  return Buffer.concat(out).toString('utf8');
}

const header = [
  'SET statement_timeout = 0;',
  'SET transaction_timeout = 0;',
  '\\restrict abc',
  "SELECT pg_catalog.set_config('search_path', '', false);",
].join('\n');
// A row that reads like the header line, and one with multi-byte characters.
const rows = 'COPY "public"."t" ("a") FROM stdin;\nSET transaction_timeout = 0;\nété\n\\.\n';

describe('HeaderRewriter with dataHeaderRewrite', () => {
  it.each([1, 3, 7, 4096])(
    'comments out transaction_timeout in the header only (chunks of %i)',
    async (size) => {
      const out = await through(`${header}\n${rows}`, size);
      expect(out).toBe(`${header.replace('SET transaction', '-- SET transaction')}\n${rows}`);
    },
  );
  it('passes a dump without COPY through, rewritten, with its last line unterminated', async () => {
    expect(await through('SET transaction_timeout = 0;\nRESET ALL;', 5)).toBe(
      '-- SET transaction_timeout = 0;\nRESET ALL;',
    );
  });
});
