/** The pull-request plan: project diffs (table-driven) and their markdown. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { diffConfigs } from '../../src/review/diff.js';
import { renderConfigPlan } from '../../src/review/diff-render.js';

const config = (projects: string, defaults = '') =>
  parseConfig(`version: 1\n${defaults}projects:\n${projects}`, 'backups.config.yaml');
const prod = '  - name: prod\n    db_url_secret: PROD_DB_URL\n';

describe('diffConfigs', () => {
  it.each([
    {
      name: 'no change',
      base: prod,
      head: prod,
      want: [['prod', 'unchanged', []]],
    },
    {
      name: 'a project added',
      base: prod,
      head: prod + '  - name: staging\n    db_url_secret: STAGING_DB_URL\n',
      want: [
        ['prod', 'unchanged', []],
        ['staging', 'added', []],
      ],
    },
    {
      name: 'a project removed',
      base: prod + '  - name: old\n    db_url_secret: OLD_DB_URL\n',
      head: prod,
      want: [
        ['prod', 'unchanged', []],
        ['old', 'removed', []],
      ],
    },
    {
      name: 'schedule added',
      base: prod,
      head: prod + "    schedule: '0 3 * * *'\n",
      want: [
        ['prod', 'changed', [['schedule', 'every run', 'every day at 03:00 UTC (`0 3 * * *`)']]],
      ],
    },
    {
      name: 'parts and destinations changed',
      base: prod,
      head: prod + '    parts: [schema, data]\n    destinations: [artifact, branch]\n',
      want: [
        [
          'prod',
          'changed',
          [
            ['parts', 'roles, schema, data', 'schema, data'],
            ['destinations', 'artifact', 'artifact, branch'],
          ],
        ],
      ],
    },
    {
      name: 'retention replaced',
      base: prod + '    retention: { keep_daily: 7 }\n',
      head: prod + '    retention: { keep_last: 3, keep_within: 2w }\n',
      want: [['prod', 'changed', [['retention', 'keep_daily 7', 'keep_last 3, keep_within 14d']]]],
    },
    {
      name: 'encryption turned on through defaults',
      base: prod,
      head: prod,
      headDefaults: 'defaults:\n  encryption: { recipients_secret: AGE_RECIPIENTS }\n',
      want: [
        ['prod', 'changed', [['encryption', 'none', 'age, recipients from `$AGE_RECIPIENTS`']]],
      ],
    },
    {
      name: 'the secret renamed',
      base: prod,
      head: '  - name: prod\n    db_url_secret: PROD_URL\n',
      want: [['prod', 'changed', [['db_url_secret', '`$PROD_DB_URL`', '`$PROD_URL`']]]],
    },
  ])('$name', ({ base, head, headDefaults, want }) => {
    const diffs = diffConfigs(config(base), config(head, headDefaults));
    expect(
      diffs.map((d) => [d.name, d.status, d.changes.map((c) => [c.key, c.from, c.to])]),
    ).toEqual(want);
  });

  it('no base config: every project is added', () => {
    expect(diffConfigs(null, config(prod)).map((d) => d.status)).toEqual(['added']);
  });
});

describe('renderConfigPlan', () => {
  const base = config(prod + '  - name: old\n    db_url_secret: OLD_DB_URL\n');
  const head = config(
    prod +
      "    schedule: '30 4 * * MON'\n" +
      '  - name: staging\n    db_url_secret: STAGING_DB_URL\n    destinations: [branch]\n',
  );
  const md = renderConfigPlan({
    diffs: diffConfigs(base, head),
    base: 'the base branch (`abc1234`)',
  });

  it('counts and lists every project with its schedule in words', () => {
    expect(md).toContain(
      'Compared with the base branch (`abc1234`): 1 added, 1 removed, 1 changed, 0 unchanged.',
    );
    expect(md).toContain(
      '| **prod** | ✏️ changed | every Monday at 04:30 UTC (`30 4 * * MON`) | roles, schema, data | artifact | keep every set | none |',
    );
    expect(md).toContain(
      '| **staging** | ➕ added | every run | roles, schema, data | branch `supabase-backups` |',
    );
    expect(md).toContain('| ~~old~~ | ➖ removed |');
  });

  it('shows each changed setting as before and after', () => {
    expect(md).toContain('### prod: 1 setting(s) changed');
    expect(md).toContain('| schedule | every run | every Monday at 04:30 UTC (`30 4 * * MON`) |');
  });

  it('says what removing a project does and does not do', () => {
    expect(md).toMatch(/No more backups of \*\*old\*\*\. Their existing sets are not deleted/);
  });

  it('escapes table cells', () => {
    const piped = config(prod + "    schedule: '0 3 * * *'\n");
    piped.projects[0]!.branch = 'a|b';
    piped.projects[0]!.destinations = ['branch'];
    const out = renderConfigPlan({ diffs: diffConfigs(null, piped), base: 'x' });
    expect(out).toContain('branch `a\\|b`');
  });
});

it('alerts in words', () => {
  const diffs = diffConfigs(
    config(prod),
    config(prod + '    alerts: { issues: true, webhook_url_secret: HOOK }\n'),
  );
  expect(diffs[0]!.changes).toEqual([
    { key: 'alerts', from: 'none', to: 'a GitHub issue and webhook from `$HOOK`' },
  ]);
});

it('the drill option in words', () => {
  const diffs = diffConfigs(config(prod), config(prod + '    drill: true\n'));
  expect(diffs[0]!.changes).toEqual([
    { key: 'drill', from: 'no drill', to: 'restore drill after every backup' },
  ]);
});
