/**
 * The coverage list of a set (backup.json `coverage`, the job summary): each surface of a
 * Supabase project and whether the set holds it, so "complete" never overstates what a restore
 * can bring back (docs/management-api.md).
 */
import type { CoverageEntry, PartRecord } from '../catalog/backup-json.js';

const SETTINGS_SURFACES: [section: string, surface: string][] = [
  ['auth', 'auth settings (providers, SMTP, templates, rate limits, hooks)'],
  ['postgrest', 'API settings (exposed schemas, max rows)'],
  ['storage', 'storage settings'],
  ['realtime', 'realtime settings'],
  ['pooler', 'connection pooler settings'],
  ['network_restrictions', 'network restrictions'],
  ['ssl_enforcement', 'SSL enforcement'],
  ['custom_hostname', 'custom domain'],
];

/** Always outside a set: the API does not hand these out (or they are not the project's data). */
const NOT_EXPORTABLE: CoverageEntry[] = [
  {
    surface: 'function secret values',
    state: 'not-exportable',
    note: 'the Management API returns secret names and digests only; set the values again by hand',
  },
  {
    surface: 'API keys and JWT signing keys',
    state: 'not-exportable',
    note: 'a new project has its own keys; clients must be given the new ones',
  },
  {
    surface: 'database password',
    state: 'not-exportable',
    note: 'set on the new project; role passwords in roles.sql are not restored by Supabase',
  },
  {
    surface: 'logs, metrics and platform backups',
    state: 'not-exportable',
    note: 'kept by the platform, not readable as project content',
  },
];

/** `database`: entries about the database's platform-kept objects (dump/db-coverage.ts). */
export function coverageOf(
  records: PartRecord[],
  encrypted: boolean,
  database: CoverageEntry[] = [],
): CoverageEntry[] {
  const has = (part: string) => records.find((r) => r.part === part);
  const out: CoverageEntry[] = [];
  const simple = (part: string, surface: string, backedUp: string, missing: string) =>
    out.push(
      has(part)
        ? { surface, state: 'backed-up', note: backedUp }
        : { surface, state: 'not-configured', note: missing },
    );
  simple('roles', 'database roles', 'roles.sql', `the roles part is not in this set`);
  simple('schema', 'database schema', 'schema.sql', 'the schema part is not in this set');
  simple('data', 'table data', 'data.sql', 'the data part is not in this set');
  simple('storage', 'storage objects', 'storage part', 'add the storage part (docs/storage.md)');
  const functions = has('functions')?.functions;
  if (!functions)
    out.push({
      surface: 'edge functions',
      state: 'not-configured',
      note: 'add the functions part (docs/management-api.md)',
    });
  else {
    const bundles = functions.functions.filter((f) => f.form === 'eszip').length;
    out.push({
      surface: 'edge functions',
      state: bundles > 0 ? 'partial' : 'backed-up',
      note:
        `${functions.functions.length} function(s)` +
        (bundles > 0 ? `; ${bundles} kept only as an eszip bundle (no source files)` : ''),
    });
  }
  const settings = has('settings')?.settings;
  for (const [section, surface] of SETTINGS_SURFACES) {
    const s = settings?.sections.find((x) => x.section === section);
    if (!settings)
      out.push({
        surface,
        state: 'not-configured',
        note: 'add the settings part (docs/management-api.md)',
      });
    else if (!s) out.push({ surface, state: 'not-configured', note: 'the project has none' });
    else if (section === 'custom_hostname')
      out.push({
        surface,
        state: 'partial',
        note: 'recorded; set up again by hand (DNS verification)',
      });
    else if (s.withheld.length > 0)
      out.push({
        surface,
        state: 'partial',
        note: `${s.withheld.length} secret value(s) withheld: the set is not encrypted`,
      });
    else
      out.push({
        surface,
        state: 'backed-up',
        note: encrypted ? 'with secret values (encrypted)' : 'settings part',
      });
  }
  if (settings)
    out.push({
      surface: 'function secret names',
      state: 'backed-up',
      note: `${settings.secrets} name(s) with digests`,
    });
  return [...out, ...database, ...NOT_EXPORTABLE];
}
