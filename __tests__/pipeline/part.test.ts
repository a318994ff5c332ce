import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Compression } from '../../src/config/types.js';
import { writePart } from '../../src/pipeline/part.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sql = Buffer.from(
  'COPY "public"."t" ("a") FROM stdin;\n' +
    Array.from({ length: 5000 }, (_, i) => `${i}\tünïcode ${i}`).join('\n') +
    '\n\\.\n',
);

describe('writePart', () => {
  const cases: [Compression, string[] | null][] = [
    ['gzip', ['gzip', '-dc']],
    ['none', null],
    ['zstd', ['zstd', '-dc']],
  ];
  for (const [compression, tool] of cases) {
    it(`writes ${compression} that the standard tool reads back`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'part-'));
      const result = await writePart(Readable.from([sql]), {
        dir,
        file: 'data.sql.x',
        compression,
        countRows: true,
        digestRows: true,
      });
      const stored = readFileSync(join(dir, 'data.sql.x'));
      expect(result.bytes).toBe(stored.length);
      expect(result.sha256).toBe(sha(stored));
      expect(result.raw_bytes).toBe(sql.length);
      expect(result.raw_sha256).toBe(sha(sql));
      expect(result.tables).toMatchObject([{ schema: 'public', name: 't', rows: 5000 }]);
      expect(result.tables[0]!.digest).toMatch(/^[0-9a-f]{32}$/);
      const back = tool
        ? execFileSync(tool[0]!, [...tool.slice(1), join(dir, 'data.sql.x')])
        : stored;
      expect(back.equals(sql)).toBe(true);
      if (compression !== 'none') expect(stored.length).toBeLessThan(sql.length / 3);
      expect(readdirSync(dir)).toEqual(['data.sql.x']);
    });
  }

  it('leaves no file, final or temporary, when the source fails midway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'part-'));
    async function* failing() {
      yield Buffer.from('COPY "public"."t" ("a") FROM stdin;\n1\n');
      throw new Error('pg_dump exited with code 1');
    }
    await expect(
      writePart(Readable.from(failing()), {
        dir,
        file: 'data.sql.gz',
        compression: 'gzip',
        countRows: true,
      }),
    ).rejects.toThrow(/pg_dump exited/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writePart with a size limit', () => {
  it('splits the stored file into numbered chunks that join back to the whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'part-'));
    const result = await writePart(Readable.from([sql]), {
      dir,
      file: 'data.sql.gz',
      compression: 'gzip',
      countRows: true,
      maxFileBytes: 1000,
    });
    const names = readdirSync(dir).sort();
    expect(names.length).toBeGreaterThan(2);
    expect(names[0]).toBe('data.sql.gz.000');
    expect(result.files.map((f) => f.file)).toEqual(names);
    for (const f of result.files) {
      const bytes = readFileSync(join(dir, f.file));
      expect(bytes.length).toBeLessThanOrEqual(1000);
      expect(f.sha256).toBe(sha(bytes));
    }
    const joined = Buffer.concat(names.map((n) => readFileSync(join(dir, n))));
    expect(sha(joined)).toBe(result.sha256);
    // Rows counted, content not digested: nobody asked (digestRows).
    expect(result.tables).toEqual([{ schema: 'public', name: 't', rows: 5000, columns: ['a'] }]);
    expect(execFileSync('gzip', ['-dc'], { input: joined }).equals(sql)).toBe(true);
  });

  it('keeps one plain file when the part fits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'part-'));
    const result = await writePart(Readable.from([sql]), {
      dir,
      file: 'data.sql',
      compression: 'none',
      countRows: false,
      maxFileBytes: sql.length,
    });
    expect(readdirSync(dir)).toEqual(['data.sql']);
    expect(result.files).toEqual([{ file: 'data.sql', bytes: sql.length, sha256: sha(sql) }]);
  });
});
