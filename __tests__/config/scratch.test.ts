import { test } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
const cases = [
`version: 1
defaults:
  compresion: zstd
  name: x
projects:
  - name: prod
    db_url_secret: PROD_DB_URL
    compression: zst
    engine: pgdump
    parts: [roles, shema, roles]
  - name: Prod!
    db_url_secret: postgres://u:secretpw@h/db
    supabase_cli_version: 3.1
    exclude_tables: [audit]
  - name: prod
    db_url_secret: "1BAD"
    compression:
  - ref: abc
`,
`projects: []
`,
`version: 2
projects:
  - name: a
    name: b
    db_url_secret: A
`,
`version: 1
projects:
  - name: a
   db_url_secret: [
`,
``,
`- a`,
`version: "1"
defaults:
projects: x
`,
];
test("x", () => { for (const c of cases) { try { console.log(JSON.stringify(parseConfig(c, 'b.yaml'))); } catch (e) { console.log((e as Error).message); } console.log('---'); }
});
