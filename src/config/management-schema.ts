/**
 * `access_token_secret` and `api_url`: how the `functions` and `settings` parts reach the
 * Supabase Management API (docs/management-api.md). Keys a project and `defaults` share.
 */
import { z } from 'zod';
import { ENV_NAME_RE, describeValue, matching } from './schema-helpers.js';
import type { ProjectConfig } from './types.js';

export const DEFAULT_API_URL = 'https://api.supabase.com';
/** The parts read through the Management API. */
const MANAGEMENT_PARTS = ['functions', 'settings'] as const;

/** A pasted token (`sbp_…`, or anything long and opaque) is refused without being quoted. */
const looksLikeToken = (v: string) => /^sbp_/i.test(v) || /^[A-Za-z0-9_-]{40,}$/.test(v);
const pasted =
  'access_token_secret must NAME an environment variable, not hold the token itself: put the ' +
  'token in a repository secret (e.g. SUPABASE_ACCESS_TOKEN), pass it to the step as env, and ' +
  'write `access_token_secret: SUPABASE_ACCESS_TOKEN` here. If this file was committed with ' +
  'the token, revoke it in the dashboard (Account > Access Tokens).';

export const managementShape = {
  access_token_secret: matching(
    'access_token_secret',
    'an environment variable name',
    ENV_NAME_RE,
    (v) =>
      typeof v === 'string' && (looksLikeToken(v) || v.includes('://'))
        ? pasted
        : 'access_token_secret must be an environment variable name (letters, digits and "_"), ' +
          'e.g. SUPABASE_ACCESS_TOKEN',
  )
    .refine((v) => !looksLikeToken(v), { error: pasted })
    .optional()
    .describe(
      'NAME of the environment variable holding a Supabase personal access token (sbp_…), ' +
        'used by the functions and settings parts (Management API). Never the token itself.',
    ),
  api_url: z
    .string({ error: (iss) => `api_url must be a URL, got ${describeValue(iss.input)}` })
    .regex(/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/, {
      error: (iss) =>
        `invalid api_url ${JSON.stringify(iss.input)}; write an http(s) URL without credentials, query or fragment, e.g. ${DEFAULT_API_URL}`,
    })
    .optional()
    .describe(
      `Base URL of the Supabase Management API (an egress proxy or gateway). Default: ${DEFAULT_API_URL}.`,
    ),
};

/** Projects with the functions or settings part but no access_token_secret: [index, part]. */
export function tokenUnset(projects: readonly ProjectConfig[]): { index: number; part: string }[] {
  return projects.flatMap((p, index) => {
    const part = p.parts.find((x) => (MANAGEMENT_PARTS as readonly string[]).includes(x));
    return part && !p.access_token_secret ? [{ index, part }] : [];
  });
}
