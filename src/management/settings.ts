/**
 * Reading a project's settings through the Management API, section by section, and how each
 * section is applied back (docs/management-api.md). Values that are secrets themselves (the
 * JWT secret, SMTP password, OAuth client secrets, hook secrets, SMS provider keys) are kept
 * only when the set is encrypted; a plain set holds a marker instead and the run warns.
 */
import { createHash } from 'node:crypto';
import type { ManagementClient } from './client.js';

export const SETTINGS_FORMAT = 'supabase-backup-settings';
/** What a plain set holds in place of a secret value. */
export const WITHHELD = '<withheld: secret values are stored only in encrypted sets>';

/** A field whose value is a credential, by the API's naming of them. */
export const SECRET_FIELD = /(^|_)(secret|secrets|pass|auth_token|api_key|api_secret|access_key)$/;

export interface SectionSpec {
  section: string;
  path: string;
  /** How the section is written back; undefined: not restorable through the API. */
  apply?: { method: 'PATCH' | 'PUT' | 'POST'; path: string; body: (value: unknown) => unknown };
  /** Statuses meaning "not configured for this project" (an add-on not enabled). */
  absent?: number[];
  /** An answer meaning the same. */
  isAbsent?: (value: unknown) => boolean;
  note?: string;
}

/** Null means "automatic" or "default" in these answers; it is left out of what is sent. */
const sendable = (v: unknown) => v !== WITHHELD && v !== null;
const pick = (value: unknown, keys: string[]) =>
  Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      ([k, v]) => keys.includes(k) && sendable(v),
    ),
  );
/** Everything but response-only fields and withheld secrets. */
const omit = (value: unknown, keys: string[]) =>
  Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      ([k, v]) => !keys.includes(k) && sendable(v),
    ),
  );

export function sectionSpecs(ref: string): SectionSpec[] {
  const p = `/v1/projects/${ref}`;
  return [
    {
      section: 'auth',
      path: `${p}/config/auth`,
      apply: {
        method: 'PATCH',
        path: `${p}/config/auth`,
        body: (v) => omit(v, ['nimbus_oauth_email_optional', 'saml_allow_encrypted_assertions']),
      },
    },
    {
      section: 'postgrest',
      path: `${p}/postgrest`,
      apply: {
        method: 'PATCH',
        path: `${p}/postgrest`,
        body: (v) => pick(v, ['db_extra_search_path', 'db_schema', 'max_rows', 'db_pool']),
      },
    },
    {
      section: 'storage',
      path: `${p}/config/storage`,
      apply: {
        method: 'PATCH',
        path: `${p}/config/storage`,
        body: (v) => pick(v, ['fileSizeLimit', 'features']),
      },
    },
    {
      section: 'realtime',
      path: `${p}/config/realtime`,
      apply: {
        method: 'PATCH',
        path: `${p}/config/realtime`,
        body: (v) => omit(v, []),
      },
    },
    {
      section: 'pooler',
      path: `${p}/config/database/pooler`,
      apply: {
        method: 'PATCH',
        path: `${p}/config/database/pooler`,
        body: (v) => {
          const primary = (v as { database_type?: string }[]).find(
            (x) => x.database_type === 'PRIMARY',
          );
          return pick(primary ?? {}, ['default_pool_size']);
        },
      },
    },
    {
      section: 'network_restrictions',
      path: `${p}/network-restrictions`,
      apply: {
        method: 'POST',
        path: `${p}/network-restrictions/apply`,
        body: (v) =>
          pick((v as { config?: unknown }).config ?? {}, ['dbAllowedCidrs', 'dbAllowedCidrsV6']),
      },
    },
    {
      section: 'ssl_enforcement',
      path: `${p}/ssl-enforcement`,
      apply: {
        method: 'PUT',
        path: `${p}/ssl-enforcement`,
        body: (v) => ({ requestedConfig: (v as { currentConfig: unknown }).currentConfig }),
      },
    },
    {
      section: 'custom_hostname',
      path: `${p}/custom-hostname`,
      absent: [400, 404],
      isAbsent: (v) => {
        const h = v as { status?: string; custom_hostname?: string };
        return h.status === '1_not_started' && !h.custom_hostname;
      },
      note: 'a custom domain needs DNS records and verification: set it up again by hand (docs/management-api.md)',
    },
  ];
}

export interface SecretName {
  name: string;
  /** What the API returns in place of the value: its SHA-256 digest (null if it sent anything else). */
  digest: string | null;
  updated_at?: string;
}

export interface SettingsDocument {
  format: typeof SETTINGS_FORMAT;
  format_version: 1;
  ref: string;
  /** Section name -> the API's answer (secret values withheld in a plain set). */
  sections: Record<string, unknown>;
  /** Sections the project does not have (e.g. no custom domain). */
  absent: string[];
  secrets: SecretName[];
}

export interface SettingsRead {
  document: SettingsDocument;
  record: { sections: { section: string; sha256: string; withheld: string[] }[]; secrets: number };
  warnings: string[];
}

/** Canonical JSON (keys sorted), so a section's digest does not depend on key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export const sectionDigest = (value: unknown) =>
  createHash('sha256').update(canonicalJson(value)).digest('hex');

/** Replaces every non-empty secret-valued field (at any depth) with WITHHELD; returns their paths. */
export function withholdSecrets(value: unknown, path = ''): { value: unknown; withheld: string[] } {
  if (Array.isArray(value)) {
    const items = value.map((v, i) => withholdSecrets(v, `${path}[${i}]`));
    return { value: items.map((x) => x.value), withheld: items.flatMap((x) => x.withheld) };
  }
  if (!value || typeof value !== 'object') return { value, withheld: [] };
  const out: Record<string, unknown> = {};
  const withheld: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const at = path ? `${path}.${k}` : k;
    if (
      SECRET_FIELD.test(k) &&
      v !== null &&
      v !== '' &&
      (typeof v !== 'object' || Object.keys(v).length)
    ) {
      out[k] = WITHHELD;
      withheld.push(at);
    } else {
      const inner = withholdSecrets(v, at);
      out[k] = inner.value;
      withheld.push(...inner.withheld);
    }
  }
  return { value: out, withheld };
}

export async function readSettings(
  client: ManagementClient,
  ref: string,
  options: { encrypted: boolean },
): Promise<SettingsRead> {
  const sections: Record<string, unknown> = {};
  const absent: string[] = [];
  const record: SettingsRead['record'] = { sections: [], secrets: 0 };
  const warnings: string[] = [];
  for (const spec of sectionSpecs(ref)) {
    const res = await client.request('GET', spec.path, { allow: spec.absent ?? [] });
    if (spec.absent?.includes(res.status)) {
      absent.push(spec.section);
      continue;
    }
    const raw = JSON.parse(res.body.toString('utf8')) as unknown;
    if (spec.isAbsent?.(raw)) {
      absent.push(spec.section);
      continue;
    }
    const { value, withheld } = options.encrypted
      ? { value: raw, withheld: [] }
      : withholdSecrets(raw);
    sections[spec.section] = value;
    record.sections.push({ section: spec.section, sha256: sectionDigest(value), withheld });
    if (withheld.length > 0)
      warnings.push(
        `settings: the set is not encrypted, so ${withheld.length} secret value(s) of ${spec.section} were not stored (${withheld.join(', ')}); configure encryption to keep them, or set them again by hand after a restore`,
      );
  }
  const listed = await client.getJson<{ name: string; value: string; updated_at?: string }[]>(
    `/v1/projects/${ref}/secrets`,
  );
  const secrets = listed
    // Only a digest is kept: should the API ever send a value instead, it is not stored.
    .map((s) => ({
      name: s.name,
      digest: /^[0-9a-f]{64}$/i.test(s.value) ? s.value.toLowerCase() : null,
      ...(s.updated_at && { updated_at: s.updated_at }),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  record.secrets = secrets.length;
  return {
    document: { format: SETTINGS_FORMAT, format_version: 1, ref, sections, absent, secrets },
    record,
    warnings,
  };
}
