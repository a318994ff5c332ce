/**
 * What a config change does, project by project (pure): which projects a pull request adds,
 * removes or changes, and each changed setting as before -> after, in words.
 */
import { formatDuration as formatCalendar } from '../config/duration.js';
import type { Config, ProjectConfig, RetentionPolicy } from '../config/types.js';
import { KEEP_RULES } from '../config/types.js';
import { describeCron } from '../schedule/describe.js';

export type ProjectStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface SettingChange {
  /** The config key, e.g. "schedule". */
  key: string;
  from: string;
  to: string;
}

export interface ProjectDiff {
  name: string;
  status: ProjectStatus;
  /** The head's project (the base's when removed). */
  project: ProjectConfig;
  /** Empty unless changed. */
  changes: SettingChange[];
}

/** Head projects in config order, then the removed ones in base order. */
export function diffConfigs(base: Config | null, head: Config): ProjectDiff[] {
  const before = new Map((base?.projects ?? []).map((p) => [p.name, p]));
  const after = new Set(head.projects.map((p) => p.name));
  const out: ProjectDiff[] = head.projects.map((project) => {
    const old = before.get(project.name);
    if (!old) return { name: project.name, status: 'added', project, changes: [] };
    const changes = settingChanges(old, project);
    return {
      name: project.name,
      status: changes.length > 0 ? 'changed' : 'unchanged',
      project,
      changes,
    };
  });
  for (const [name, project] of before) {
    if (!after.has(name)) out.push({ name, status: 'removed', project, changes: [] });
  }
  return out;
}

/** Every key either side has, in the head's key order, compared by value after defaults. */
function settingChanges(old: ProjectConfig, head: ProjectConfig): SettingChange[] {
  const keys = [...new Set([...Object.keys(head), ...Object.keys(old)])] as (keyof ProjectConfig)[];
  const changes: SettingChange[] = [];
  for (const key of keys) {
    if (key === 'name') continue;
    const from = describeSetting(key, old);
    const to = describeSetting(key, head);
    if (from !== to || JSON.stringify(old[key]) !== JSON.stringify(head[key])) {
      changes.push({ key, from, to });
    }
  }
  return changes;
}

const list = (v: readonly string[]) => (v.length === 0 ? 'none' : v.join(', '));

export function describeRetention(policy: RetentionPolicy | undefined): string {
  if (!policy) return 'keep every set';
  const rules = KEEP_RULES.filter((k) => (policy[k] ?? 0) > 0).map((k) => `${k} ${policy[k]}`);
  if (policy.keep_within) rules.push(`keep_within ${formatCalendar(policy.keep_within)}`);
  return rules.join(', ');
}

export function describeSchedule(schedule: string | undefined): string {
  return schedule === undefined ? 'every run' : `${describeCron(schedule)} (\`${schedule}\`)`;
}

/** A key's value in words; keys this module does not know are shown as JSON. */
export function describeSetting(key: string, p: ProjectConfig): string {
  switch (key) {
    case 'schedule':
      return describeSchedule(p.schedule);
    case 'parts':
    case 'destinations':
    case 'exclude_tables':
      return list(p[key]);
    case 'schemas':
      return p.schemas ? list(p.schemas) : 'all user schemas';
    case 'compression':
      return p.compression ?? 'zstd (default)';
    case 'retention':
      return describeRetention(p.retention);
    case 'encryption': {
      const e = p.encryption;
      if (!e) return 'none';
      if (e.recipients_secret) return `age, recipients from \`$${e.recipients_secret}\``;
      const keys = (e.recipients ?? []).map((r) => `\`${r.slice(0, 12)}…\``);
      return `age, ${keys.length} recipient(s): ${keys.join(', ')}`;
    }
    case 'repository':
      return p.repository ?? 'this repository';
    case 'artifact_retention_days':
      return p.artifact_retention_days === undefined
        ? "the repository's setting"
        : `${p.artifact_retention_days} days`;
    case 'alerts': {
      const a = p.alerts;
      const how = [
        ...(a?.issues ? ['a GitHub issue'] : []),
        ...(a?.webhook_url_secret ? [`webhook from \`$${a.webhook_url_secret}\``] : []),
        ...(a?.heartbeat_url_secret ? [`heartbeats to \`$${a.heartbeat_url_secret}\``] : []),
      ];
      return how.length > 0 ? how.join(' and ') : 'none';
    }
    case 'max_age':
      return p.max_age ? formatCalendar(p.max_age) : "twice the schedule's longest gap";
    case 'drill':
      return p.drill ? 'restore drill after every backup' : 'no drill';
    case 'db_url_secret':
      return `\`$${p.db_url_secret}\``;
    default: {
      const value = (p as unknown as Record<string, unknown>)[key];
      if (value === undefined) return '(not set)';
      return typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
}
