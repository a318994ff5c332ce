import { describe, expect, it } from 'vitest';
import { checkDirectHost, type NetworkProbe } from '../../src/dump/reachability.js';
import { sessionPoolerUrl } from '../../src/config/supabase-host.js';
import { ConnectionError } from '../../src/errors.js';

const REF = 'abcdefghijklmnopqrst';
const direct = { host: `db.${REF}.supabase.co`, port: 5432, user: 'postgres' };
const V6 = '2600:1f18:2e13:9d2e:fc8f:5d2b:4e58:3d54';

/** A resolver with a fixed answer, and a route table that has IPv6 routes or not. */
function probe(answer: { address: string; family: number }[] | Error, v6Route: boolean) {
  const asked: string[] = [];
  const p: NetworkProbe = {
    lookup: async (host) => {
      asked.push(host);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    ipv6Route: async () => v6Route,
  };
  return { p, asked };
}

async function failure(promise: Promise<void>): Promise<ConnectionError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectionError);
  return err as ConnectionError;
}

describe('checkDirectHost', () => {
  it('refuses a direct host with only an IPv6 address when there is no IPv6 route', async () => {
    const { p } = probe([{ address: V6, family: 6 }], false);
    const err = await failure(checkDirectHost(direct, p));
    expect(err.message).toContain(`only an IPv6 address (${V6})`);
    expect(err.message).toContain('Network is unreachable');
    expect(err.message).toContain(sessionPoolerUrl(REF));
  });

  it('lets it through with an IPv6 route, or with an IPv4 address (the IPv4 add-on)', async () => {
    await checkDirectHost(direct, probe([{ address: V6, family: 6 }], true).p);
    await checkDirectHost(
      direct,
      probe(
        [
          { address: V6, family: 6 },
          { address: '3.65.151.229', family: 4 },
        ],
        false,
      ).p,
    );
  });

  it('a host without any address (paused, deleted, mistyped) gets the same advice', async () => {
    const nx = Object.assign(new Error(`getaddrinfo ENOTFOUND ${direct.host}`), {
      code: 'ENOTFOUND',
    });
    const err = await failure(checkDirectHost(direct, probe(nx, true).p));
    expect(err.message).toContain('no address (DNS: ENOTFOUND)');
    expect(err.message).toContain('paused');
    expect(err.message).toContain(sessionPoolerUrl(REF));
    const empty = await failure(checkDirectHost(direct, probe([], true).p));
    expect(empty.message).toContain('no address');
  });

  it('with hostaddr (libpq connects there, asking no DNS) checks that address', async () => {
    const { p, asked } = probe(new Error('must not be asked'), false);
    const err = await failure(checkDirectHost({ ...direct, params: { hostaddr: V6 } }, p));
    expect(err.message).toContain(`only an IPv6 address (${V6})`);
    await checkDirectHost({ ...direct, params: { hostaddr: '127.0.0.1' } }, p);
    expect(asked).toEqual([]);
  });

  it('asks nothing about pooler or other hosts', async () => {
    const { p, asked } = probe(new Error('must not be asked'), false);
    await checkDirectHost(
      { host: 'aws-0-eu-central-1.pooler.supabase.com', port: 5432, user: `postgres.${REF}` },
      p,
    );
    await checkDirectHost({ host: 'localhost', port: 5432, user: 'postgres' }, p);
    expect(asked).toEqual([]);
  });
});
