/** A config and environment for backups and restores against the emulated Management API. */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBackupJson, type BackupManifest } from '../../src/catalog/backup-json.js';
import { decompressPart } from '../../src/set/read-part.js';

export const SOURCE_REF = 'sourceprojectrefaaaa';
export const TARGET_REF = 'targetprojectrefbbbb';
export const TOKEN = 'sbp_0123456789abcdef0123456789abcdef01234567';
export const OTHER_TOKEN = 'sbp_fedcba9876543210fedcba9876543210fedcba98';

export async function managementConfig(
  apiUrl: string,
  options: { parts?: string; ref?: string | null; encryption?: string; name?: string } = {},
): Promise<{ dir: string; config: string; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mgmt-test-'));
  const ref = options.ref === undefined ? SOURCE_REF : options.ref;
  const lines = [
    'version: 1',
    'projects:',
    `  - name: ${options.name ?? 'app'}`,
    ...(ref ? [`    ref: ${ref}`] : []),
    '    db_url_secret: APP_DB_URL',
    `    parts: [${options.parts ?? 'functions, settings'}]`,
    '    access_token_secret: SUPABASE_ACCESS_TOKEN',
    `    api_url: ${apiUrl}`,
    '    destinations: [local]',
    ...(options.encryption ? [`    encryption: {recipients: [${options.encryption}]}`] : []),
  ];
  const config = join(dir, 'backups.config.yaml');
  await writeFile(config, lines.join('\n') + '\n');
  return { dir, config, out: join(dir, 'out') };
}

export async function manifestOf(setDir: string): Promise<BackupManifest> {
  return parseBackupJson(await readFile(join(setDir, 'backup.json'), 'utf8'));
}

/** A JSON part of a set, decompressed (and decrypted) and checked against backup.json. */
export async function readJsonPart<T>(
  setDir: string,
  part: string,
  identities: string[] = [],
): Promise<T> {
  const m = await manifestOf(setDir);
  const record = m.parts.find((p) => p.part === part)!;
  const work = await mkdtemp(join(tmpdir(), 'mgmt-part-'));
  const path = await decompressPart(setDir, record, work, identities);
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** Every file of a directory tree, as bytes (to look for secrets). */
export async function allBytes(dir: string): Promise<Buffer> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
}
