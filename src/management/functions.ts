/**
 * Reading a project's Edge Functions: the list, then each function's deployed source
 * (`/body` with `Accept: multipart/form-data`: one part per file), then its metadata again;
 * a function deployed between the two metadata reads is read again (docs/management-api.md).
 */
import { createHash } from 'node:crypto';
import { DumpError } from '../errors.js';
import type { ClientLogger, ManagementClient } from './client.js';
import { boundaryOf, parseMultipart } from './multipart.js';

export const FUNCTIONS_FORMAT = 'supabase-backup-functions';
const SLUG = /^[A-Za-z0-9_-]+$/;
/** How often a function being redeployed is read again before the backup gives up. */
const MAX_RACES = 4;

/** FunctionResponse of the Management API (the fields a restore and a reader need). */
export interface FunctionMetadata {
  id: string;
  slug: string;
  name: string;
  status: string;
  version: number;
  created_at: number;
  updated_at: number;
  verify_jwt?: boolean;
  import_map?: boolean;
  entrypoint_path?: string;
  import_map_path?: string;
  ezbr_sha256?: string;
}

export interface SourceFile {
  /** The file name exactly as the API sent it. */
  name: string;
  bytes: number;
  sha256: string;
  /** The bytes, base64. */
  content: string;
}

export type FunctionSource =
  | { form: 'files'; files: SourceFile[]; metadata?: unknown }
  | { form: 'eszip'; bytes: number; sha256: string; content: string };

export interface StoredFunction {
  metadata: FunctionMetadata;
  source: FunctionSource;
  /** sourceDigest(source): what backup.json lists and a restore is checked against. */
  sha256: string;
}

export interface FunctionsDocument {
  format: typeof FUNCTIONS_FORMAT;
  format_version: 1;
  ref: string;
  functions: StoredFunction[];
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Files: sha256 of "<sha256>  <name>\n" lines sorted by name; an eszip: its bytes' sha256. */
export function sourceDigest(source: FunctionSource): string {
  if (source.form === 'eszip') return source.sha256;
  const lines = [...source.files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.name}\n`);
  return sha256(lines.join(''));
}

export function sourceFile(name: string, data: Buffer): SourceFile {
  return { name, bytes: data.length, sha256: sha256(data), content: data.toString('base64') };
}

const fnPath = (ref: string, slug: string, tail = '') =>
  `/v1/projects/${ref}/functions/${encodeURIComponent(slug)}${tail}`;

/** Every function of the project with its deployed source. */
export async function readFunctions(
  client: ManagementClient,
  ref: string,
  logger: ClientLogger,
): Promise<FunctionsDocument> {
  const listed = await client.getJson<FunctionMetadata[]>(`/v1/projects/${ref}/functions`);
  const functions: StoredFunction[] = [];
  for (const listedMeta of [...listed].sort((a, b) => (a.slug < b.slug ? -1 : 1))) {
    if (!SLUG.test(listedMeta.slug))
      throw new DumpError(
        `the Management API listed a function with an unusable slug; nothing was stored`,
      );
    functions.push(await readFunction(client, ref, listedMeta, logger));
  }
  return { format: FUNCTIONS_FORMAT, format_version: 1, ref, functions };
}

async function readFunction(
  client: ManagementClient,
  ref: string,
  listed: FunctionMetadata,
  logger: ClientLogger,
): Promise<StoredFunction> {
  let before = listed;
  for (let race = 0; race < MAX_RACES; race++) {
    const source = await readBody(client, ref, before.slug);
    const after = await client.getJson<FunctionMetadata>(fnPath(ref, before.slug));
    if (after.version === before.version)
      return { metadata: after, source, sha256: sourceDigest(source) };
    logger.info(
      `functions: ${before.slug} was deployed while it was read (version ${before.version} -> ${after.version}); reading it again`,
    );
    before = after;
  }
  throw new DumpError(
    `functions: ${listed.slug} was redeployed ${MAX_RACES} times while it was read; run the backup again when deploys have settled`,
  );
}

async function readBody(
  client: ManagementClient,
  ref: string,
  slug: string,
): Promise<FunctionSource> {
  const path = fnPath(ref, slug, '/body');
  let res = await client.request('GET', path, { accept: 'multipart/form-data', allow: [406, 415] });
  if (res.status === 406 || res.status === 415)
    res = await client.request('GET', path, { accept: 'application/octet-stream' });
  const boundary = boundaryOf(res.headers.get('content-type'));
  if (!boundary) {
    // The eszip bundle: kept as-is (restorable by the API, not readable file by file).
    return {
      form: 'eszip',
      bytes: res.body.length,
      sha256: sha256(res.body),
      content: res.body.toString('base64'),
    };
  }
  let parts;
  try {
    parts = parseMultipart(res.body, boundary);
  } catch (err) {
    throw new DumpError(
      `functions: the source of ${slug} came back incomplete (${(err as Error).message}); run the backup again`,
    );
  }
  const files = parts
    .filter((p) => p.filename !== undefined)
    .map((p) => sourceFile(p.filename!, p.data));
  const meta = parts.find((p) => p.filename === undefined && p.name === 'metadata');
  let metadata: unknown;
  if (meta) {
    try {
      metadata = JSON.parse(meta.data.toString('utf8'));
    } catch {
      metadata = undefined;
    }
  }
  if (files.length === 0)
    throw new DumpError(
      `functions: the Management API sent no source files for ${slug}; run the backup again`,
    );
  return { form: 'files', files, ...(metadata !== undefined && { metadata }) };
}
