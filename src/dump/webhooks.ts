/**
 * Database webhooks: triggers that call `supabase_functions.http_request(url, method, headers,
 * params, timeout)`. They are triggers on the user's own tables, so schema.sql has them (every
 * new project has the function since 2024); `supabase_functions.hooks`, their request log, is in
 * data.sql. What a restore cannot know is where they point: a webhook calling the source
 * project's Edge Functions (`https://<ref>.supabase.co/functions/v1/...`, with that project's
 * key in its headers) keeps calling the source. Only the hosts are read, never paths or headers.
 */

export interface Webhook {
  /** schema.table: trigger */
  name: string;
  /** The host of the URL it calls ('' when the URL is not http(s)). */
  host: string;
}

export const WEBHOOKS_SQL = `
select coalesce(json_agg(json_build_object(
  'name', format('%I.%I: %s', n.nspname, c.relname, t.tgname),
  'host', coalesce(substring(split_part(encode(t.tgargs, 'escape'), '\\000', 1)
                             from '^[A-Za-z]+://(?:[^/@?#]*@)?([^/:?#]+)'), '')
) order by n.nspname, c.relname, t.tgname), '[]')
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_proc f on f.oid = t.tgfoid
join pg_namespace fn on fn.oid = f.pronamespace
where not t.tgisinternal and fn.nspname = 'supabase_functions' and f.proname = 'http_request'`;

/** The distinct hosts, Supabase project hosts first (those are the ones to change). */
export function webhookHosts(hooks: Webhook[]): string[] {
  const hosts = [...new Set(hooks.map((h) => h.host).filter((h) => h !== ''))];
  const isProject = (h: string) => /\.supabase\.(co|in)$/i.test(h);
  return hosts.sort((a, b) => Number(isProject(b)) - Number(isProject(a)) || a.localeCompare(b));
}
