/** What a backup run reports: the `sets` and `manifest-entry` outputs and the job summary rows (pure). */
import { entryFor, setPath, type ManifestEntry } from '../catalog/manifest.js';
import type { RunResult } from '../backup/run.js';
import type { SummarySet } from '../report/summary.js';

export function setsOutput(results: RunResult[]): object[] {
  return results.map((r) => ({
    project: r.project,
    set_id: r.set_id,
    dir: r.dir,
    files: r.manifest.parts.map((p) => ({
      part: p.part,
      file: p.file,
      bytes: p.bytes,
      sha256: p.sha256,
    })),
    bytes: r.manifest.parts.reduce((n, p) => n + p.bytes, 0),
    raw_bytes: r.manifest.parts.reduce((n, p) => n + p.raw_bytes, 0),
    artifact: r.stored.artifact,
    branch: r.stored.branch,
    s3: r.stored.s3,
  }));
}

export function manifestEntries(results: RunResult[], reason: string | null): ManifestEntry[] {
  return results.map((r) =>
    entryFor(setPath(r.project, r.set_id), r.manifest, {
      commit: r.stored.branch?.commit ?? null,
      reason,
    }),
  );
}

export function summarySets(results: RunResult[]): SummarySet[] {
  return results.map((r) => {
    const stored: string[] = [];
    const a = r.stored.artifact;
    if (a) stored.push(a.url ? `[artifact ${a.name}](${a.url})` : `artifact ${a.name}`);
    const b = r.stored.branch;
    if (b) stored.push(`[${b.branch}/${b.path}](${b.url}) \`${b.commit.slice(0, 7)}\``);
    if (r.stored.s3) stored.push(`\`${r.stored.s3.url}\``);
    return { manifest: r.manifest, stored };
  });
}
