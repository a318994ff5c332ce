import { it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
it('x', () => {
  const s = configJsonSchema() as any;
  const p = s.properties.projects.items.properties;
  for (const k of ['destinations','branch','repository','artifact_prefix','artifact_retention_days','retention']) console.log(k, JSON.stringify(p[k], null, 1));
});
