/**
 * The layers of src/ (scripts/layers.mjs) hold, the check that enforces them fails when they do
 * not, and docs/architecture.md shows the folders there are.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function checkLayers(srcDir: string) {
  const r = spawnSync(process.execPath, ['scripts/check-layers.mjs', srcDir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  temps.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

it('src/ has no upward, sideways or cyclic folder import', () => {
  const r = checkLayers('src');
  expect(r.out).toContain('no upward, sideways or cyclic folder import');
  expect(r.code).toBe(0);
});

it('fails on an upward import and names the cycle it makes', () => {
  const r = checkLayers(
    tree({
      'config/a.ts': "import { b } from '../schedule/b.js';\nexport const a = b;\n",
      'schedule/b.ts': "import type { A } from '../config/a.js';\nexport const b = 1 as A;\n",
    }),
  );
  expect(r.code).toBe(1);
  expect(r.out).toContain('upward import: src/config/a.ts -> src/schedule/b.js');
  expect(r.out).toMatch(
    /folder cycle: (config -> schedule -> config|schedule -> config -> schedule)/,
  );
});

it('fails on a sideways import, a dynamic one included, and on a folder without a layer', () => {
  const r = checkLayers(
    tree({
      'storage/a.ts': "export const a = await import('../dump/b.js');\n",
      'dump/b.ts': 'export const b = 1;\n',
      'misc/c.ts': 'export const c = 1;\n',
    }),
  );
  expect(r.code).toBe(1);
  expect(r.out).toContain('sideways import: src/storage/a.ts -> src/dump/b.js');
  expect(r.out).toContain('src/misc has no layer: add it to scripts/layers.mjs');
});

it("docs/architecture.md's tree names every folder of src/", () => {
  const doc = readFileSync('docs/architecture.md', 'utf8');
  const block = /```\nsrc\/\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  const folders = readdirSync('src', { withFileTypes: true }).filter((e) => e.isDirectory());
  expect(folders.length).toBeGreaterThan(10);
  for (const f of folders) expect(block, f.name).toMatch(new RegExp(`(^|\\s)${f.name}/`));
});
