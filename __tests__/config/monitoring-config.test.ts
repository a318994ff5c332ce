/** `max_age` and `alerts.heartbeat_url_secret` in the config: parsed, merged, refused when wrong. */
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { parseConfig } from '../../src/config/load.js';

const load = (text: string) => parseConfig(`version: 1\n${text}`, 'backups.config.yaml');

describe('max_age', () => {
  it('is a duration as keep_within is; a project overrides defaults; left out it stays unset', () => {
    const c = load(`defaults:
  max_age: 2d
projects:
  - { name: a, db_url_secret: A }
  - { name: b, db_url_secret: B, max_age: 1w12h }
`);
    expect(c.projects[0]!.max_age).toEqual({ years: 0, months: 0, days: 2, hours: 0 });
    expect(c.projects[1]!.max_age).toEqual({ years: 0, months: 0, days: 7, hours: 12 });
    expect(load('projects:\n  - { name: a, db_url_secret: A }\n').projects[0]!.max_age).toBe(
      undefined,
    );
  });

  it('refuses a bad duration and a zero one at their line', () => {
    expect(() => load('projects:\n  - { name: a, db_url_secret: A, max_age: 26 hours }\n')).toThrow(
      /backups\.config\.yaml:3:\d+: projects\[0\]\.max_age: invalid max_age "26 hours" \(it contains spaces\)/,
    );
    expect(() => load('projects:\n  - { name: a, db_url_secret: A, max_age: 0h }\n')).toThrow(
      /max_age must be longer than 0/,
    );
    expect(() => load('projects:\n  - { name: a, db_url_secret: A, max_age: 26 }\n')).toThrow(
      /max_age/,
    );
  });
});

describe('alerts.heartbeat_url_secret', () => {
  it('is merged beside webhook_url_secret', () => {
    const c = load(`defaults:
  alerts: { issues: true, heartbeat_url_secret: HC_URL }
projects:
  - { name: a, db_url_secret: A }
`);
    expect(c.projects[0]!.alerts).toEqual({ issues: true, heartbeat_url_secret: 'HC_URL' });
  });

  it('a ping URL written in place of the variable name is refused without quoting it', () => {
    const url = 'https://hc-ping.com/pingkeysecretpart';
    let message = '';
    try {
      load(
        `projects:\n  - name: a\n    db_url_secret: A\n    alerts: { heartbeat_url_secret: '${url}' }\n`,
      );
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/heartbeat_url_secret must NAME an environment variable/);
    expect(message).not.toContain('pingkeysecretpart');
  });

  it('both keys are in the JSON schema for editors', () => {
    const text = JSON.stringify(configJsonSchema());
    expect(text).toContain('heartbeat_url_secret');
    expect(text).toContain('max_age');
  });
});
