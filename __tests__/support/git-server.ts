/**
 * A real git server for tests: `git http-backend` (CGI) behind a node HTTP server on 127.0.0.1.
 * It wants HTTP Basic auth whose password is the configured token (any user name, as GitHub's
 * `x-access-token:<token>`) and answers 401 otherwise. Bodies are streamed both ways.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitRequest {
  method: string;
  /** Path and query, e.g. /backups.git/info/refs?service=git-receive-pack */
  path: string;
  authorized: boolean;
}

export interface GitServerOptions {
  token: string;
  /** A second token that may fetch but not push (403 on receive-pack, as GitHub answers). */
  readOnlyToken?: string;
  /** Runs before an authorized request reaches git (a test moves the branch from here). */
  beforeRequest?: (request: GitRequest) => void | Promise<void>;
}

export interface GitServer {
  /** http://127.0.0.1:<port>/<repo> */
  url(repo: string): string;
  /** Creates <root>/<name> as a bare repository that accepts pushes; returns its path. */
  createBareRepo(name: string): Promise<string>;
  requests: GitRequest[];
  root: string;
  close(): Promise<void>;
}

const BACKEND = join(
  execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(),
  'git-http-backend',
);

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return false;
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && decoded.slice(colon + 1) === token;
}

/** Splits the CGI header block off the child's stdout, then streams the rest as the body. */
function relayCgi(child: ReturnType<typeof spawn>, res: ServerResponse): void {
  let head = Buffer.alloc(0);
  let done = false;
  const onData = (chunk: Buffer) => {
    if (done) return;
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sep = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sep = 2;
    }
    if (end < 0) return;
    done = true;
    child.stdout!.off('data', onData);
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    const rest = head.subarray(end + sep);
    if (rest.length > 0) res.write(rest);
    child.stdout!.pipe(res);
  };
  child.stdout!.on('data', onData);
  child.stdout!.on('end', () => {
    if (!done) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('git http-backend sent no headers\n');
    }
  });
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), 'git-server-'));
  const home = join(root, '.home');
  mkdirSync(home);
  const requests: GitRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request: GitRequest = {
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      authorized: authorized(req, options.token),
    };
    requests.push(request);
    const readOnly = !request.authorized && authorized(req, options.readOnlyToken);
    if (readOnly) request.authorized = !request.path.includes('git-receive-pack');
    if (!request.authorized) {
      req.resume();
      if (readOnly) res.writeHead(403, { 'content-type': 'text/plain' });
      else
        res.writeHead(401, {
          'WWW-Authenticate': 'Basic realm="git"',
          'content-type': 'text/plain',
        });
      res.end(readOnly ? 'Permission to repository denied\n' : 'authentication required\n');
      return;
    }
    await options.beforeRequest?.(request);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: request.method,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      REMOTE_USER: 'git-test',
    };
    if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type'];
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    const encoding = req.headers['content-encoding'];
    if (typeof encoding === 'string') env.HTTP_CONTENT_ENCODING = encoding;
    const protocol = req.headers['git-protocol'];
    if (typeof protocol === 'string') env.GIT_PROTOCOL = protocol;

    const child = spawn(BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.on('data', () => undefined);
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`cannot run git http-backend: ${err.message}\n`);
    });
    req.pipe(child.stdin);
    relayCgi(child, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: (repo) => `http://127.0.0.1:${port}/${repo}`,
    root,
    requests,
    async createBareRepo(name) {
      const dir = join(root, name);
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          env: { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1' },
        });
      git('init', '--quiet', '--bare', dir);
      git('-C', dir, 'config', 'http.receivepack', 'true');
      // What GitHub allows too: blobless fetches and fetching objects by id.
      git('-C', dir, 'config', 'uploadpack.allowFilter', 'true');
      git('-C', dir, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
      return dir;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          rmSync(root, { recursive: true, force: true });
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}
