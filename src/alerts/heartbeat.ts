/**
 * Heartbeats in the healthchecks.io ping protocol, so that a service outside GitHub notices when
 * backups stop happening at all (a disabled schedule sends nothing, so nothing else can say so).
 * `alerts.heartbeat_url_secret` names a variable holding the project-wide ping URL with its ping
 * key, `https://hc-ping.com/<ping-key>` (or `https://<self-hosted>/ping/<ping-key>`); each project
 * is its own check, addressed by slug = project name, so matrix jobs never race on one check:
 *   <url>/<project>/start?create=1&rid=<uuid>   when the run starts
 *   <url>/<project>?create=1&rid=<uuid>         when its set is stored
 *   <url>/<project>/fail?create=1&rid=<uuid>    on failure, the error (secrets blanked) as body
 * `create=1` makes the check on its first ping (period 1 day, grace 1 hour: set them to the
 * schedule); `rid` pairs start and end so healthchecks measures the run time. The URL is a
 * secret: masked, never in a message. A ping never fails a backup: each try has a 10-second
 * time-out, failed tries are retried (as healthchecks asks), and what still fails is a warning.
 */
import { randomUUID } from 'node:crypto';
import type { ProjectConfig } from '../config/types.js';
import { Redactor, type Logger } from '../log.js';
import { postWithRetries, type RetryOptions } from './http-retry.js';

export type PingKind = 'start' | 'success' | 'fail';

/** healthchecks.io keeps the first 100 kB of a ping body; an error text needs far less. */
const MAX_BODY = 10_000;
const TRY_TIMEOUT_MS = 10_000;

/** The ping URL of one project's check; undefined when `base` is not an http(s) URL. */
export function heartbeatUrl(
  base: string,
  project: string,
  kind: PingKind,
  rid?: string,
): string | undefined {
  let url: URL;
  try {
    url = new URL(base.trim());
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    return undefined;
  }
  const path = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(project)}`;
  url.pathname = kind === 'success' ? path : `${path}/${kind}`;
  url.searchParams.set('create', '1');
  if (rid) url.searchParams.set('rid', rid);
  return url.toString();
}

/** One ping, retried; throws an Error whose message never holds the URL. */
function ping(
  url: string,
  body: string,
  options: RetryOptions & { timeoutMs?: number } = {},
): Promise<void> {
  return postWithRetries(
    'the heartbeat service',
    url,
    { contentType: 'text/plain; charset=utf-8', text: body },
    { ...options, timeoutMs: options.timeoutMs ?? TRY_TIMEOUT_MS },
  );
}

/** Every *_secret variable a project names (db URL, tokens, keys): their values never leave in a ping. */
function secretValues(project: ProjectConfig, env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k.endsWith('_secret') && typeof x === 'string' && env[x]) out.push(env[x]);
      else walk(x);
    }
  };
  walk(project);
  return out;
}

function passwordOf(value: string): string | undefined {
  try {
    const password = new URL(value.trim()).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** `scheme://user:password@` -> `scheme://user:***@`, whatever the variable it came from. */
const scrubUrls = (text: string) =>
  text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');

export interface HeartbeatOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  retry?: RetryOptions & { timeoutMs?: number };
  signal?: AbortSignal | undefined;
}

/** The heartbeats of one run: start for each project, then success or fail. */
export class Heartbeats {
  private readonly urls = new Map<string, string>();
  private readonly rid = randomUUID();
  private readonly redactor = new Redactor();

  constructor(
    projects: readonly ProjectConfig[],
    private readonly options: HeartbeatOptions,
  ) {
    for (const p of projects) {
      const name = p.alerts?.heartbeat_url_secret;
      if (!name) continue;
      const base = options.env[name]?.trim();
      if (!base) {
        options.logger.warning(
          `${p.name}: alerts.heartbeat_url_secret names ${name}, which is not set; no heartbeats sent`,
        );
        continue;
      }
      options.logger.mask(base);
      if (heartbeatUrl(base, p.name, 'start') === undefined) {
        options.logger.warning(
          `${p.name}: ${name} does not hold an http(s) ping URL without query, such as https://hc-ping.com/<ping-key>; no heartbeats sent`,
        );
        continue;
      }
      this.urls.set(p.name, base);
      for (const s of secretValues(p, options.env)) {
        this.redactor.add(s);
        // A connection URL's password alone is a secret too (an error may quote just that).
        const password = passwordOf(s);
        if (password) this.redactor.add(password);
      }
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.urls.keys()].map((p) => this.send(p, 'start', '')));
  }

  /** `failed`: project -> error message; every other project that started succeeded. */
  async finish(succeeded: readonly string[], failed: ReadonlyMap<string, string>): Promise<void> {
    await Promise.all(
      [...this.urls.keys()].map((p) => {
        const error = failed.get(p);
        if (error !== undefined) return this.send(p, 'fail', error);
        return succeeded.includes(p) ? this.send(p, 'success', '') : Promise.resolve();
      }),
    );
  }

  private async send(project: string, kind: PingKind, text: string): Promise<void> {
    const url = heartbeatUrl(this.urls.get(project)!, project, kind, this.rid)!;
    const body = scrubUrls(this.redactor.redact(text)).slice(0, MAX_BODY);
    try {
      await ping(url, body, { ...this.options.retry, signal: this.options.signal });
      this.options.logger.debug(`${project}: heartbeat ${kind} sent`);
    } catch (err) {
      this.options.logger.warning(
        `${project}: the ${kind} heartbeat was not sent (${(err as Error).message}); the backup itself is not affected`,
      );
    }
  }
}
