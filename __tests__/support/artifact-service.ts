/**
 * A local stand-in for the Actions results service that @actions/artifact (v2+) talks to: the
 * Twirp JSON API `github.actions.results.api.v1.ArtifactService` (CreateArtifact,
 * FinalizeArtifact, ListArtifacts, GetSignedArtifactURL, DeleteArtifact) on 127.0.0.1, with the
 * bytes in a real Azurite blob server behind real SAS URLs, as the real service hands out.
 * Requests carry proto field names (snake_case, int64 as strings); so do the answers. Metadata
 * lives in an ArtifactStore that the REST emulator (github-api.ts) can share.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { ArtifactStore, type StoredArtifact } from './github-api.js';

const SERVICE = 'github.actions.results.api.v1.ArtifactService';
// Azurite's one account and its published well-known key.
const ACCOUNT = 'devstoreaccount1';
const KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'actions-results';

export interface ArtifactService {
  /** The service's origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** What a job's environment holds for @actions/artifact (and the artifact's web URL). */
  env: Record<string, string>;
  store: ArtifactStore;
  /** Finalized artifacts of this service's run. */
  artifacts(): StoredArtifact[];
  /** The artifact's bytes (the zip) as stored in Azurite. */
  blob(id: number): Promise<Buffer>;
  /** A read-only SAS URL of the artifact's zip for a minute: where the REST API's /zip redirects. */
  downloadUrl(a: StoredArtifact): string;
  /** Twirp method names in arrival order. */
  calls: string[];
  close(): Promise<void>;
}

/** azurite-blob as a child process on a free port, its data in a temp directory. */
async function startAzurite(): Promise<{ url: string; stop(): Promise<void> }> {
  const location = await mkdtemp(join(tmpdir(), 'azurite-'));
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--location', location];
  args.push('--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry');
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL'); // a test worker that dies leaves no server
  process.once('exit', killOnExit);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`azurite did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /successfully listens on (http:\/\/[\d.:]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`azurite exited (${code}):\n${output}`)));
  });
  return {
    url,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(location, { recursive: true, force: true });
    },
  };
}

/** A Twirp error: HTTP status plus {code, msg} as the JSON body. */
class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    msg: string,
  ) {
    super(msg);
  }
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT shaped like the runner's: the client only decodes its `scp` claim. */
function runtimeToken(runBackendId: string, jobRunBackendId: string): string {
  const claims = {
    scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobRunBackendId}`,
    iss: 'vstoken.actions.githubusercontent.com',
    exp: Math.floor(Date.now() / 1000) + 6 * 3600,
  };
  return `${b64url({ typ: 'JWT', alg: 'RS256' })}.${b64url(claims)}.${Buffer.from('unsigned').toString('base64url')}`;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    body = null;
  }
  if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  throw new TwirpError(400, 'malformed', 'the request body is not a JSON object');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startArtifactService(
  options: { store?: ArtifactStore; runId?: number } = {},
): Promise<ArtifactService> {
  const azurite = await startAzurite();
  const credential = new StorageSharedKeyCredential(ACCOUNT, KEY);
  const blobs = new BlobServiceClient(`${azurite.url}/${ACCOUNT}`, credential);
  const container = blobs.getContainerClient(CONTAINER);
  await container.createIfNotExists().catch(async (err: unknown) => {
    await azurite.stop();
    throw err;
  });

  const store = options.store ?? new ArtifactStore('octo-org/backups');
  const runId = options.runId ?? 4242;
  const runBackendId = randomUUID();
  const jobRunBackendId = randomUUID();
  const token = runtimeToken(runBackendId, jobRunBackendId);
  const calls: string[] = [];

  const sasUrl = (blobName: string, permissions: string, seconds = 3600) => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + seconds * 1000),
      },
      credential,
    );
    return `${container.getBlobClient(blobName).url}?${sas.toString()}`;
  };

  const finalized = (name: unknown) => {
    const a = store.find(runBackendId, String(name));
    if (!a?.finalized)
      throw new TwirpError(404, 'not_found', `artifact not found: ${String(name)}`);
    return a;
  };

  const methods: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    async CreateArtifact(body) {
      const name = String(body['name'] ?? '');
      if (!name) throw new TwirpError(400, 'invalid_argument', 'name is required');
      const existing = store.find(runBackendId, name);
      if (existing?.finalized) {
        throw new TwirpError(
          409,
          'already_exists',
          'an artifact with this name already exists on the workflow run',
        );
      }
      if (existing) store.remove(existing.id); // an upload that never finalized
      const expiresAt = body['expires_at'] ? new Date(String(body['expires_at'])) : null;
      if (expiresAt && !(expiresAt.getTime() > Date.now())) {
        throw new TwirpError(400, 'invalid_argument', 'expires_at must be in the future');
      }
      const a = store.add({
        name,
        runId,
        runBackendId,
        jobRunBackendId,
        expiresAt,
        finalized: false,
        blobName: `${runBackendId}/${randomUUID()}/${name}.zip`,
        mimeType: typeof body['mime_type'] === 'string' ? body['mime_type'] : null,
        version: Number(body['version'] ?? 0),
      });
      return { ok: true, signed_upload_url: sasUrl(a.blobName!, 'cw') };
    },
    async FinalizeArtifact(body) {
      const a = store.find(runBackendId, String(body['name']));
      if (!a || a.finalized)
        throw new TwirpError(404, 'not_found', 'no upload in progress for this name');
      const props = await container
        .getBlobClient(a.blobName!)
        .getProperties()
        .catch(() => null);
      if (!props) throw new TwirpError(400, 'failed_precondition', 'nothing was uploaded');
      a.size = Number(body['size'] ?? 0);
      a.blobSize = props.contentLength ?? 0;
      a.digest = typeof body['hash'] === 'string' ? body['hash'] : null;
      a.finalized = true;
      a.createdAt = new Date();
      return { ok: true, artifact_id: String(a.id) };
    },
    async ListArtifacts(body) {
      const nameFilter = body['name_filter'];
      const idFilter = body['id_filter'];
      const list = store.items.filter(
        (a) =>
          a.finalized &&
          a.runBackendId === runBackendId &&
          (nameFilter === undefined || a.name === nameFilter) &&
          (idFilter === undefined || String(a.id) === String(idFilter)),
      );
      return {
        artifacts: list.map((a) => ({
          workflow_run_backend_id: a.runBackendId,
          workflow_job_run_backend_id: a.jobRunBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size),
          created_at: a.createdAt.toISOString(),
          ...(a.digest !== null && { digest: a.digest }),
        })),
      };
    },
    async GetSignedArtifactURL(body) {
      return { signed_url: sasUrl(finalized(body['name']).blobName!, 'r') };
    },
    async DeleteArtifact(body) {
      const a = finalized(body['name']);
      await container.getBlobClient(a.blobName!).deleteIfExists();
      store.remove(a.id);
      return { ok: true, artifact_id: String(a.id) };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const m = new RegExp(`^/twirp/${SERVICE.replace(/\./g, '\\.')}/(\\w+)$`).exec(req.url ?? '');
    const method = m && req.method === 'POST' ? methods[m[1]!] : undefined;
    if (!method) throw new TwirpError(404, 'bad_route', `no handler for ${req.method} ${req.url}`);
    calls.push(m![1]!);
    if (req.headers.authorization !== `Bearer ${token}`) {
      throw new TwirpError(401, 'unauthenticated', 'missing or invalid runtime token');
    }
    if (!String(req.headers['content-type']).startsWith('application/json')) {
      throw new TwirpError(404, 'bad_route', 'only the JSON protocol is served here');
    }
    const body = await readJson(req);
    // The scope of the token decides which run and job a request may touch.
    const run = body['workflow_run_backend_id'];
    const job = body['workflow_job_run_backend_id'];
    if (run !== runBackendId || (job !== undefined && job !== jobRunBackendId)) {
      throw new TwirpError(403, 'permission_denied', 'the token does not grant access to this run');
    }
    send(res, 200, await method(body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof TwirpError ? err : new TwirpError(500, 'internal', String(err));
      send(res, e.status, { code: e.code, msg: e.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    env: {
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_RESULTS_URL: `${url}/`,
      // @actions/artifact refuses GHES; github.com, *.ghe.com and *.localhost pass its check.
      GITHUB_SERVER_URL: 'https://github.localhost',
      GITHUB_REPOSITORY: store.repository,
      GITHUB_RUN_ID: String(runId),
      GITHUB_RETENTION_DAYS: '90',
    },
    store,
    artifacts: () => store.items.filter((a) => a.finalized && a.runBackendId === runBackendId),
    async blob(id) {
      const a = store.byId(id);
      if (!a?.blobName) throw new Error(`no blob for artifact ${id}`);
      return container.getBlobClient(a.blobName).downloadToBuffer();
    },
    downloadUrl: (a) => sasUrl(a.blobName!, 'r', 60),
    calls,
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await azurite.stop();
    },
  };
}

/** Runs fn with these variables set (undefined: unset), then puts process.env back. */
export async function withEnv<T>(
  env: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  };
  apply(env);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}
