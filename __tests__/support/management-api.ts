/**
 * A local Supabase Management API for several projects that validates every request against the
 * published OpenAPI description (__tests__/fixtures/supabase-management-api-v1.json, via
 * openapi.ts) before serving it, and every JSON answer it sends: an unknown operation,
 * parameter, or an invalid body gets a 4xx and is recorded in `violations`, which a test
 * expects empty. The multipart answer of a function's body (one part per source file) is the
 * one thing the description does not show; it is served as the service does. Deploys
 * (multipart) have their `metadata` field validated against FunctionDeployBody.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildMultipart, boundaryOf, parseMultipart } from '../../src/management/multipart.js';
import {
  sampleOf,
  sampleFunctions,
  sampleSettings,
  FUNCTION_SECRETS,
  SPEC_FILE,
  type FixtureFunction,
} from './management-fixture.js';
import { InvalidRequest, OpenApiDescription, type MatchedOperation } from './openapi.js';
import { serveSettings } from './management-settings.js';

export interface EmulatedFunction extends FixtureFunction {
  /** Deployed as an eszip bundle (POST/PATCH with the bundle): its bytes. */
  eszip?: Buffer;
  id: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface EmulatedProject {
  ref: string;
  functions: Map<string, EmulatedFunction>;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
}

export interface ManagementApi {
  url: string;
  projects: Map<string, EmulatedProject>;
  /** "METHOD path" in arrival order. */
  requests: string[];
  violations: string[];
  /** The next `n` requests get 429 with rate-limit headers. */
  throttleNext(n: number, retryAfterSeconds?: number): void;
  /** Called after a function body is served (a test deploys there to race the backup). */
  afterBody?: (project: EmulatedProject, slug: string) => void;
  /** Refuse the multipart form of the body (answers 406), so only the eszip is available. */
  refuseMultipart: boolean;
  deploy(project: EmulatedProject, fn: FixtureFunction): EmulatedFunction;
  close(): Promise<void>;
}

let described: Promise<OpenApiDescription> | undefined;
const now = () => Date.now();

export function newProject(
  ref: string,
  options: { empty?: boolean; hostname?: boolean } = {},
): EmulatedProject {
  const p: EmulatedProject = { ref, functions: new Map(), settings: {}, secrets: {} };
  if (!options.empty) {
    p.settings = sampleSettings(options.hostname ?? true);
    p.secrets = { ...FUNCTION_SECRETS };
  } else {
    // A new project: the platform's defaults, none of the source's choices.
    p.settings = sampleSettings(false);
    p.settings.auth = {
      ...(sampleOf('AuthConfigResponse') as object),
      site_url: 'http://localhost:3000',
      jwt_exp: 3600,
    };
    p.settings.postgrest = {
      db_schema: 'public,graphql_public',
      max_rows: 1000,
      db_extra_search_path: 'public,extensions',
      db_pool: null,
      jwt_secret: 'new-project-jwt-secret-0000000000000000',
    };
    p.settings.network_restrictions = {
      ...(sampleOf('NetworkRestrictionsResponse') as object),
      entitlement: 'allowed',
      config: { dbAllowedCidrs: ['0.0.0.0/0'], dbAllowedCidrsV6: ['::/0'] },
    };
    (p.settings.realtime as Record<string, unknown>).max_concurrent_users = 200;
  }
  return p;
}

/** `tokens`: token -> the refs it may use. */
export async function startManagementApi(options: {
  tokens: Record<string, string[]>;
  projects: EmulatedProject[];
}): Promise<ManagementApi> {
  described ??= OpenApiDescription.fromFile(SPEC_FILE);
  const api = await described;
  const projects = new Map(options.projects.map((p) => [p.ref, p]));
  const requests: string[] = [];
  const violations: string[] = [];
  let throttle = { n: 0, after: 1 };

  const deploy = (project: EmulatedProject, fn: FixtureFunction): EmulatedFunction => {
    const old = project.functions.get(fn.slug);
    const made: EmulatedFunction = {
      ...fn,
      id: old?.id ?? randomUUID(),
      version: (old?.version ?? 0) + 1,
      created_at: old?.created_at ?? now(),
      updated_at: now(),
    };
    project.functions.set(fn.slug, made);
    return made;
  };
  for (const p of options.projects)
    if (p.functions.size === 0 && p.secrets.STRIPE_KEY)
      for (const f of sampleFunctions()) deploy(p, f);

  const meta = (f: EmulatedFunction) => ({
    id: f.id,
    slug: f.slug,
    name: f.name,
    status: 'ACTIVE',
    version: f.version,
    created_at: f.created_at,
    updated_at: f.updated_at,
    verify_jwt: f.verify_jwt,
    import_map: f.import_map_path !== undefined,
    entrypoint_path: f.entrypoint_path,
    ...(f.import_map_path !== undefined && { import_map_path: f.import_map_path }),
  });

  type Out = { status: number; body?: unknown; raw?: { data: Buffer; type: string } };
  const serve = (
    op: MatchedOperation,
    req: IncomingMessage,
    raw: Buffer,
    self: ManagementApi,
  ): Out => {
    const p = projects.get(String(op.params.ref));
    if (!p) return { status: 404, body: { message: 'Project not found' } };
    const fn = p.functions.get(String(op.params.function_slug));
    switch (op.operationId) {
      case 'v1-list-all-functions':
        return { status: 200, body: [...p.functions.values()].map(meta) };
      case 'v1-get-a-function':
        return fn
          ? { status: 200, body: meta(fn) }
          : { status: 404, body: { message: 'Function not found' } };
      case 'v1-get-a-function-body': {
        if (!fn) return { status: 404, body: { message: 'Function not found' } };
        const multipart = (req.headers.accept ?? '').includes('multipart/form-data');
        let out: Out;
        if (multipart && !self.refuseMultipart && !fn.eszip) {
          const form = buildMultipart([
            {
              name: 'metadata',
              data: Buffer.from(
                JSON.stringify({
                  entrypoint_path: fn.entrypoint_path,
                  import_map_path: fn.import_map_path ?? null,
                  name: fn.name,
                }),
              ),
              contentType: 'application/json',
            },
            ...Object.entries(fn.files).map(([filename, data]) => ({
              name: 'file',
              filename,
              data,
            })),
          ]);
          out = { status: 200, raw: { data: form.data, type: form.contentType } };
        } else if (multipart) {
          return { status: 406 as number, body: { message: 'multipart not available' } };
        } else {
          const eszip =
            fn.eszip ?? Buffer.concat([Buffer.from('ESZIP2.3'), ...Object.values(fn.files)]);
          out = { status: 200, raw: { data: eszip, type: 'application/octet-stream' } };
        }
        setImmediate(() => self.afterBody?.(p, fn.slug));
        return out;
      }
      case 'v1-deploy-a-function': {
        const boundary = boundaryOf(req.headers['content-type'] ?? null);
        if (!boundary) throw new InvalidRequest(415, 'deploy takes multipart/form-data');
        const parts = parseMultipart(raw, boundary);
        const m = parts.find((x) => x.name === 'metadata');
        if (!m) throw new InvalidRequest(400, 'deploy needs a metadata field');
        const metadata = JSON.parse(m.data.toString('utf8')) as Record<string, unknown>;
        api.checkSchema(
          '#/components/schemas/FunctionDeployBody/properties/metadata',
          metadata,
          'the deploy metadata',
        );
        const files = parts.filter((x) => x.name === 'file' && x.filename !== undefined);
        const slug = String(op.query.slug);
        const made = deploy(p, {
          slug,
          name: String(metadata.name ?? slug),
          verify_jwt: metadata.verify_jwt !== false,
          entrypoint_path: String(metadata.entrypoint_path),
          ...(typeof metadata.import_map_path === 'string' && {
            import_map_path: metadata.import_map_path,
          }),
          files: Object.fromEntries(files.map((f) => [f.filename!, f.data])),
        });
        return { status: 201, body: meta(made) };
      }
      case 'v1-create-a-function':
      case 'v1-update-a-function': {
        if (!(req.headers['content-type'] ?? '').startsWith('application/vnd.denoland.eszip'))
          throw new InvalidRequest(415, 'this emulation takes functions as eszip bundles here');
        if (!raw.subarray(0, 5).equals(Buffer.from('ESZIP')))
          throw new InvalidRequest(400, 'the body is not an eszip bundle');
        const slug = String(op.params.function_slug ?? op.query.slug);
        if ((op.operationId === 'v1-create-a-function') === p.functions.has(slug))
          return {
            status: 400,
            body: { message: `function ${slug} ${fn ? 'exists' : 'does not exist'}` },
          };
        const made = deploy(p, {
          slug,
          name: String(op.query.name ?? slug),
          verify_jwt: op.query.verify_jwt !== false,
          entrypoint_path: String(op.query.entrypoint_path ?? 'index.ts'),
          files: {},
        });
        made.eszip = Buffer.from(raw);
        return { status: op.operationId === 'v1-create-a-function' ? 201 : 200, body: meta(made) };
      }
      default: {
        const out = serveSettings(op, p);
        if (out) return out;
        violations.push(`${op.operationId}: valid, but this emulation does not serve it`);
        return { status: 500, body: { message: 'Not Implemented' } };
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, self: ManagementApi) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (throttle.n > 0) {
      throttle.n--;
      return send(
        429,
        { message: 'Too many requests' },
        {
          'retry-after': String(throttle.after),
          'x-ratelimit-limit': '60',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(throttle.after),
        },
      );
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const refs = token !== undefined ? options.tokens[token] : undefined;
    if (!refs) return send(401, { message: 'Unauthorized' });
    let op: MatchedOperation;
    try {
      op = api.match(
        req.method ?? 'GET',
        url,
        raw.toString('latin1'),
        req.headers['content-type'] ?? '',
      );
      if (!refs.includes(String(op.params.ref)))
        return send(403, {
          message: 'Your account does not have the necessary privileges to access this endpoint',
        });
      const out = serve(op, req, raw, self);
      if (out.raw) {
        res.writeHead(out.status, {
          'content-type': out.raw.type,
          'content-length': String(out.raw.data.length),
        });
        return res.end(out.raw.data);
      }
      if (out.status < 400)
        for (const p of api.responseProblems(op, out.status, out.body))
          violations.push(`response of ${op.operationId} (${out.status}): ${p}`);
      send(out.status, out.body);
    } catch (err) {
      const status = err instanceof InvalidRequest ? err.status : 400;
      violations.push(`${req.method} ${url.pathname}${url.search}: ${(err as Error).message}`);
      return send(status, { message: (err as Error).message });
    }
  };

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const self: ManagementApi = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    projects,
    requests,
    violations,
    refuseMultipart: false,
    throttleNext: (n, after = 1) => {
      throttle = { n, after };
    },
    deploy,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  server.on('request', (req, res) => {
    handle(req, res, self).catch((err: unknown) => {
      violations.push(`emulation error: ${String(err)}`);
      res.writeHead(500);
      res.end();
    });
  });
  return self;
}
