/**
 * Artifact zips, made with the real `zip` tool (stored as artifacts are, and deflated), extracted
 * by node alone and through `unzip`: byte-identical files; damaged and unsafe zips are refused.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractZip, extractZipNative, listZip, looksLikeZip } from '../../src/restore/unzip.js';

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** A set-like folder: a large incompressible file, a compressible one, an empty one. */
function files(): { dir: string; names: string[] } {
  const dir = temp('zip-src-');
  writeFileSync(join(dir, 'data.sql.zst'), randomBytes(3 * 1024 * 1024 + 17));
  writeFileSync(join(dir, 'backup.json'), JSON.stringify({ a: 'x'.repeat(50_000) }));
  writeFileSync(join(dir, 'SHA256SUMS'), '');
  return { dir, names: ['SHA256SUMS', 'backup.json', 'data.sql.zst'] };
}

function zip(dir: string, names: string[], level: '-0' | '-6'): string {
  const file = join(temp('zip-'), 'artifact.zip');
  execFileSync('zip', ['-q', '-X', level, file, ...names], { cwd: dir });
  return file;
}

function expectSame(a: string, b: string, names: string[]): void {
  expect(readdirSync(b).sort()).toEqual(names);
  for (const n of names)
    expect(readFileSync(join(b, n)).equals(readFileSync(join(a, n)))).toBe(true);
}

describe('artifact zip extraction', () => {
  for (const level of ['-0', '-6'] as const) {
    it(`zip ${level}: node and unzip extract identical files`, async () => {
      const { dir, names } = files();
      const file = zip(dir, names, level);
      expect(await looksLikeZip(file)).toBe(true);
      const entries = await listZip(file);
      const method = (name: string) => entries.find((e) => e.name === name)?.method;
      // STORED as artifacts are; -6 deflates at least the compressible backup.json.
      if (level === '-0') expect(entries.map((e) => e.method)).toEqual([0, 0, 0]);
      else expect(method('backup.json')).toBe(8);
      const native = temp('zip-native-');
      await extractZipNative(file, native);
      expectSame(dir, native, names);
      const viaUnzip = temp('zip-cli-');
      await extractZip(file, viaUnzip);
      expectSame(dir, viaUnzip, names);
      expect(statSync(join(native, 'backup.json')).mode & 0o077).toBe(0);
    });
  }

  it('refuses a truncated zip and a zip whose content was altered', async () => {
    const { dir, names } = files();
    const file = zip(dir, names, '-0');
    const size = statSync(file).size;
    const copy = join(temp('zip-bad-'), 'a.zip');
    writeFileSync(copy, readFileSync(file).subarray(0, size - 200));
    await expect(extractZip(copy, temp('x-'), { useUnzip: false })).rejects.toThrow(
      /cannot extract/,
    );
    await expect(extractZip(copy, temp('x-'))).rejects.toThrow(/cannot extract/);
    // One byte of the stored data flipped: the CRC-32 check catches it.
    const flipped = readFileSync(file);
    const at = flipped.indexOf(readFileSync(join(dir, 'data.sql.zst')).subarray(0, 64)) + 1000;
    flipped[at] = flipped[at]! ^ 0xff;
    writeFileSync(copy, flipped);
    await expect(extractZip(copy, temp('x-'), { useUnzip: false })).rejects.toThrow(/damaged/);
    truncateSync(copy, 10);
    expect(await looksLikeZip(copy)).toBe(true);
    await expect(listZip(copy)).rejects.toThrow(/not a zip file, or a truncated one/);
  });

  it('refuses entries that would escape the directory', async () => {
    const work = temp('zip-slip-');
    mkdirSync(join(work, 'a'));
    writeFileSync(join(work, 'evil'), 'x');
    const file = join(work, 'evil.zip');
    execFileSync('zip', ['-q', file, '../evil'], { cwd: join(work, 'a') });
    const out = temp('zip-out-');
    await expect(extractZip(file, out)).rejects.toThrow(/unsafe file name: "\.\.\/evil"/);
    await expect(extractZip(file, out, { useUnzip: false })).rejects.toThrow(/unsafe/);
    expect(readdirSync(out)).toEqual([]);
  });
});
