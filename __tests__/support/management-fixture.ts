/**
 * Supabase-shaped projects for the emulated Management API: realistic Edge Functions (several
 * files, an import map, a shared folder, a binary asset) and settings built from the response
 * schemas of the published description (every required field present), with secret values
 * a test can look for in logs and files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SPEC_FILE = fileURLToPath(
  new URL('../fixtures/supabase-management-api-v1.json', import.meta.url),
);

interface Schema {
  type?: string;
  enum?: unknown[];
  nullable?: boolean;
  format?: string;
  minimum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}

let schemas: Record<string, Schema> | undefined;
function schemaNamed(name: string): Schema {
  schemas ??= (
    JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as {
      components: { schemas: Record<string, Schema> };
    }
  ).components.schemas;
  const s = schemas[name];
  if (!s) throw new Error(`no schema ${name} in the description`);
  return s;
}

/** A value every required field of the schema is present in (null where nullable). */
export function sampleOf(schema: Schema | string): unknown {
  const s = typeof schema === 'string' ? schemaNamed(schema) : schema;
  if (s.$ref) return sampleOf(s.$ref.split('/').pop()!);
  const alt = s.oneOf?.[0] ?? s.anyOf?.[0] ?? s.allOf?.[0];
  if (alt) return sampleOf(alt);
  if (s.nullable) return null;
  if (s.enum) return s.enum[0];
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = sampleOf(s.properties?.[k] ?? {});
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return s.minimum ?? 0;
    case 'boolean':
      return false;
    case 'string':
      return s.format === 'date-time'
        ? '2026-12-01T00:00:00Z'
        : s.format === 'email'
          ? 'a@example.com'
          : '';
    default:
      return {};
  }
}

export interface FixtureFunction {
  slug: string;
  name: string;
  verify_jwt: boolean;
  entrypoint_path: string;
  import_map_path?: string;
  /** File name (as the body endpoint names it) -> bytes. */
  files: Record<string, Buffer>;
}

/** Secret values placed in the project's settings: none may reach a log or a plain set. */
export const SETTING_SECRETS = {
  jwt_secret: 'jwt-secret-Vq7pL2xK9mN4rT8wY3zA6bC1dE5fG0hJ',
  smtp_pass: 'smtp-pass-Hn3Jk8Lm2Pq7Rs4Tv9Wx',
  external_google_secret: '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6',
  hook_custom_access_token_secrets: 'v1,whsec_hook-secret-Ab3Cd4Ef5Gh6Ij7Kl8',
  sms_twilio_auth_token: 'twilio-auth-token-Mn9Op8Qr7St6',
};
/** Function secrets (values only the emulation knows; the API lists digests). */
export const FUNCTION_SECRETS = {
  STRIPE_KEY: 'sk_live_function-secret-Uv5Wx4Yz3',
  OPENAI_KEY: 'sk-proj-fn-secret-Ab12Cd34',
};

const text = (s: string) => Buffer.from(s);

export function sampleFunctions(): FixtureFunction[] {
  return [
    {
      slug: 'hello-world',
      name: 'hello-world',
      verify_jwt: true,
      entrypoint_path: 'source/index.ts',
      import_map_path: 'source/import_map.json',
      files: {
        'source/index.ts': text(
          "import { corsHeaders } from '../_shared/cors.ts';\nimport { greet } from './greet.ts';\n\nDeno.serve((req) => new Response(greet(req), { headers: corsHeaders }));\n",
        ),
        'source/greet.ts': text('export const greet = (_: Request) => "héllo, wörld ✓";\r\n'),
        'source/import_map.json': text(
          '{\n  "imports": { "std/": "https://deno.land/std@0.224.0/" }\n}\n',
        ),
        '_shared/cors.ts': text(
          "export const corsHeaders = {\n  'Access-Control-Allow-Origin': '*',\n  'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type',\n};\n",
        ),
      },
    },
    {
      slug: 'stripe_webhook',
      name: 'Stripe webhook',
      verify_jwt: false,
      entrypoint_path: 'source/index.ts',
      files: {
        'source/index.ts': text(
          "import { corsHeaders } from '../_shared/cors.ts';\nconst key = Deno.env.get('STRIPE_KEY');\nDeno.serve(() => new Response(key ? 'ok' : 'no key', { headers: corsHeaders }));\n",
        ),
        '_shared/cors.ts': text(
          "export const corsHeaders = { 'Access-Control-Allow-Origin': '*' };\n",
        ),
        // Bytes that are not UTF-8 must come back unchanged.
        'source/assets/logo.bin': Buffer.from([
          0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x2d, 0x2d,
        ]),
      },
    },
  ];
}

/** Settings sections as the API answers them, for a project `ref`. */
export function sampleSettings(withHostname: boolean): Record<string, unknown> {
  const auth = sampleOf('AuthConfigResponse') as Record<string, unknown>;
  Object.assign(auth, {
    site_url: 'https://app.example.com',
    uri_allow_list: 'https://app.example.com/**',
    jwt_exp: 3600,
    smtp_host: 'smtp.example.com',
    smtp_port: '587',
    smtp_user: 'mailer',
    smtp_pass: SETTING_SECRETS.smtp_pass,
    smtp_admin_email: 'noreply@example.com',
    external_google_enabled: true,
    external_google_client_id: '1234-abcd.apps.googleusercontent.com',
    external_google_secret: SETTING_SECRETS.external_google_secret,
    hook_custom_access_token_enabled: true,
    hook_custom_access_token_uri: 'pg-functions://postgres/public/custom_access_token_hook',
    hook_custom_access_token_secrets: SETTING_SECRETS.hook_custom_access_token_secrets,
    sms_twilio_auth_token: SETTING_SECRETS.sms_twilio_auth_token,
    rate_limit_email_sent: 30,
    mailer_templates_confirmation_content:
      '<h2>Confirm your signup</h2><a href="{{ .ConfirmationURL }}">Confirm</a>',
  });
  const postgrest = {
    db_schema: 'public,graphql_public,api',
    max_rows: 500,
    db_extra_search_path: 'public,extensions',
    db_pool: null,
    jwt_secret: SETTING_SECRETS.jwt_secret,
  };
  const storage = sampleOf('StorageConfigResponse') as Record<string, unknown>;
  storage.fileSizeLimit = 52428800;
  const realtime = sampleOf('RealtimeConfigResponse') as Record<string, unknown>;
  realtime.max_concurrent_users = 500;
  const pooler = [
    {
      ...(sampleOf('SupavisorConfigResponse') as Record<string, unknown>),
      database_type: 'PRIMARY',
      default_pool_size: 15,
      pool_mode: 'transaction',
    },
  ];
  const network = {
    ...(sampleOf('NetworkRestrictionsResponse') as Record<string, unknown>),
    config: { dbAllowedCidrs: ['10.0.0.0/8', '203.0.113.7/32'], dbAllowedCidrsV6: [] },
  };
  const ssl = { currentConfig: { database: true }, appliedSuccessfully: true };
  const hostname = withHostname
    ? {
        ...(sampleOf('UpdateCustomHostnameResponse') as Record<string, unknown>),
        status: '5_services_reconfigured',
        custom_hostname: 'api.example.com',
      }
    : undefined;
  return {
    auth,
    postgrest,
    storage,
    realtime,
    pooler,
    network_restrictions: network,
    ssl_enforcement: ssl,
    ...(hostname && { custom_hostname: hostname }),
  };
}
