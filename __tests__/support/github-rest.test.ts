/** The REST emulation refuses what GitHub's OpenAPI description does not allow. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGitHubRest, type GitHubRest } from './github-rest.js';

let api: GitHubRest;
beforeAll(async () => {
  api = await startGitHubRest({ repository: 'acme/app', token: 't0k' });
});
afterAll(() => api.close());

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: 'token t0k', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.status);

it.each([
  ['GET', '/repos/acme/app/issuez', undefined, 404, /no operation has the path/],
  ['PUT', '/repos/acme/app/issues', undefined, 405, /PUT is not an operation/],
  ['GET', '/repos/acme/app/issues?state=opened', undefined, 422, /query parameter state=opened/],
  ['GET', '/repos/acme/app/issues?color=red', undefined, 400, /no query parameter color/],
  [
    'POST',
    '/repos/acme/app/issues',
    { body: 'no title' },
    422,
    /must have required property 'title'/,
  ],
  ['POST', '/repos/acme/app/issues', { title: 't', labels: 'x' }, 422, /\/labels must be array/],
  ['POST', '/repos/acme/app/issues/abc/comments', { body: 'x' }, 422, /issue_number=abc/],
  ['PATCH', '/repos/acme/app/issues/1', { state: 'done' }, 422, /\/state must be equal to one of/],
])('%s %s is refused', async (method, path, body, status, why) => {
  const before = api.violations.length;
  expect(await call(method, path, body)).toBe(status);
  expect(api.violations.slice(before)).toEqual([expect.stringMatching(why)]);
});

it('a valid request is served and leaves no violation', async () => {
  const before = api.violations.length;
  expect(await call('POST', '/repos/acme/app/issues', { title: 'ok', labels: ['a'] })).toBe(201);
  expect(await call('GET', '/repos/acme/app/issues?labels=a&state=open&per_page=100')).toBe(200);
  expect(api.violations.slice(before)).toEqual([]);
});
