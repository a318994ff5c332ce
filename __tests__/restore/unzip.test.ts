/**
 * Artifact zips, made with the real `zip` tool (stored as artifacts are, and deflated), extracted
 * by node alone and through `unzip`: byte-identical files; damaged and unsafe zips are refused,
 * and so are hostile ones (issue #13): links, forged end records, bombs.
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
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractZip, looksLikeZip } from '../../src/restore/unzip.js';
import { listZip } from '../../src/restore/zip-directory.js';
import {
  forgedEndRecordZip,
  storedEntry,
  symlinkEntry,
  writeZip,
  zeroBomb,
} from '../support/zip-builder.js';

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
      await extractZip(file, native, { useUnzip: false });
      expectSame(dir, native, names);
      const viaUnzip = temp('zip-cli-');
      await extractZip(file, viaUnzip, { useUnzip: true });
      expectSame(dir, viaUnzip, names);
      expect(statSync(join(native, 'backup.json')).mode & 0o077).toBe(0);
    });
  }

  it('a method node lacks (bzip2) is decoded by `unzip -p`, and refused without unzip', async () => {
    const dir = temp('zip-bz-');
    writeFileSync(join(dir, 'schema.sql'), 'create table t (id int);\n'.repeat(5000));
    const file = join(temp('zip-'), 'bzip2.zip');
    execFileSync('zip', ['-q', '-X', '-Z', 'bzip2', file, 'schema.sql'], { cwd: dir });
    expect((await listZip(file))[0]!.method).toBe(12);
    const out = temp('zip-bz-out-');
    await extractZip(file, out);
    expectSame(dir, out, ['schema.sql']);
    await expect(extractZip(file, temp('x-'), { useUnzip: false })).rejects.toThrow(
      /compression method 12 is unknown/,
    );
  });

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

/** Both decoders: `unzip -p` (for methods node lacks) and node (stored and deflated). */
const extractors = [
  ['unzip', { useUnzip: true }],
  ['node', { useUnzip: false }],
] as const;

describe('hostile zips are refused by both extractors, leaving nothing behind', () => {
  const hostile = temp('zip-hostile-');
  const at = (name: string) => join(hostile, name);

  it('a symbolic link entry (hand-made and `zip -y`)', async () => {
    const hand = writeZip(at('link.zip'), [
      symlinkEntry('backup.json', '/etc/passwd'),
      storedEntry('SHA256SUMS', ''),
    ]);
    const real = temp('zip-y-');
    symlinkSync('/etc/passwd', join(real, 'backup.json'));
    const viaZip = at('zip-y.zip');
    execFileSync('zip', ['-q', '-y', viaZip, 'backup.json'], { cwd: real });
    for (const file of [hand, viaZip])
      for (const [, options] of extractors) {
        const out = temp('zip-out-');
        const err = await extractZip(file, out, options).catch((e: Error) => e);
        expect(String(err)).toMatch(/symbolic link, "backup\.json": a set holds only files/);
        expect(String(err)).not.toContain('root:');
        expect(readdirSync(out)).toEqual([]);
      }
  });

  it('a FIFO or device entry, and a name no set holds', async () => {
    const fifo = writeZip(at('fifo.zip'), [storedEntry('backup.json', '', 0o010644)]);
    const odd = writeZip(at('odd.zip'), [storedEntry('run.sh', 'echo hi')]);
    for (const [, options] of extractors) {
      await expect(extractZip(fifo, temp('zip-out-'), options)).rejects.toThrow(
        /"backup\.json", which is not a plain file/,
      );
      await expect(extractZip(odd, temp('zip-out-'), options)).rejects.toThrow(
        /"run\.sh", which is not a file of a backup set/,
      );
    }
  });

  it('a 52-byte zip whose end record claims a 4 GB central directory', async () => {
    const file = at('forged.zip');
    writeFileSync(file, forgedEndRecordZip());
    expect(statSync(file).size).toBe(52);
    for (const [, options] of extractors) {
      const out = temp('zip-out-');
      await expect(extractZip(file, out, options)).rejects.toThrow(
        /damaged or forged: its central directory \(4294967280 bytes at 0\) lies outside the file/,
      );
      expect(readdirSync(out)).toEqual([]);
    }
  });

  it('a 2 MB zip of 2 GiB of zeros that says so: refused before a byte is written', async () => {
    const file = writeZip(at('bomb.zip'), [zeroBomb('data.sql.zst', 2 ** 31)]);
    expect(statSync(file).size).toBeLessThan(3 * 1024 * 1024);
    for (const [, options] of extractors) {
      const out = temp('zip-out-');
      await expect(extractZip(file, out, options)).rejects.toThrow(
        /would expand \d+ bytes into 2147483648 \(more than 200:1\): refusing a zip bomb/,
      );
      expect(readdirSync(out)).toEqual([]);
    }
  });

  it('a zip of 256 MiB of zeros that claims 1000 bytes: stopped at byte 1001', async () => {
    const file = writeZip(at('liar.zip'), [
      storedEntry('backup.json', '{}'),
      zeroBomb('data.sql.zst', 256 * 1024 * 1024, 1000),
    ]);
    for (const [, options] of extractors) {
      const out = temp('zip-out-');
      const started = Date.now();
      await expect(extractZip(file, out, options)).rejects.toThrow(
        /data\.sql\.zst in the zip holds more than the 1000 bytes it declares: refusing a zip bomb/,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(readdirSync(out)).toEqual([]);
    }
  });

  it("lists a set's shapes and nothing else", async () => {
    const sha = 'ab' + 'c'.repeat(62);
    const ok = [
      'backup.json',
      'SHA256SUMS',
      'data.sql.zst.age.003',
      'storage.index.json.gz',
      'storage.objects',
      'prod/2026-11-22T031500Z/schema.sql',
      'objects/',
      'objects/ab/',
      `objects/ab/${sha}`,
      `objects/ab/${sha}.age.001`,
    ];
    const file = writeZip(
      at('shapes.zip'),
      ok.map((n) => storedEntry(n, '', n.endsWith('/') ? 0o040755 : 0o100644)),
    );
    expect((await listZip(file)).map((e) => e.name)).toEqual(ok);
    for (const name of [
      '.DS_Store',
      'notes.txt',
      'a/b/c/d/backup.json',
      `objects/ab/${sha}.txt`,
      'objects/xyz/file',
      '-d',
      'data.sql[1]',
    ])
      await expect(listZip(writeZip(at('bad.zip'), [storedEntry(name, '')]))).rejects.toThrow(
        /not a file of a backup set|unsafe file name/,
      );
  });
});
