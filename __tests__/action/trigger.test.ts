/** Which triggers may run which command, on event payloads shaped like the ones GitHub sends. */
import { describe, expect, it } from 'vitest';
import {
  refuseUnsafeTrigger,
  repositoryIsPublic,
  type TriggerContext,
} from '../../src/action/trigger.js';

const BASE = 'octo-org/backups';

function repository(fullName: string, visibility: 'public' | 'private' | 'internal') {
  const [owner, name] = fullName.split('/');
  return {
    id: 123456789,
    node_id: 'R_kgDOHxYz',
    name,
    full_name: fullName,
    private: visibility !== 'public',
    visibility,
    owner: { login: owner, id: 1001, type: 'Organization' },
    html_url: `https://github.com/${fullName}`,
    fork: fullName !== BASE,
    default_branch: 'main',
  };
}

function pullRequest(headRepo: string | null, visibility: 'public' | 'private' = 'public') {
  const head = headRepo === null ? null : repository(headRepo, visibility);
  return {
    action: 'opened',
    number: 42,
    pull_request: {
      url: `https://api.github.com/repos/${BASE}/pulls/42`,
      number: 42,
      state: 'open',
      title: 'Add the staging project to backups.config.yaml',
      user: { login: 'contributor', id: 2002, type: 'User' },
      head: {
        label: `${headRepo?.split('/')[0] ?? 'ghost'}:patch-1`,
        ref: 'patch-1',
        sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
        repo: head,
      },
      base: {
        label: 'octo-org:main',
        ref: 'main',
        sha: '9049f1265b7d61be4a8904a9a27120d2064dab3b',
        repo: repository(BASE, visibility),
      },
      author_association: 'CONTRIBUTOR',
    },
    repository: repository(BASE, visibility),
    sender: { login: 'contributor', id: 2002, type: 'User' },
  };
}

const schedule = {
  schedule: '15 3 * * *',
  repository: repository(BASE, 'private'),
  workflow: '.github/workflows/backup.yml',
};
const dispatch = {
  inputs: { projects: 'prod', parts: 'schema,data', reason: 'before the migration' },
  ref: 'refs/heads/main',
  repository: repository(BASE, 'internal'),
  sender: { login: 'maintainer', id: 3003, type: 'User' },
  workflow: '.github/workflows/backup.yml',
};
const push = {
  ref: 'refs/heads/main',
  before: '9049f1265b7d61be4a8904a9a27120d2064dab3b',
  after: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
  repository: repository(BASE, 'public'),
  pusher: { name: 'maintainer', email: 'maintainer@example.com' },
  commits: [],
};

const ctx = (eventName: string, event: unknown): TriggerContext => ({
  eventName,
  event,
  repository: BASE,
});

describe('refuseUnsafeTrigger', () => {
  it.each([
    ['schedule', schedule],
    ['workflow_dispatch', dispatch],
    ['push', push],
    ['', undefined], // outside GitHub Actions
  ])('lets backup and prune run on %s', (eventName, event) => {
    for (const command of ['backup', 'prune', 'restore'])
      expect(refuseUnsafeTrigger(command, ctx(eventName, event))).toBeNull();
  });

  it('lets backup run on a pull request from a branch of the same repository', () => {
    expect(refuseUnsafeTrigger('backup', ctx('pull_request', pullRequest(BASE)))).toBeNull();
    const differentCase = pullRequest('Octo-Org/Backups');
    expect(refuseUnsafeTrigger('backup', ctx('pull_request', differentCase))).toBeNull();
  });

  it('refuses backup, prune and restore on a pull request from a fork, and says what to do', () => {
    for (const command of ['backup', 'prune', 'restore']) {
      const message = refuseUnsafeTrigger(
        command,
        ctx('pull_request', pullRequest('contributor/backups')),
      );
      expect(message).toContain(`command "${command}" refuses to run on pull_request`);
      expect(message).toContain('the fork contributor/backups into octo-org/backups');
      expect(message).toContain('`command: validate`');
      expect(message).toMatch(/schedule.*workflow_dispatch.*push/);
    }
  });

  it('refuses a pull request whose fork was deleted (head.repo is null)', () => {
    expect(refuseUnsafeTrigger('backup', ctx('pull_request', pullRequest(null)))).toMatch(
      /refuses to run on pull_request from a repository that no longer exists or is unknown/,
    );
  });

  it('refuses review events of fork pull requests too', () => {
    const review = {
      ...pullRequest('contributor/backups'),
      action: 'submitted',
      review: { id: 1, state: 'approved' },
    };
    expect(refuseUnsafeTrigger('backup', ctx('pull_request_review', review))).toMatch(
      /fork contributor\/backups/,
    );
    const comment = {
      ...pullRequest('contributor/backups'),
      action: 'created',
      comment: { id: 2, body: 'lgtm' },
    };
    expect(refuseUnsafeTrigger('prune', ctx('pull_request_review_comment', comment))).toMatch(
      /fork/,
    );
  });

  it('refuses pull_request_target even from the same repository', () => {
    for (const head of [BASE, 'contributor/backups']) {
      const message = refuseUnsafeTrigger('backup', ctx('pull_request_target', pullRequest(head)));
      expect(message).toMatch(/refuses to run on pull_request_target: .*secrets and a write token/);
      expect(message).toContain('`command: validate`');
    }
  });

  it('refuses a pull_request event whose payload is missing', () => {
    const noRepo: TriggerContext = {
      eventName: 'pull_request',
      event: undefined,
      repository: undefined,
    };
    expect(refuseUnsafeTrigger('backup', noRepo)).toMatch(/payload does not say/);
    expect(refuseUnsafeTrigger('backup', ctx('pull_request', undefined))).toMatch(/unknown/);
  });

  it('refuses workflow_run of a fork pull request, allows it for the same repository', () => {
    const workflowRun = (head: string) => ({
      action: 'completed',
      workflow_run: {
        id: 30433642,
        name: 'CI',
        event: 'pull_request',
        head_branch: 'patch-1',
        head_repository: repository(head, 'public'),
        repository: repository(BASE, 'public'),
        conclusion: 'success',
      },
      repository: repository(BASE, 'public'),
    });
    expect(
      refuseUnsafeTrigger('backup', ctx('workflow_run', workflowRun('contributor/backups'))),
    ).toMatch(/workflow_run of a pull_request from the fork contributor\/backups/);
    expect(refuseUnsafeTrigger('backup', ctx('workflow_run', workflowRun(BASE)))).toBeNull();
  });

  it('lets validate run on every trigger, forks and pull_request_target included', () => {
    for (const [eventName, event] of [
      ['pull_request', pullRequest('contributor/backups')],
      ['pull_request', pullRequest(null)],
      ['pull_request_target', pullRequest('contributor/backups')],
      ['schedule', schedule],
    ] as const)
      expect(refuseUnsafeTrigger('validate', ctx(eventName, event))).toBeNull();
  });
});

describe('repositoryIsPublic', () => {
  it('reads the visibility of the repository in the payload', () => {
    expect(repositoryIsPublic(push)).toBe(true);
    expect(repositoryIsPublic(schedule)).toBe(false);
    expect(repositoryIsPublic(dispatch)).toBe(false); // internal: visible to the enterprise only
    expect(repositoryIsPublic(pullRequest('contributor/backups', 'private'))).toBe(false);
  });

  it('falls back to repository.private when there is no visibility (GHES, older payloads)', () => {
    expect(repositoryIsPublic({ repository: { full_name: BASE, private: false } })).toBe(true);
    expect(repositoryIsPublic({ repository: { full_name: BASE, private: true } })).toBe(false);
  });

  it('is undefined when the payload does not say', () => {
    for (const event of [
      undefined,
      null,
      {},
      { repository: null },
      { repository: { full_name: BASE } },
      'text',
    ])
      expect(repositoryIsPublic(event)).toBeUndefined();
  });
});
