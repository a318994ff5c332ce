/** `alerts:` in the config: defaults, overrides, null, and refusing a URL in the secret's place. */
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { parseConfig } from '../../src/config/load.js';

const load = (text: string) => parseConfig(`version: 1\n${text}`, 'backups.config.yaml');

describe('alerts', () => {
  it('defaults apply, a project replaces them whole, null turns them off', () => {
    const c = load(`defaults:
  alerts: { issues: true, webhook_url_secret: HOOK }
projects:
  - { name: a, db_url_secret: A }
  - { name: b, db_url_secret: B, alerts: { webhook_url_secret: OTHER } }
  - { name: c, db_url_secret: C, alerts: null }
`);
    expect(c.projects.map((p) => p.alerts)).toEqual([
      { issues: true, webhook_url_secret: 'HOOK' },
      { issues: false, webhook_url_secret: 'OTHER' },
      undefined,
    ]);
  });

  it('a webhook URL written in place of the variable name is refused without quoting it', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/secretpart';
    expect(() =>
      load(
        `projects:\n  - name: a\n    db_url_secret: A\n    alerts: { webhook_url_secret: '${url}' }\n`,
      ),
    ).toThrow(
      /projects\[0\]\.alerts\.webhook_url_secret: webhook_url_secret must NAME an environment variable/,
    );
    try {
      load(
        `projects:\n  - name: a\n    db_url_secret: A\n    alerts: { webhook_url_secret: '${url}' }\n`,
      );
    } catch (err) {
      expect(String(err)).not.toContain('secretpart');
    }
  });

  it('unknown keys and wrong types are errors at their line', () => {
    expect(() =>
      load('projects:\n  - name: a\n    db_url_secret: A\n    alerts: { issues: yes please }\n'),
    ).toThrow(
      /backups\.config\.yaml:5:\d+: projects\[0\]\.alerts\.issues: alerts\.issues must be true or false/,
    );
    expect(() =>
      load('projects:\n  - name: a\n    db_url_secret: A\n    alerts: { slack: true }\n'),
    ).toThrow(/alerts/);
  });

  it('is in the JSON schema for editors', () => {
    expect(JSON.stringify(configJsonSchema())).toContain('webhook_url_secret');
  });
});
