/**
 * What a Management API part needs of a project: the ref (from `ref:` or read from the
 * connection URL) and a client with the token from the variable `access_token_secret` names.
 */
import { DEFAULT_API_URL } from '../config/management-schema.js';
import { parseConnectionUrl } from '../config/secrets.js';
import type { ProjectConfig } from '../config/types.js';
import { SecretError } from '../errors.js';
import { ManagementClient, type ClientLogger } from './client.js';

const REF = /^[a-z]{20}$/;

/** The ref in a Supabase connection URL: pooler user `postgres.<ref>` or host `db.<ref>.supabase.co`. */
export function refFromConnectionUrl(url: string): string | undefined {
  let conn;
  try {
    conn = parseConnectionUrl(url, 'the connection URL');
  } catch {
    return undefined;
  }
  const user = /^[a-z_]+\.([a-z]{20})$/.exec(conn.user)?.[1];
  const host = /^db\.([a-z]{20})\.supabase\.(?:co|com|red)$/i.exec(conn.host)?.[1]?.toLowerCase();
  return user ?? host;
}

/** `ref:`, else the ref in the connection URL; SecretError saying how to set it otherwise. */
function projectRef(project: ProjectConfig, env: Record<string, string | undefined>): string {
  if (project.ref) return project.ref;
  const url = env[project.db_url_secret];
  const found = url ? refFromConnectionUrl(url) : undefined;
  if (found && REF.test(found)) return found;
  throw new SecretError(
    `${project.name}: the Management API needs the project ref, and ${project.db_url_secret} ` +
      `${url ? 'holds no Supabase host or pooler user to read it from' : 'is not set'}; add ` +
      '`ref: <20 lowercase letters>` to the project (the ref is in the dashboard URL)',
  );
}

export interface ManagementAccess {
  ref: string;
  client: ManagementClient;
  /** The token, for the caller's log masking. */
  token: string;
}

export function managementAccess(
  project: ProjectConfig,
  env: Record<string, string | undefined>,
  logger: ClientLogger,
  options: { signal?: AbortSignal; ref?: string; sleep?: (ms: number) => Promise<void> } = {},
): ManagementAccess {
  const name = project.access_token_secret;
  if (!name)
    throw new SecretError(
      `${project.name}: the functions and settings parts need access_token_secret (the NAME of the variable holding a Supabase access token); see docs/management-api.md`,
    );
  const token = env[name]?.trim();
  if (!token)
    throw new SecretError(
      `${project.name}: access_token_secret names ${name}, which is ${env[name] === undefined ? 'not set' : 'empty'}; pass it to the step:\n  env:\n    ${name}: \${{ secrets.${name} }}`,
    );
  const ref = options.ref ?? projectRef(project, env);
  const client = new ManagementClient({
    baseUrl: (project.api_url ?? DEFAULT_API_URL).replace(/\/+$/, ''),
    token,
    tokenSource: `${name} (access_token_secret)`,
    logger,
    signal: options.signal,
    ...(options.sleep && { sleep: options.sleep }),
  });
  return { ref, client, token };
}
