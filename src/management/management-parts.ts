/**
 * The Management API parts of a set (functions, settings): read through the API, stored as one
 * JSON document each through the part pipeline (compressed, checksummed, optionally encrypted).
 */
import type { PartRecord } from '../catalog/backup-json.js';
import { jsonPartFileName } from '../catalog/naming.js';
import type { Part, ProjectConfig } from '../config/types.js';
import { formatBytes, formatDuration } from '../format.js';
import type { Logger } from '../log.js';
import { writeTextPart, type SetPartTarget } from '../set/text-part.js';
import { drillManagementParts } from './drill.js';
import { readFunctions } from './functions.js';
import { managementAccess } from './project.js';
import { readSettings } from './settings.js';

export interface ManagementPartsOptions extends SetPartTarget {
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Tests pass a fast clock for the rate-limit back-off. */
  sleep?: (ms: number) => Promise<void>;
  /** Read the parts back from the staged set before it is committed (drill.ts). */
  drill?: { identities: string[] };
}

export interface ManagementPartsResult {
  records: PartRecord[];
  warnings: string[];
}

/** Backs up the requested Management API parts (none: nothing), in the order functions, settings. */
export async function backupManagementParts(
  project: ProjectConfig,
  parts: Part[],
  setId: string,
  o: ManagementPartsOptions,
): Promise<ManagementPartsResult> {
  if (!parts.some((p) => p === 'functions' || p === 'settings'))
    return { records: [], warnings: [] };
  const access = managementAccess(project, o.env, o.logger, { signal: o.signal, sleep: o.sleep });
  o.logger.mask(access.token);
  const { client, ref } = access;
  const records: PartRecord[] = [];
  const warnings: string[] = [];
  if (parts.includes('functions')) {
    const t0 = Date.now();
    const doc = await readFunctions(client, ref, o.logger);
    const record = await writeJsonPart('functions', doc, o);
    const files = doc.functions.reduce(
      (n, f) => n + (f.source.form === 'files' ? f.source.files.length : 1),
      0,
    );
    o.logger.info(
      `functions: ${doc.functions.length} functions, ${files} source files -> ${record.file} ${formatBytes(record.bytes)} in ${formatDuration(Date.now() - t0)}`,
    );
    records.push({
      ...record,
      duration_ms: Date.now() - t0,
      functions: {
        ref,
        functions: doc.functions.map((f) => ({
          slug: f.metadata.slug,
          version: f.metadata.version,
          form: f.source.form,
          files: f.source.form === 'files' ? f.source.files.length : 1,
          bytes:
            f.source.form === 'files'
              ? f.source.files.reduce((n, x) => n + x.bytes, 0)
              : f.source.bytes,
          sha256: f.sha256,
        })),
      },
    });
  }
  if (parts.includes('settings')) {
    const t0 = Date.now();
    const read = await readSettings(client, ref, { encrypted: o.recipients !== null });
    const record = await writeJsonPart('settings', read.document, o);
    for (const w of read.warnings) warnings.push(w);
    o.logger.info(
      `settings: ${read.record.sections.length} sections, ${read.record.secrets} secret names -> ${record.file} in ${formatDuration(Date.now() - t0)}`,
    );
    records.push({ ...record, duration_ms: Date.now() - t0, settings: { ref, ...read.record } });
  }
  if (client.stats.throttled > 0)
    o.logger.notice(
      `${project.name}: the Management API rate limit was reached ${client.stats.throttled} times; waited ${formatDuration(client.stats.waitedMs)} in all`,
    );
  if (o.drill) {
    const staged = { project: project.name, set_id: setId, parts: records };
    await drillManagementParts(o.setDir, staged, o.drill.identities, o.logger, o.signal);
  }
  return { records, warnings };
}

function writeJsonPart(part: Part, doc: unknown, o: ManagementPartsOptions): Promise<PartRecord> {
  const file = jsonPartFileName(part, o.compression, o.recipients !== null);
  return writeTextPart(part, file, JSON.stringify(doc, null, 1) + '\n', o);
}
