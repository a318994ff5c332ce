/**
 * A local GitHub REST API for one repository's issues that validates every request against
 * GitHub's OpenAPI description (openapi.ts) before serving it: an unknown operation, parameter
 * or an invalid body gets a 4xx and is recorded in `violations`, which a test expects empty.
 * Served: issues/list-for-repo (state, labels; pages with Link), issues/create,
 * issues/create-comment, issues/update. Its own answers are checked against the response
 * schemas too, so the client sees what GitHub would send.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GitHubOpenApi,
  InvalidRequest,
  type MatchedOperation,
  type OpenApiDescription,
} from './openapi.js';

export interface StoredIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  state_reason: string | null;
  comments: string[];
  created: string;
  closed: string | null;
}

export interface GitHubRest {
  url: string;
  issues: StoredIssue[];
  /** "METHOD path?query" in arrival order. */
  requests: string[];
  /** Requests or responses that do not match the description; a passing test has none. */
  violations: string[];
  /** The next `n` requests get this status (e.g. 502) before being looked at. */
  failNext(n: number, status: number): void;
  close(): Promise<void>;
}

let described: Promise<OpenApiDescription> | undefined;

const iso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function user(base: string) {
  const u = `${base}/users/github-actions%5Bbot%5D`;
  return {
    login: 'github-actions[bot]',
    id: 41898282,
    node_id: 'MDM6Qm90NDE4OTgyODI=',
    avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
    gravatar_id: '',
    url: u,
    html_url: 'https://github.com/apps/github-actions',
    followers_url: `${u}/followers`,
    following_url: `${u}/following{/other_user}`,
    gists_url: `${u}/gists{/gist_id}`,
    starred_url: `${u}/starred{/owner}{/repo}`,
    subscriptions_url: `${u}/subscriptions`,
    organizations_url: `${u}/orgs`,
    repos_url: `${u}/repos`,
    events_url: `${u}/events{/privacy}`,
    received_events_url: `${u}/received_events`,
    type: 'Bot',
    site_admin: false,
  };
}

export async function startGitHubRest(options: {
  repository: string;
  token: string;
}): Promise<GitHubRest> {
  described ??= GitHubOpenApi.load();
  const api = await described;
  const issues: StoredIssue[] = [];
  const requests: string[] = [];
  const violations: string[] = [];
  let failing = { n: 0, status: 502 };
  const repoApi = (base: string) => `${base}/repos/${options.repository}`;

  const restIssue = (i: StoredIssue, base: string) => {
    const url = `${repoApi(base)}/issues/${i.number}`;
    return {
      id: 9000 + i.number,
      node_id: Buffer.from(`Issue${i.number}`).toString('base64'),
      url,
      repository_url: repoApi(base),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `https://github.com/${options.repository}/issues/${i.number}`,
      number: i.number,
      state: i.state,
      state_reason: i.state_reason,
      title: i.title,
      body: i.body,
      user: user(base),
      labels: i.labels.map((name, k) => ({
        id: 100 + k,
        node_id: Buffer.from(`Label${name}`).toString('base64'),
        url: `${repoApi(base)}/labels/${encodeURIComponent(name)}`,
        name,
        description: null,
        color: 'ededed',
        default: false,
      })),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: i.comments.length,
      closed_at: i.closed,
      created_at: i.created,
      updated_at: i.closed ?? i.created,
      author_association: 'NONE',
    };
  };

  const serve = (
    op: MatchedOperation,
    base: string,
    url: URL,
  ): { status: number; body?: unknown; headers?: Record<string, string> } => {
    if (`${op.params.owner}/${op.params.repo}`.toLowerCase() !== options.repository.toLowerCase())
      return { status: 404, body: { message: 'Not Found', documentation_url: 'x', status: '404' } };
    const body = (op.body ?? {}) as Record<string, unknown>;
    const issue = issues.find((i) => i.number === op.params.issue_number);
    switch (op.operationId) {
      case 'issues/list-for-repo': {
        const state = (op.query.state as string | undefined) ?? 'open';
        const labels = ((op.query.labels as string | undefined) ?? '').split(',').filter(Boolean);
        const all = issues
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => labels.every((l) => i.labels.includes(l)))
          .reverse();
        const perPage = (op.query.per_page as number | undefined) ?? 30;
        const page = (op.query.page as number | undefined) ?? 1;
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const headers: Record<string, string> = {};
        if (page < last) {
          const next = new URL(url);
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${next.href}>; rel="next"`;
        }
        const slice = all.slice((page - 1) * perPage, page * perPage);
        return { status: 200, body: slice.map((i) => restIssue(i, base)), headers };
      }
      case 'issues/create': {
        const created: StoredIssue = {
          number: issues.length + 1,
          title: String(body.title),
          body: typeof body.body === 'string' ? body.body : '',
          labels: ((body.labels as (string | { name: string })[] | undefined) ?? []).map((l) =>
            typeof l === 'string' ? l : l.name,
          ),
          state: 'open',
          state_reason: null,
          comments: [],
          created: iso(),
          closed: null,
        };
        issues.push(created);
        return { status: 201, body: restIssue(created, base) };
      }
      case 'issues/create-comment': {
        if (!issue) return { status: 404, body: { message: 'Not Found', documentation_url: 'x' } };
        issue.comments.push(String(body.body));
        const id = 50_000 + issue.comments.length;
        return {
          status: 201,
          body: {
            id,
            node_id: Buffer.from(`IC${id}`).toString('base64'),
            url: `${repoApi(base)}/issues/comments/${id}`,
            html_url: `https://github.com/${options.repository}/issues/${issue.number}#issuecomment-${id}`,
            issue_url: `${repoApi(base)}/issues/${issue.number}`,
            body: String(body.body),
            user: user(base),
            created_at: iso(),
            updated_at: iso(),
            author_association: 'NONE',
          },
        };
      }
      case 'issues/update': {
        if (!issue) return { status: 404, body: { message: 'Not Found', documentation_url: 'x' } };
        if (body.state === 'closed' || body.state === 'open') issue.state = body.state;
        if (body.state === 'closed') issue.closed = iso();
        if (body.state_reason !== undefined) issue.state_reason = body.state_reason as string;
        return { status: 200, body: restIssue(issue, base) };
      }
      default:
        violations.push(`${op.operationId}: valid, but this emulation does not serve it`);
        return { status: 501, body: { message: 'Not Implemented', documentation_url: 'x' } };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const base = `http://${req.headers.host}`;
    const url = new URL(req.url ?? '/', base);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        ...(body !== undefined && { 'content-type': 'application/json; charset=utf-8' }),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (failing.n > 0) {
      failing.n--;
      return send(failing.status, { message: 'Server Error' });
    }
    const auth = req.headers.authorization ?? '';
    if (!/^(token|bearer) /i.test(auth) || auth.slice(auth.indexOf(' ') + 1) !== options.token)
      return send(401, { message: 'Bad credentials', documentation_url: 'x' });
    let op: MatchedOperation;
    try {
      op = api.match(req.method ?? 'GET', url, text);
    } catch (err) {
      const status = err instanceof InvalidRequest ? err.status : 400;
      violations.push(`${req.method} ${url.pathname}${url.search}: ${(err as Error).message}`);
      return send(status, { message: (err as Error).message, documentation_url: 'x' });
    }
    const out = serve(op, base, url);
    for (const p of api.responseProblems(op, out.status, out.body))
      violations.push(`response of ${op.operationId} (${out.status}): ${p}`);
    send(out.status, out.body, out.headers);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      violations.push(`emulation error: ${String(err)}`);
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issues,
    requests,
    violations,
    failNext: (n, status) => {
      failing = { n, status };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
