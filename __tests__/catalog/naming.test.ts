import { describe, expect, it } from 'vitest';
import {
  isSetId,
  isStagingDirName,
  partFileName,
  setIdFor,
  setIdToDate,
  stagingDirName,
} from '../../src/catalog/naming.js';
import { formatSums, parseSums } from '../../src/pipeline/sha256sums.js';
import { TOOL_VERSION } from '../../src/version.js';
import { readFileSync } from 'node:fs';

describe('naming', () => {
  it('makes UTC set ids to the second and reads them back', () => {
    const d = new Date('2026-11-22T03:15:09.876Z');
    expect(setIdFor(d)).toBe('2026-11-22T031509Z');
    expect(isSetId('2026-11-22T031509Z')).toBe(true);
    expect(isSetId('2026-11-22T03:15:09Z')).toBe(false);
    expect(setIdToDate('2026-11-22T031509Z').toISOString()).toBe('2026-11-22T03:15:09.000Z');
  });

  it('names part files by compression', () => {
    expect(partFileName('roles', 'zstd')).toBe('roles.sql.zst');
    expect(partFileName('schema', 'gzip')).toBe('schema.sql.gz');
    expect(partFileName('data', 'none')).toBe('data.sql');
  });

  it('recognises its own staging directories only', () => {
    expect(isStagingDirName(stagingDirName('2026-11-22T031509Z'))).toBe(true);
    expect(isStagingDirName('.git')).toBe(false);
    expect(isStagingDirName('2026-11-22T031509Z')).toBe(false);
  });

  it('keeps TOOL_VERSION in step with package.json', () => {
    expect(TOOL_VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});

describe('SHA256SUMS', () => {
  it('round-trips and rejects malformed lines', () => {
    const lines = [{ sha256: 'a'.repeat(64), file: 'data.sql.zst' }];
    expect(formatSums(lines)).toBe(`${'a'.repeat(64)}  data.sql.zst\n`);
    expect(parseSums(formatSums(lines))).toEqual(lines);
    expect(() => parseSums('nothex  file\n')).toThrow(/line 1/);
  });
});
