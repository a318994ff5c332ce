#!/usr/bin/env node
/**
 * Fails (exit 1) when an import under src/ runs up or sideways between folders (see
 * scripts/layers.mjs), when the folder graph has a cycle, or when a folder has no layer yet.
 * eslint's import/no-cycle sees files; this sees folders, which is what the layers are about.
 * Usage: node scripts/check-layers.mjs [srcDir]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { LAYERS, RANK, unitOf } from './layers.mjs';

const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"](\.[^'"]+)['"]|\bimport\(\s*(?:\/\*[^*]*\*\/\s*)?['"](\.[^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|mts)$/.test(e) && !e.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every folder-crossing import: { from, to, file, target }, units as in layers.mjs. */
export function folderImports(srcDir) {
  const root = resolve(srcDir);
  const edges = [];
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const target = resolve(dirname(file), m[1] ?? m[2]);
      const rel = relative(root, target);
      if (rel.startsWith('..')) continue; // outside src/ (e.g. package.json)
      const from = unitOf(relative(root, file));
      const to = unitOf(rel.replace(/\.js$/, '.ts'));
      if (from !== to) edges.push({ from, to, file: relative(root, file), target: rel });
    }
  }
  return edges;
}

/** A cycle of folders (first node repeated at the end), or null. */
export function findCycle(edges) {
  const next = new Map();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const state = new Map(); // 1 = on the path, 2 = done
  const path = [];
  const visit = (n) => {
    state.set(n, 1);
    path.push(n);
    for (const m of new Set(next.get(n) ?? [])) {
      if (state.get(m) === 1) return [...path.slice(path.indexOf(m)), m];
      if (!state.has(m)) {
        const found = visit(m);
        if (found) return found;
      }
    }
    path.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of next.keys()) {
    if (!state.has(n)) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return null;
}

export function checkLayers(srcDir) {
  const edges = folderImports(srcDir);
  const problems = [];
  const units = new Set(
    readdirSync(resolve(srcDir)).filter((e) => !e.endsWith('.d.ts') && /^[^.]+(\.ts)?$/.test(e)),
  );
  for (const u of units) {
    if (!RANK.has(u)) problems.push(`src/${u} has no layer: add it to scripts/layers.mjs`);
  }
  for (const e of edges) {
    const a = RANK.get(e.from);
    const b = RANK.get(e.to);
    if (a === undefined || b === undefined) continue; // reported above
    if (b < a)
      problems.push(
        `upward import: src/${e.file} -> src/${e.target} (${e.to} is in layer "${LAYERS[b].name}", above "${LAYERS[a].name}")`,
      );
    else if (b === a)
      problems.push(
        `sideways import: src/${e.file} -> src/${e.target} (${e.from} and ${e.to} share layer "${LAYERS[a].name}"; move what both need down a layer)`,
      );
  }
  const cycle = findCycle(edges);
  if (cycle) problems.push(`folder cycle: ${cycle.join(' -> ')}`);
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = checkLayers(process.argv[2] ?? 'src');
  for (const p of problems) process.stderr.write(`check-layers: ${p}\n`);
  if (problems.length) {
    process.stderr.write(`check-layers: ${problems.length} problem(s); see docs/architecture.md\n`);
    process.exit(1);
  }
  process.stdout.write('check-layers: no upward, sideways or cyclic folder import under src/\n');
}
