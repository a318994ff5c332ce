/**
 * The layers of src/, top to bottom (docs/architecture.md). A module may import from its own
 * folder and from folders in LOWER layers only: never upwards, never sideways into another
 * folder of its own layer. So no two folders import each other, and the folder graph has no
 * cycle. scripts/check-layers.mjs enforces it over every import (npm run lint), and
 * eslint.config.js turns the same table into no-restricted-imports patterns for the editor.
 * A new folder must be given a layer here first (the check fails on a folder it does not know).
 */
export const LAYERS = [
  { name: 'action entry', units: ['index.ts'] },
  { name: 'entries', units: ['main.ts', 'cli.ts'] },
  { name: 'entry adapters (inputs/argv -> options, results -> outputs)', units: ['action', 'cli'] },
  { name: 'command handlers', units: ['commands'] },
  { name: 'use cases', units: ['backup', 'review', 'monitor'] },
  { name: 'alerts and heartbeats', units: ['alerts'] },
  { name: 'restore machinery', units: ['restore'] },
  { name: 'destinations and the job summary', units: ['destinations', 'report'] },
  {
    name: 'parts, schedules and remotes',
    units: ['storage', 'management', 'dump', 'schedule', 'git', 'github'],
  },
  { name: 'the set on disk', units: ['set'] },
  { name: 'catalog and stream stages', units: ['catalog', 'pipeline'] },
  { name: 'config (pure)', units: ['config'] },
  { name: 'processes', units: ['proc'] },
  {
    name: 'base',
    units: [
      'errors.ts',
      'log.ts',
      'format.ts',
      'retry.ts',
      'concurrency.ts',
      'version.ts',
      'node-version.ts',
    ],
  },
];

/** unit name -> layer index (0 = top). */
export const RANK = new Map(LAYERS.flatMap((layer, i) => layer.units.map((u) => [u, i])));

/** The unit a src-relative path belongs to: its top folder, or the file itself at the root. */
export function unitOf(srcRelative) {
  return srcRelative.split('/')[0];
}
