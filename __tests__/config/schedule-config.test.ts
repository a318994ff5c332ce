/** The `schedule` config key: validated at its YAML line, inherited from defaults. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, type ConfigIssue } from '../../src/errors.js';

function issues(text: string): ConfigIssue[] {
  try {
    parseConfig(text, 'cfg.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('schedule', () => {
  it('is inherited from defaults, overridden per project, and null turns it off', () => {
    const config = parseConfig(
      `version: 1
defaults:
  schedule: "0  3 * * *"
projects:
  - { name: a, db_url_secret: A }
  - { name: b, db_url_secret: B, schedule: "30 4 * * MON" }
  - { name: c, db_url_secret: C, schedule: null }
`,
      'cfg.yaml',
    );
    expect(config.projects.map((p) => p.schedule)).toEqual([
      '0 3 * * *',
      '30 4 * * MON',
      undefined,
    ]);
  });

  it('reports a bad expression at its line and column, saying what is wrong and what is allowed', () => {
    const found = issues(`version: 1
projects:
  - name: prod
    db_url_secret: PROD_DB_URL
    schedule: "0 25 * * *"
`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 5, column: 15, path: 'projects[0].schedule' });
    expect(found[0]!.message).toBe(
      'invalid schedule "0 25 * * *" (25 is out of range for the hour field (0-23)); write five ' +
        'fields in UTC, "minute hour day-of-month month day-of-week", e.g. "0 3 * * *" (every ' +
        'day at 03:00 UTC) or "30 4 * * MON"; each field is *, a number, a range a-b, a step ' +
        '*/n or a-b/n, or a comma list',
    );
  });

  it.each([
    [
      'schedule: 3',
      'schedule must be a quoted cron expression such as "0 3 * * *", got the number 3',
    ],
    [
      'schedule: "@daily"',
      '"@daily" is not supported (GitHub does not read it); write "0 0 * * *"',
    ],
    ['schedule: "0 0 31 2 *"', 'it never fires'],
    ['schedule: "0 3 * *"', 'it has 4 fields, not 5'],
    ['schedul: "0 3 * * *"', 'unknown key "schedul"; did you mean "schedule"?'],
  ])('in defaults, %s', (line, message) => {
    const found = issues(`version: 1
defaults:
  ${line}
projects:
  - { name: a, db_url_secret: A }
`);
    expect(found).toHaveLength(1);
    expect(found[0]!.line).toBe(3);
    expect(found[0]!.message).toContain(message);
  });
});
