/**
 * Before the first psql: can this machine reach a direct Supabase host at all? db.<ref>.supabase.co
 * has only an IPv6 address, and GitHub-hosted runners have no IPv6 route, so pg_dump would fail
 * with "Network is unreachable". The DNS answer and the route check are injected (tests pass a
 * resolver that answers only AAAA; no network needed).
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { Connection } from '../config/secrets.js';
import { supabaseHost, useSessionPoolerAdvice } from '../config/supabase-host.js';
import { ConnectionError } from '../errors.js';

export interface NetworkProbe {
  /** Every address of the host (A and AAAA), as dns.lookup with all: true gives them. */
  lookup(host: string): Promise<{ address: string; family: number }[]>;
  /** Whether this machine has a route to the IPv6 address. */
  ipv6Route(address: string): Promise<boolean>;
}

/**
 * A UDP "connect" sends nothing: the kernel only picks a route, and fails with ENETUNREACH
 * (or EADDRNOTAVAIL without any IPv6 address) when there is none.
 */
function hasIpv6Route(address: string, port = 5432): Promise<boolean> {
  return new Promise((resolve) => {
    let socket;
    try {
      socket = createSocket('udp6');
    } catch {
      resolve(false);
      return;
    }
    const done = (ok: boolean) => {
      socket.close();
      resolve(ok);
    };
    socket.on('error', () => done(false));
    socket.connect(port, address, () => done(true));
  });
}

export const systemProbe: NetworkProbe = {
  lookup: (host) => lookup(host, { all: true }),
  ipv6Route: (address) => hasIpv6Route(address),
};

/**
 * Throws a ConnectionError naming the Session pooler URL when the URL's host is a direct
 * Supabase host this machine cannot reach: no address at all, or only IPv6 addresses and no
 * IPv6 route. Any other host passes untouched (psql reports its own problems).
 */
export async function checkDirectHost(
  conn: Pick<Connection, 'host' | 'port' | 'user'> & { params?: Record<string, string> },
  probe: NetworkProbe = systemProbe,
): Promise<void> {
  const host = supabaseHost(conn);
  if (host.kind !== 'direct') return;
  const advice = useSessionPoolerAdvice(host.ref);
  let addresses: { address: string; family: number }[] = [];
  let code = 'no address';
  // With hostaddr libpq asks no DNS: the address given is the one to check.
  const given = conn.params?.['hostaddr'];
  try {
    addresses = given
      ? [{ address: given, family: given.includes(':') ? 6 : 4 }]
      : await probe.lookup(conn.host);
  } catch (err) {
    const c = (err as { code?: unknown }).code;
    code = typeof c === 'string' && /^[A-Z_]{1,30}$/.test(c) ? c : 'no answer';
  }
  if (addresses.length === 0) {
    throw new ConnectionError(
      `${conn.host} has no address (DNS: ${code}): the project ref may be mistyped, or the ` +
        `project paused (a Free project pauses after a week without activity; restore it in ` +
        `the Dashboard). ${advice}`,
    );
  }
  if (addresses.some((a) => a.family === 4)) return;
  const v6 = addresses.filter((a) => a.family === 6);
  for (const a of v6) if (await probe.ipv6Route(a.address)) return;
  const shown = v6[0]?.address ?? 'none';
  throw new ConnectionError(
    `${conn.host} has only an IPv6 address (${shown}) and this machine has no IPv6 route ` +
      `(pg_dump would fail with "Network is unreachable"). ${advice}`,
  );
}
