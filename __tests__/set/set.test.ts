import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PartRecord } from '../../src/catalog/backup-json.js';
import { writePart } from '../../src/pipeline/part.js';
import { verifySet, findSetDirs } from '../../src/set/verify-set.js';
import { removeDebris, SetWriter } from '../../src/set/writer.js';
import { testManifest } from '../support/test-set.js';

async function makeSet(
  root: string,
  at = new Date('2026-11-22T03:15:00Z'),
  maxFileBytes?: number,
): Promise<string> {
  const writer = await SetWriter.begin(root, 'prod', at);
  const parts: PartRecord[] = [];
  for (const part of ['roles', 'schema'] as const) {
    const file = `${part}.sql`;
    const sql = Buffer.from(`-- ${part}\n${'SELECT 1;\n'.repeat(2000)}`);
    const r = await writePart(Readable.from([sql]), {
      dir: writer.dir,
      file,
      compression: 'none',
      countRows: false,
      maxFileBytes,
    });
    parts.push({
      part,
      file,
      bytes: r.bytes,
      sha256: r.sha256,
      raw_bytes: r.raw_bytes,
      raw_sha256: r.raw_sha256,
      compression: 'none',
      encryption: null,
      duration_ms: 1,
      ...(r.files.length > 1 ? { chunks: r.files } : {}),
    });
  }
  const manifest = testManifest(writer, 'prod', at.toISOString(), parts);
  return writer.commit(manifest);
}

describe('backup set on disk', () => {
  it('appears under its final name only when complete, and sha256sum -c accepts it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sets-'));
    const dir = await makeSet(root);
    expect(readdirSync(join(root, 'prod'))).toEqual(['2026-11-22T031500Z']);
    expect(readdirSync(dir).sort()).toEqual([
      'SHA256SUMS',
      'backup.json',
      'roles.sql',
      'schema.sql',
    ]);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })).toMatch(
      /roles.sql: OK/,
    );
    expect((await verifySet(dir)).problems).toEqual([]);
  });

  it('takes the next free second when a set of the same second exists', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sets-'));
    await makeSet(root);
    const second = await makeSet(root);
    expect(second.endsWith('2026-11-22T031501Z')).toBe(true);
  });

  it('reports a flipped byte, a truncated file, a missing file and an extra file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sets-'));
    const dir = await makeSet(root);
    const roles = join(dir, 'roles.sql');
    const bytes = readFileSync(roles);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(roles, bytes);
    let problems = (await verifySet(dir)).problems.map(
      (p) => `${p.path.slice(dir.length + 1)}: ${p.message}`,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^roles.sql: sha256 mismatch: expected [0-9a-f]{64}, actual [0-9a-f]{64}$/,
    );

    truncateSync(join(dir, 'schema.sql'), 5);
    appendFileSync(join(dir, 'notes.txt'), 'x');
    problems = (await verifySet(dir)).problems.map((p) => p.message);
    expect(problems.some((m) => /^truncated: 5 bytes/.test(m))).toBe(true);
    expect(problems).toContain('unexpected file in the set');
  });

  it('calls a set-named directory without backup.json incomplete, and the next run removes it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sets-'));
    await makeSet(root);
    mkdirSync(join(root, 'prod', '2026-11-23T000000Z'));
    mkdirSync(join(root, 'prod', '.2026-11-23T010000Z.partial'));
    const dirs = await findSetDirs(root);
    expect(dirs).toHaveLength(2);
    const incomplete = await verifySet(join(root, 'prod', '2026-11-23T000000Z'));
    expect(incomplete.problems[0]?.message).toMatch(/incomplete set: no backup.json/);
    expect((await removeDebris(root, 'prod')).sort()).toEqual([
      '.2026-11-23T010000Z.partial',
      '2026-11-23T000000Z',
    ]);
    expect(readdirSync(join(root, 'prod'))).toEqual(['2026-11-22T031500Z']);
  });
});

describe('a set whose parts were split', () => {
  it('lists every chunk in SHA256SUMS, verifies, and reports a missing chunk', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sets-'));
    const dir = await makeSet(root, undefined, 5000);
    const files = readdirSync(dir).sort();
    expect(files).toContain('schema.sql.000');
    expect(files).toContain('schema.sql.004');
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })).toMatch(
      /schema.sql.003: OK/,
    );
    expect((await verifySet(dir)).problems).toEqual([]);
    execFileSync('rm', [join(dir, 'schema.sql.002')]);
    const problems = (await verifySet(dir)).problems.map(
      (p) => `${p.path.slice(dir.length + 1)}: ${p.message}`,
    );
    expect(problems).toEqual(['schema.sql.002: missing']);
  });
});
