/** validate: load and check the config, and describe what it will back up. Needs no secrets. */
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../config/types.js';

export async function validate(file: string): Promise<{ config: Config; summary: string[] }> {
  const config = await loadConfigFile(file);
  const summary = config.projects.map(
    (p) =>
      `${p.name}: ${p.parts.join(', ')} via ${p.engine}, ${p.compression ?? 'zstd (default)'}, connection from $${p.db_url_secret}` +
      (p.schemas ? `, schemas ${p.schemas.join(', ')}` : '') +
      (p.exclude_tables.length ? `, without data of ${p.exclude_tables.join(', ')}` : ''),
  );
  return { config, summary };
}
