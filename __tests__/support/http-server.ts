/**
 * A tiny HTTP file server on 127.0.0.1 for tests: serves a map of path -> bytes (404 for
 * anything else) and counts requests per path, so a test can tell what was downloaded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestHttpServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  /** How many requests (any method, any status) reached this path. */
  requests(path: string): number;
  /** Every request path in arrival order. */
  log: string[];
  /** Adds, replaces or (with undefined) removes a file. */
  set(path: string, body: Buffer | string | undefined): void;
  close(): Promise<void>;
}

export async function startHttpServer(
  files: Record<string, Buffer | string> = {},
): Promise<TestHttpServer> {
  const served = new Map<string, Buffer>();
  const counts = new Map<string, number>();
  const log: string[] = [];
  const set = (path: string, body: Buffer | string | undefined) => {
    if (body === undefined) served.delete(path);
    else served.set(path, typeof body === 'string' ? Buffer.from(body) : body);
  };
  for (const [path, body] of Object.entries(files)) set(path, body);

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    log.push(path);
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const body = served.get(path);
    if (body === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(body === undefined ? 404 : 405, { 'content-type': 'text/plain' });
      res.end(body === undefined ? 'not found\n' : 'method not allowed\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: (path) => counts.get(path) ?? 0,
    log,
    set,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
