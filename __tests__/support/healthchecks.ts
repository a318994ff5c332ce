/**
 * A local stand-in for healthchecks.io's ping endpoints (https://healthchecks.io/docs/http_api/):
 * `<base>/ping/<ping-key>/<slug>[/start|/fail]` by GET, HEAD or POST, `?create=1` making a
 * missing check (201) as auto-provisioning does, 404 for an unknown slug without it, and the
 * body kept as the ping's log. Records every request; `script` makes the next answers fail.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Ping {
  method: string;
  /** The path without the query, e.g. /ping/KEY/app/start */
  path: string;
  query: Record<string, string>;
  body: string;
  status: number;
}

export interface Healthchecks {
  /** http://127.0.0.1:PORT/ping/<key>: what the secret holds. */
  pingUrl: string;
  pings: Ping[];
  /** Slugs that exist (made by a ping with create=1). */
  checks: Set<string>;
  /** Statuses for the next requests, in order (e.g. [500, 500]); then the normal answer. */
  script: number[];
  close(): Promise<void>;
}

export async function startHealthchecks(key: string): Promise<Healthchecks> {
  const hc = { pings: [], checks: new Set<string>(), script: [] } as unknown as Healthchecks;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const query = Object.fromEntries(url.searchParams);
      const m = /^\/ping\/([^/]+)\/([a-z0-9_-]+)(?:\/(start|fail|log|\d{1,3}))?$/.exec(
        url.pathname,
      );
      let status = hc.script.shift() ?? 0;
      if (status === 0) {
        if (!m || m[1] !== key || !['GET', 'HEAD', 'POST'].includes(req.method ?? '')) status = 404;
        else if (hc.checks.has(m[2]!)) status = 200;
        else if (query.create === '1') {
          hc.checks.add(m[2]!);
          status = 201;
        } else status = 404;
      }
      hc.pings.push({ method: req.method ?? '', path: url.pathname, query, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? (status === 201 ? 'Created' : 'OK') : 'error');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hc.pingUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping/${key}`;
  hc.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return hc;
}

/** A URL nothing listens on (a port that was free a moment ago). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/ping/nobody-home`;
}
