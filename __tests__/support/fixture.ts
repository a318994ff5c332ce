/** Supabase-shaped test databases: the platform base and, optionally, typical user content. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUPABASE_BASE_SQL } from '../../src/restore/supabase-base.sql.js';
import type { Cluster } from './pg-cluster.js';

/** Absolute path of __tests__/fixtures. */
export const FIXTURES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures',
);
export const USER_CONTENT_SQL = path.join(FIXTURES_DIR, 'user-content.sql');

/**
 * Creates database `db` on the cluster and loads the Supabase-shaped base the drill uses
 * (src/restore/supabase-base.sql.ts), and user-content.sql when withUserContent.
 */
export async function createSupabaseDb(
  cluster: Cluster,
  db: string,
  options: { withUserContent?: boolean } = {},
): Promise<void> {
  await cluster.createDatabase(db);
  await cluster.psql(SUPABASE_BASE_SQL, db);
  if (options.withUserContent) await cluster.psqlFile(USER_CONTENT_SQL, db);
}
