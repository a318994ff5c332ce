/**
 * Putting functions and settings back into a project through the Management API: each
 * function redeployed from its stored files (then read back and compared byte for byte), each
 * settings section applied as the API takes it (PATCH/PUT/POST), secrets listed by name and
 * digest for setting by hand. Plans and the settings diff come from reading the target only.
 */
import { RestoreError } from '../errors.js';
import type { ClientLogger, ManagementClient } from './client.js';
import {
  readFunctions,
  sourceDigest,
  type FunctionMetadata,
  type FunctionsDocument,
  type StoredFunction,
} from './functions.js';
import { buildMultipart } from './multipart.js';
import {
  canonicalJson,
  SECRET_FIELD,
  sectionSpecs,
  WITHHELD,
  type SettingsDocument,
} from './settings.js';

/** The entrypoint as a name among the files (the API may report it as a file:// URL). */
function entrypointOf(fn: StoredFunction): string {
  const files = fn.source.form === 'files' ? fn.source.files.map((f) => f.name) : [];
  const fromBody = (fn.source.form === 'files' ? fn.source.metadata : undefined) as
    { entrypoint_path?: unknown } | undefined;
  const path =
    typeof fromBody?.entrypoint_path === 'string'
      ? fromBody.entrypoint_path
      : (fn.metadata.entrypoint_path ?? 'index.ts');
  if (files.includes(path)) return path;
  const match = files.filter((f) => path.endsWith(`/${f}`)).sort((a, b) => b.length - a.length)[0];
  return match ?? path;
}

function importMapOf(fn: StoredFunction): string | undefined {
  const path = fn.metadata.import_map_path;
  if (!path || fn.source.form !== 'files') return undefined;
  const files = fn.source.files.map((f) => f.name);
  return files.includes(path) ? path : files.find((f) => path.endsWith(`/${f}`));
}

export async function planFunctions(
  client: ManagementClient,
  ref: string,
  doc: FunctionsDocument,
): Promise<string[]> {
  const existing = await client.getJson<FunctionMetadata[]>(`/v1/projects/${ref}/functions`);
  return doc.functions.map((f) => {
    const there = existing.find((e) => e.slug === f.metadata.slug);
    const files = f.source.form === 'files' ? `${f.source.files.length} files` : 'its eszip bundle';
    return `  ${f.metadata.slug}: ${there ? `replaces version ${there.version}` : 'new'} with ${files} (sha256 ${f.sha256.slice(0, 12)}…)`;
  });
}

/** Deploys every function, then reads the target's source back and compares it with the set. */
export async function restoreFunctions(
  client: ManagementClient,
  ref: string,
  doc: FunctionsDocument,
  logger: ClientLogger,
): Promise<void> {
  const existing = new Set(
    (await client.getJson<FunctionMetadata[]>(`/v1/projects/${ref}/functions`)).map((f) => f.slug),
  );
  for (const fn of doc.functions) {
    if (fn.source.form !== 'files') {
      await deployBundle(client, ref, fn, existing.has(fn.metadata.slug));
      logger.info(`functions: deployed ${fn.metadata.slug} (eszip bundle)`);
      continue;
    }
    const metadata = {
      entrypoint_path: entrypointOf(fn),
      name: fn.metadata.name,
      verify_jwt: fn.metadata.verify_jwt ?? true,
      ...(importMapOf(fn) && { import_map_path: importMapOf(fn) }),
    };
    const form = buildMultipart([
      {
        name: 'metadata',
        data: Buffer.from(JSON.stringify(metadata)),
        contentType: 'application/json',
      },
      ...fn.source.files.map((f) => ({
        name: 'file',
        filename: f.name,
        data: Buffer.from(f.content, 'base64'),
      })),
    ]);
    const slug = encodeURIComponent(fn.metadata.slug);
    await client.request('POST', `/v1/projects/${ref}/functions/deploy?slug=${slug}`, {
      raw: form,
    });
    logger.info(`functions: deployed ${fn.metadata.slug} (${fn.source.files.length} files)`);
  }
  const back = await readFunctions(client, ref, logger);
  for (const fn of doc.functions) {
    const got = back.functions.find((f) => f.metadata.slug === fn.metadata.slug);
    if (!got || sourceDigest(got.source) !== fn.sha256)
      throw new RestoreError(
        `functions: ${fn.metadata.slug} reads back from project ${ref} with other source than the set holds`,
      );
  }
  logger.info(`functions: ${doc.functions.length} function(s) read back identical from ${ref}`);
}

/** A function kept as its eszip bundle goes back as that bundle (create, or update in place). */
async function deployBundle(
  client: ManagementClient,
  ref: string,
  fn: StoredFunction,
  exists: boolean,
): Promise<void> {
  if (fn.source.form !== 'eszip') return;
  const m = fn.metadata;
  const query = new URLSearchParams({
    ...(!exists && { slug: m.slug }),
    name: m.name,
    verify_jwt: String(m.verify_jwt ?? true),
    ...(m.entrypoint_path && { entrypoint_path: m.entrypoint_path }),
    ...(m.import_map_path && { import_map_path: m.import_map_path }),
  });
  const path = exists
    ? `/v1/projects/${ref}/functions/${encodeURIComponent(m.slug)}?${query}`
    : `/v1/projects/${ref}/functions?${query}`;
  const raw = {
    data: Buffer.from(fn.source.content, 'base64'),
    contentType: 'application/vnd.denoland.eszip',
  };
  await client.request(exists ? 'PATCH' : 'POST', path, { raw });
}

/** What applying a section would change: `key: target -> backup` lines (withheld keys apart). */
function diffSection(backup: unknown, target: unknown): string[] {
  const b = (backup ?? {}) as Record<string, unknown>;
  const t = (target ?? {}) as Record<string, unknown>;
  const lines: string[] = [];
  for (const key of Object.keys(b).sort()) {
    if (b[key] === WITHHELD) {
      lines.push(`    ${key}: (secret, withheld in this plain set: left unchanged)`);
      continue;
    }
    const from = canonicalJson(t[key]);
    const to = canonicalJson(b[key]);
    // A secret's value is never printed, only that it changes.
    if (from !== to)
      lines.push(
        SECRET_FIELD.test(key)
          ? `    ${key}: (secret value: set from the encrypted set)`
          : `    ${key}: ${clip(from)} -> ${clip(to)}`,
      );
  }
  return lines;
}

const clip = (s: string | undefined) =>
  s === undefined ? '(unset)' : s.length > 120 ? `${s.slice(0, 117)}...` : s;

/** The settings plan: per section, the changes (read from the target), and the secrets. */
export async function planSettings(
  client: ManagementClient,
  ref: string,
  doc: SettingsDocument,
): Promise<string[]> {
  const lines: string[] = [];
  for (const spec of sectionSpecs(ref)) {
    if (!(spec.section in doc.sections)) continue;
    const value = doc.sections[spec.section];
    if (!spec.apply) {
      lines.push(`  ${spec.section}: not applied (${spec.note ?? 'not restorable'})`);
      continue;
    }
    const target = await client.getJson<unknown>(spec.path);
    const body = spec.apply.body(value);
    const now = spec.apply.body(target);
    const diff = diffSection(body, now);
    const withheld = diffSection(value, target).filter((l) => l.includes('withheld'));
    lines.push(
      `  ${spec.section}: ${diff.length === 0 && withheld.length === 0 ? 'no change' : `${spec.apply.method} ${diff.length} change(s)`}`,
      ...diff,
      ...withheld,
    );
  }
  const theirs = await client.getJson<{ name: string; value: string }[]>(
    `/v1/projects/${ref}/secrets`,
  );
  lines.push(
    `  secrets: set these by hand (values are not exportable; compare a value's sha256 with the digest):`,
  );
  for (const s of doc.secrets) {
    const t = theirs.find((x) => x.name === s.name);
    const state = !t
      ? 'missing'
      : s.digest && t.value.toLowerCase() === s.digest
        ? 'same value'
        : 'differs';
    lines.push(`    ${s.name}  sha256 ${s.digest ?? '(unknown)'}  (${state} in ${ref})`);
  }
  return lines;
}

/** Applies each section, then reads it back and checks that what was sent took effect. */
export async function restoreSettings(
  client: ManagementClient,
  ref: string,
  doc: SettingsDocument,
  logger: ClientLogger,
): Promise<void> {
  for (const spec of sectionSpecs(ref)) {
    if (!(spec.section in doc.sections) || !spec.apply) continue;
    const body = spec.apply.body(doc.sections[spec.section]) as Record<string, unknown>;
    if (Object.keys(body).length === 0) continue;
    await client.sendJson(spec.apply.method, spec.apply.path, body);
    const back = spec.apply.body(await client.getJson<unknown>(spec.path));
    const differs = diffSection(body, back);
    if (differs.length > 0)
      throw new RestoreError(
        `settings: ${spec.section} reads back from ${ref} with other values than were applied:\n${differs.join('\n')}`,
      );
    logger.info(`settings: ${spec.section} applied (${spec.apply.method}) and read back identical`);
  }
}
