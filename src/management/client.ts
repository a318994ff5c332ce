/**
 * A small typed client of the Supabase Management API (docs/management-api.md): bearer token,
 * JSON in and out, and the back-off the API's rate limit (about 60 requests a minute per user,
 * answered with 429) asks for. A 429 is never a failure by itself: the client waits as the
 * answer says (Retry-After, X-RateLimit-Reset) and carries on, up to `maxWaitMs` in all.
 * The token never appears in an error, a log line or anything returned.
 */
import { ConnectionError } from '../errors.js';
import { abortableSleep } from '../retry.js';

export interface ClientLogger {
  info(message: string): void;
  warning(message: string): void;
}

export interface ManagementClientOptions {
  /** e.g. https://api.supabase.com (no trailing slash). */
  baseUrl: string;
  token: string;
  /** Says where the token came from in messages: "SUPABASE_ACCESS_TOKEN (access_token_secret)". */
  tokenSource: string;
  logger: ClientLogger;
  fetch?: typeof fetch;
  /** Injectable for tests; default setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Total time the client may spend waiting out 429s before it gives up (default 15 min). */
  maxWaitMs?: number;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface RequestOptions {
  accept?: string;
  /** Sent as application/json. */
  json?: unknown;
  /** A prepared body with its content type (multipart uploads). */
  raw?: { data: Buffer; contentType: string };
  /** Statuses returned to the caller instead of thrown (e.g. 406 when a form is refused). */
  allow?: number[];
}

/** A refusal or failure of the Management API; the message says what to do. */
class ManagementApiError extends ConnectionError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const RETRIED = new Set([429, 502, 503, 504]);
const MAX_TRANSIENT = 4;

const defaultSleep = abortableSleep;

/** How long a 429 asks to wait: Retry-After (seconds), else X-RateLimit-Reset, else doubling. */
export function backoffMs(headers: Headers, attempt: number, nowMs: number): number {
  const retryAfter = Number(headers.get('retry-after'));
  if (headers.has('retry-after') && Number.isFinite(retryAfter) && retryAfter >= 0)
    return Math.min(retryAfter * 1000, 120_000);
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.has('x-ratelimit-reset') && Number.isFinite(reset) && reset >= 0) {
    // Either seconds until the window resets or a Unix time: both forms are in use.
    const ms = reset > 1e9 ? reset * 1000 - nowMs : reset * 1000;
    return Math.min(Math.max(ms, 250), 120_000);
  }
  return Math.min(1000 * 2 ** attempt, 60_000);
}

export class ManagementClient {
  /** Requests sent, 429s received and time spent waiting: shown in the log and tests. */
  readonly stats = { requests: 0, throttled: 0, waitedMs: 0 };
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Set when an answer said the window is used up: the next request waits this long first. */
  private pause = 0;

  constructor(private readonly o: ManagementClientOptions) {
    this.fetch = o.fetch ?? globalThis.fetch;
    this.sleep = o.sleep ?? defaultSleep;
  }

  async getJson<T>(path: string): Promise<T> {
    return parseJson<T>(await this.request('GET', path), path);
  }

  async sendJson<T>(method: 'PATCH' | 'PUT' | 'POST', path: string, json: unknown): Promise<T> {
    const res = await this.request(method, path, { json });
    return (res.body.length === 0 ? undefined : parseJson<T>(res, path)) as T;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = this.o.baseUrl + path;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.o.token}`,
      accept: options.accept ?? 'application/json',
    };
    let body: Uint8Array<ArrayBuffer> | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = new Uint8Array(Buffer.from(JSON.stringify(options.json)));
    } else if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      body = new Uint8Array(options.raw.data);
    }
    let transient = 0;
    if (this.pause > 0) {
      const ms = this.pause;
      this.pause = 0;
      this.o.logger.info(
        `Management API rate limit window used up: waiting ${Math.ceil(ms / 1000)}s`,
      );
      await this.wait(ms);
    }
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      let res: Response;
      try {
        res = await this.fetch(url, { method, headers, body, signal: this.o.signal });
      } catch (err) {
        if (this.o.signal?.aborted || ++transient > MAX_TRANSIENT) throw this.unreachable(err);
        await this.wait(1000 * 2 ** transient);
        continue;
      }
      const data = Buffer.from(await res.arrayBuffer());
      if (res.ok || options.allow?.includes(res.status)) {
        // The window's last request: wait for the next window now rather than earn a 429.
        if (
          res.headers.get('x-ratelimit-remaining') === '0' &&
          res.headers.has('x-ratelimit-reset')
        )
          this.pause = backoffMs(res.headers, 0, Date.now());
        return { status: res.status, headers: res.headers, body: data };
      }
      if (RETRIED.has(res.status)) {
        const ms = backoffMs(res.headers, attempt, Date.now());
        if (res.status === 429) {
          this.stats.throttled++;
          if (this.stats.waitedMs + ms <= (this.o.maxWaitMs ?? 900_000)) {
            this.o.logger.info(
              `Management API rate limit reached (429): waiting ${Math.ceil(ms / 1000)}s`,
            );
            await this.wait(ms);
            continue;
          }
        } else if (++transient <= MAX_TRANSIENT) {
          await this.wait(ms);
          continue;
        }
      }
      throw this.refused(method, path, res.status, data);
    }
  }

  private async wait(ms: number): Promise<void> {
    this.stats.waitedMs += ms;
    await this.sleep(ms, this.o.signal);
  }

  private unreachable(err: unknown): ManagementApiError {
    const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return new ManagementApiError(
      0,
      `cannot reach the Management API at ${this.o.baseUrl} (${why}); check api_url and the runner's network`,
    );
  }

  private refused(method: string, path: string, status: number, body: Buffer): ManagementApiError {
    const what = `${method} ${path.split('?')[0]} answered ${status}`;
    const said = remoteMessage(body);
    const hint =
      status === 401
        ? `the token in ${this.o.tokenSource} was refused: it is invalid, expired or revoked; create a new access token (Account > Access Tokens) and update the secret`
        : status === 403
          ? `the token in ${this.o.tokenSource} has no access to this project, or lacks a scope it needs; use a token of a member of the project's organization (a project-scoped token needs read access to functions and settings, and write access to restore)`
          : status === 404
            ? 'not found: check the project ref (ref:, or the connection URL it is read from) and api_url'
            : status === 400 || status === 422
              ? 'the API refused what was sent; this version of supabase-backup may not match the API (report it)'
              : status === 429
                ? 'the rate limit did not lift within the time allowed; run again later'
                : 'the Management API failed; run again later';
    return new ManagementApiError(status, `${what}${said ? ` ("${said}")` : ''}: ${hint}`);
  }
}

/** The remote's own message, one short line, if it sent one (never its whole answer). */
function remoteMessage(body: Buffer): string {
  try {
    const m = (JSON.parse(body.toString('utf8')) as { message?: unknown }).message;
    // eslint-disable-next-line no-control-regex -- control characters could forge log lines
    return typeof m === 'string' ? m.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 200) : '';
  } catch {
    return '';
  }
}

function parseJson<T>(res: ApiResponse, path: string): T {
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new ManagementApiError(
      res.status,
      `${path.split('?')[0]}: the Management API answered with something that is not JSON; check api_url`,
    );
  }
}
