import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PartRecord } from '../../src/catalog/backup-json.js';
import { decompressPart } from '../../src/set/read-part.js';

/** A set directory with one uncompressed part holding `sql`, as backup.json records it. */
function setWith(part: 'data' | 'schema', sql: string): { dir: string; record: PartRecord } {
  const dir = mkdtempSync(join(tmpdir(), 'set-'));
  writeFileSync(join(dir, `${part}.sql`), sql);
  const sha = createHash('sha256').update(sql).digest('hex');
  const bytes = Buffer.byteLength(sql);
  return {
    dir,
    record: {
      ...{ part, file: `${part}.sql`, bytes, sha256: sha, raw_bytes: bytes, raw_sha256: sha },
      ...{ compression: 'none', encryption: null, duration_ms: 1 },
    },
  };
}

// What pg_dump 17+ wrote into the data part of sets made before the line was disarmed.
const OLD_DATA =
  'SET statement_timeout = 0;\nSET transaction_timeout = 0;\n\\restrict k\n' +
  'COPY "public"."t" ("a") FROM stdin;\nSET transaction_timeout = 0;\n\\.\n';

describe('decompressPart', () => {
  it("disarms an older set's transaction_timeout in the data header, not in rows", async () => {
    const { dir, record } = setWith('data', OLD_DATA);
    const file = await decompressPart(dir, record, mkdtempSync(join(tmpdir(), 'out-')), []);
    expect(readFileSync(file, 'utf8')).toBe(
      OLD_DATA.replace('SET transaction_timeout', '-- SET transaction_timeout'),
    );
  });
  it('leaves other parts as they are', async () => {
    const sql =
      'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$\nSET transaction_timeout = 0;\n$$;\n';
    const { dir, record } = setWith('schema', sql);
    const file = await decompressPart(dir, record, mkdtempSync(join(tmpdir(), 'out-')), []);
    expect(readFileSync(file, 'utf8')).toBe(sql);
  });
});
