/**
 * A local stand-in for the GitHub REST endpoints of a repository's workflow artifacts:
 *   GET    /repos/{owner}/{repo}/actions/artifacts       (per_page <= 100, page, name; Link header)
 *   GET    /repos/{owner}/{repo}/actions/artifacts/{id}
 *   DELETE /repos/{owner}/{repo}/actions/artifacts/{id}  (204; 404 unknown; 403 when read-only)
 *   GET    /repos/{owner}/{repo}/actions/artifacts/{id}/zip  (302 to a short-lived blob URL, as
 *          GitHub answers; 410 once expired; 404 unknown or another archive format) — served
 *          when `download` gives such a URL (artifact-service.ts: a SAS URL on Azurite)
 * 401 without a token (or with a wrong one). It serves an ArtifactStore, which the results-service
 * emulator (artifact-service.ts) fills when both run over the same store.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredArtifact {
  id: number;
  name: string;
  /** The workflow run's number (GITHUB_RUN_ID) and the results service's ids for run and job. */
  runId: number;
  runBackendId: string;
  jobRunBackendId: string;
  /** Bytes as the uploader reported them, and as found in blob storage. */
  size: number;
  blobSize: number | null;
  /** "sha256:<hex>" as the uploader reported it. */
  digest: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  /** Uploads become visible (listed, downloadable) once finalized. */
  finalized: boolean;
  blobName: string | null;
  mimeType: string | null;
  version: number;
}

/** One repository's artifacts, newest id last. */
export class ArtifactStore {
  readonly items: StoredArtifact[] = [];
  private nextId = 1001;
  constructor(readonly repository: string) {}

  add(init: Partial<StoredArtifact> & { name: string }): StoredArtifact {
    const a: StoredArtifact = {
      id: this.nextId++,
      runId: 4242,
      runBackendId: 'seeded-run',
      jobRunBackendId: 'seeded-job',
      size: 0,
      blobSize: null,
      digest: null,
      createdAt: new Date(),
      expiresAt: null,
      finalized: true,
      blobName: null,
      mimeType: null,
      version: 7,
      ...init,
    };
    this.items.push(a);
    return a;
  }
  byId(id: number): StoredArtifact | undefined {
    return this.items.find((a) => a.id === id);
  }
  find(runBackendId: string, name: string): StoredArtifact | undefined {
    return this.items.find((a) => a.runBackendId === runBackendId && a.name === name);
  }
  remove(id: number): boolean {
    const i = this.items.findIndex((a) => a.id === id);
    if (i >= 0) this.items.splice(i, 1);
    return i >= 0;
  }
}

export interface GitHubApi {
  /** Base URL for Octokit's baseUrl, without a trailing slash. */
  url: string;
  /** "METHOD path?query" in arrival order. */
  requests: string[];
  /** A token without `actions: write`: deletions get 403. */
  setReadOnly(readOnly: boolean): void;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest/actions/artifacts';
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function send(res: ServerResponse, status: number, body?: unknown, headers = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function restArtifact(a: StoredArtifact, base: string, repository: string) {
  const url = `${base}/repos/${repository}/actions/artifacts/${a.id}`;
  return {
    id: a.id,
    node_id: Buffer.from(`Artifact${a.id}`).toString('base64'),
    name: a.name,
    size_in_bytes: a.size,
    url,
    archive_download_url: `${url}/zip`,
    expired: a.expiresAt !== null && a.expiresAt.getTime() <= Date.now(),
    created_at: isoSeconds(a.createdAt),
    updated_at: isoSeconds(a.createdAt),
    expires_at: a.expiresAt && isoSeconds(a.expiresAt),
    digest: a.digest,
    workflow_run: {
      id: a.runId,
      repository_id: 1,
      head_repository_id: 1,
      head_branch: 'main',
      head_sha: '0'.repeat(40),
    },
  };
}

/** GitHub's Link header: first/prev/next/last as applicable, other query parameters kept. */
function linkHeader(self: URL, page: number, lastPage: number): string {
  const at = (p: number) => {
    const u = new URL(self);
    u.searchParams.set('page', String(p));
    return `<${u.href}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
  if (page < lastPage) links.push(`${at(page + 1)}; rel="next"`, `${at(lastPage)}; rel="last"`);
  if (page > 1) links.push(`${at(1)}; rel="first"`);
  return links.join(', ');
}

export async function startGitHubApi(options: {
  store: ArtifactStore;
  token: string;
  readOnly?: boolean;
  /** A short-lived URL of the artifact's stored zip (GitHub's is valid for a minute). */
  download?: (a: StoredArtifact) => string;
}): Promise<GitHubApi> {
  const { store, token } = options;
  let readOnly = options.readOnly ?? false;
  const requests: string[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const base = `http://${req.headers.host}`;
    const url = new URL(req.url ?? '/', base);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const auth = req.headers.authorization;
    if (!auth)
      return send(res, 401, { message: 'Requires authentication', documentation_url: DOCS });
    if (!/^(token|bearer) /i.test(auth) || auth.slice(auth.indexOf(' ') + 1) !== token) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: DOCS });
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/artifacts(?:\/(\d+)(?:\/(\w+))?)?$/.exec(
      url.pathname,
    );
    const sameRepo = m && `${m[1]}/${m[2]}`.toLowerCase() === store.repository.toLowerCase();
    const notFound = () =>
      send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    if (!m || !sameRepo) return notFound();
    const id = m[3] === undefined ? undefined : Number(m[3]);

    if (req.method === 'GET' && id === undefined) {
      const perPage = Math.min(
        Math.max(Number(url.searchParams.get('per_page') ?? 30) || 30, 1),
        100,
      );
      const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
      const name = url.searchParams.get('name');
      const all = store.items
        .filter((a) => a.finalized && (name === null || a.name === name))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id);
      const lastPage = Math.max(Math.ceil(all.length / perPage), 1);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const link = linkHeader(url, page, lastPage);
      return send(
        res,
        200,
        {
          total_count: all.length,
          artifacts: slice.map((a) => restArtifact(a, base, store.repository)),
        },
        link ? { link } : {},
      );
    }
    const artifact = id === undefined ? undefined : store.byId(id);
    if (m[4] !== undefined) {
      // The archive: GitHub redirects to blob storage; the client follows without the token.
      if (req.method !== 'GET' || m[4] !== 'zip' || !artifact?.finalized) return notFound();
      if (artifact.expiresAt && artifact.expiresAt.getTime() <= Date.now()) {
        return send(res, 410, { message: 'Artifact has expired', documentation_url: DOCS });
      }
      if (!options.download || !artifact.blobName) {
        return send(res, 500, { message: `no stored zip behind artifact ${artifact.id}` });
      }
      return send(res, 302, undefined, { location: options.download(artifact) });
    }
    if (req.method === 'GET' && artifact?.finalized) {
      return send(res, 200, restArtifact(artifact, base, store.repository));
    }
    if (req.method === 'DELETE' && id !== undefined) {
      if (readOnly) {
        return send(res, 403, {
          message: 'Resource not accessible by integration',
          documentation_url: DOCS,
          status: '403',
        });
      }
      return store.remove(id) ? send(res, 204) : notFound();
    }
    return notFound();
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    setReadOnly: (v) => {
      readOnly = v;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
