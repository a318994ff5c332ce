import { describe, expect, it } from 'vitest';
import { backoffMs, ManagementClient } from '../../src/management/client.js';

const TOKEN = 'sbp_secretsecretsecretsecretsecretsecret00';

/** A fetch answering from a list, recording what was asked. */
function scripted(answers: (() => Response)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });

function client(fetch: typeof globalThis.fetch, waits: number[], maxWaitMs?: number) {
  const lines: string[] = [];
  const c = new ManagementClient({
    baseUrl: 'https://api.example.com',
    token: TOKEN,
    tokenSource: 'SUPABASE_ACCESS_TOKEN (access_token_secret)',
    logger: { info: (m) => lines.push(m), warning: (m) => lines.push(m) },
    fetch,
    sleep: async (ms) => void waits.push(ms),
    ...(maxWaitMs !== undefined && { maxWaitMs }),
  });
  return { c, lines };
}

describe('ManagementClient', () => {
  it('waits as 429 answers say and carries on; sends the token only as a bearer header', async () => {
    const { fetch, calls } = scripted([
      json(429, { message: 'slow down' }, { 'retry-after': '3' }),
      json(429, {}, { 'x-ratelimit-reset': '2' }),
      json(429, {}),
      json(200, [{ slug: 'a' }]),
    ]);
    const waits: number[] = [];
    const { c, lines } = client(fetch, waits);
    expect(await c.getJson('/v1/projects/x/functions')).toEqual([{ slug: 'a' }]);
    expect(waits).toEqual([3000, 2000, 4000]);
    expect(c.stats).toMatchObject({ requests: 4, throttled: 3, waitedMs: 9000 });
    expect(calls[0]!.url).toBe('https://api.example.com/v1/projects/x/functions');
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBe(
      `Bearer ${TOKEN}`,
    );
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('gives up on 429 only past the time allowed, and then says so', async () => {
    const { fetch } = scripted(
      Array.from({ length: 5 }, () => json(429, {}, { 'retry-after': '60' })),
    );
    const { c } = client(fetch, [], 150_000);
    await expect(c.getJson('/v1/projects/x/functions')).rejects.toThrow(
      /answered 429: the rate limit did not lift/,
    );
  });

  it('403 and 401 name the variable, never the token, and quote the remote message on one line', async () => {
    const { fetch } = scripted([json(403, { message: 'no\nprivileges' }), json(401, {})]);
    const { c } = client(fetch, []);
    const e403 = await c.getJson('/v1/projects/x/functions').catch((e: Error) => e);
    expect((e403 as Error).message).toMatch(
      /^GET \/v1\/projects\/x\/functions answered 403 \("no privileges"\): the token in SUPABASE_ACCESS_TOKEN \(access_token_secret\) has no access/,
    );
    const e401 = await c.getJson('/v1/projects/x/functions').catch((e: Error) => e);
    expect((e401 as Error).message).toMatch(/answered 401: the token .* was refused/);
    for (const e of [e403, e401]) expect((e as Error).message).not.toContain(TOKEN);
  });

  it('retries transient 5xx a few times, then fails', async () => {
    const { fetch } = scripted([json(503, {}), json(200, { ok: true })]);
    expect(await client(fetch, []).c.getJson('/p')).toEqual({ ok: true });
    const { fetch: f2 } = scripted(Array.from({ length: 6 }, () => json(502, {})));
    await expect(client(f2, []).c.getJson('/p')).rejects.toThrow(/answered 502/);
  });

  it('backoffMs: Retry-After, then X-RateLimit-Reset (seconds or a Unix time), then doubling', () => {
    const h = (x: Record<string, string>) => new Headers(x);
    expect(backoffMs(h({ 'retry-after': '5' }), 0, 0)).toBe(5000);
    expect(backoffMs(h({ 'x-ratelimit-reset': '7' }), 0, 0)).toBe(7000);
    expect(backoffMs(h({ 'x-ratelimit-reset': '2000000010' }), 0, 2_000_000_000_000)).toBe(10_000);
    expect(backoffMs(h({}), 3, 0)).toBe(8000);
    expect(backoffMs(h({}), 30, 0)).toBe(60_000);
  });

  it('waits for the next window before the next request when an answer says none are left', async () => {
    const { fetch } = scripted([
      json(200, [], { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '5' }),
      json(200, { ok: true }),
    ]);
    const waits: number[] = [];
    const { c } = client(fetch, waits);
    await c.getJson('/a');
    expect(waits).toEqual([]);
    await c.getJson('/b');
    expect(waits).toEqual([5000]);
    expect(c.stats.throttled).toBe(0);
  });
});
