/**
 * The functions and settings documents of a set, read back (decrypted, decompressed, checked
 * against backup.json) and checked once more per function and per section: what a restore
 * applies and what a drill compares.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupManifest } from '../catalog/backup-json.js';

/** What of backup.json reading a part back needs (a staged set has no backup.json yet). */
export type StagedSet = Pick<BackupManifest, 'project' | 'set_id' | 'parts'>;
import { RestoreError } from '../errors.js';
import { decompressPart } from '../set/read-part.js';
import { FUNCTIONS_FORMAT, sourceDigest, type FunctionsDocument } from './functions.js';
import { SETTINGS_FORMAT, sectionDigest, type SettingsDocument } from './settings.js';

async function readPart(
  setDir: string,
  manifest: StagedSet,
  part: 'functions' | 'settings',
  identities: string[],
  signal?: AbortSignal,
): Promise<unknown> {
  const record = manifest.parts.find((p) => p.part === part);
  if (!record) throw new RestoreError(`${manifest.project}/${manifest.set_id} has no ${part} part`);
  const work = await mkdtemp(join(tmpdir(), 'supabase-restore-mgmt-'));
  try {
    const path = await decompressPart(setDir, record, work, identities, signal);
    try {
      return JSON.parse(await readFile(path, 'utf8')) as unknown;
    } catch {
      throw new RestoreError(`${record.file} does not hold JSON; the set is damaged`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The functions, each file's and each function's digest checked against the set. */
export async function readFunctionsPart(
  setDir: string,
  manifest: StagedSet,
  identities: string[],
  signal?: AbortSignal,
): Promise<FunctionsDocument> {
  const doc = (await readPart(
    setDir,
    manifest,
    'functions',
    identities,
    signal,
  )) as FunctionsDocument;
  if (doc?.format !== FUNCTIONS_FORMAT || !Array.isArray(doc.functions))
    throw new RestoreError('functions part: not a functions document this version reads');
  const listed = manifest.parts.find((p) => p.part === 'functions')!.functions?.functions ?? [];
  for (const f of doc.functions) {
    const slug = f.metadata.slug;
    if (f.source.form === 'files')
      for (const file of f.source.files) {
        const data = Buffer.from(file.content, 'base64');
        if (
          createHash('sha256').update(data).digest('hex') !== file.sha256 ||
          data.length !== file.bytes
        )
          throw new RestoreError(
            `functions part: ${slug}/${file.name} does not match its digest; the set is damaged`,
          );
      }
    const record = listed.find((x) => x.slug === slug);
    if (!record || sourceDigest(f.source) !== f.sha256 || record.sha256 !== f.sha256)
      throw new RestoreError(
        `functions part: ${slug} does not match backup.json; the set is damaged`,
      );
  }
  if (listed.length !== doc.functions.length)
    throw new RestoreError('functions part: backup.json lists other functions than the part holds');
  return doc;
}

/** The settings, each section's digest checked against backup.json. */
export async function readSettingsPart(
  setDir: string,
  manifest: StagedSet,
  identities: string[],
  signal?: AbortSignal,
): Promise<SettingsDocument> {
  const doc = (await readPart(
    setDir,
    manifest,
    'settings',
    identities,
    signal,
  )) as SettingsDocument;
  if (doc?.format !== SETTINGS_FORMAT || typeof doc.sections !== 'object')
    throw new RestoreError('settings part: not a settings document this version reads');
  const listed = manifest.parts.find((p) => p.part === 'settings')!.settings?.sections ?? [];
  for (const s of listed)
    if (!(s.section in doc.sections) || sectionDigest(doc.sections[s.section]) !== s.sha256)
      throw new RestoreError(
        `settings part: section ${s.section} does not match backup.json; the set is damaged`,
      );
  return doc;
}
