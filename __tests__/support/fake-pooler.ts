/**
 * A PostgreSQL-protocol stand-in for Supabase's pooler (Supavisor): it reads each client's
 * startup message (answering SSLRequest and GSSENCRequest with 'N', as a server without TLS
 * does) and then either answers with an ErrorResponse, as the pooler does when it refuses a
 * client, or passes the connection on to a real server. psql and pg_dump then print the
 * pooler's words exactly as they print the real service's.
 */
import net from 'node:net';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export type Answer =
  | { error: { message: string; code?: string; severity?: string } }
  | { proxyTo: { host: string; port: number } };

export interface FakePooler {
  port: number;
  /** The startup parameters of every client, in order (user, database, options, ...). */
  startups: Record<string, string>[];
  close(): Promise<void>;
}

/** An ErrorResponse ('E') with the S, V, C and M fields, as Supavisor sends it. */
export function errorResponse(e: { message: string; code?: string; severity?: string }): Buffer {
  const severity = e.severity ?? 'FATAL';
  const fields = [`S${severity}`, `V${severity}`, `C${e.code ?? 'XX000'}`, `M${e.message}`];
  const body = Buffer.concat([...fields.map((f) => Buffer.from(`${f}\0`)), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function startupParams(msg: Buffer): Record<string, string> {
  const parts = msg.subarray(8).toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2)
    params[parts[i]!] = parts[i + 1]!;
  return params;
}

/** `answer` decides for the n-th client (from 0), given its startup parameters. */
export async function startFakePooler(
  answer: (n: number, params: Record<string, string>) => Answer,
  port = 0,
): Promise<FakePooler> {
  const startups: Record<string, string>[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8 && buf.length >= buf.readInt32BE(0)) {
        const len = buf.readInt32BE(0);
        const msg = buf.subarray(0, len);
        const code = msg.readInt32BE(4);
        buf = buf.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          client.write('N');
          continue;
        }
        client.off('data', onData);
        if (code === CANCEL_REQUEST) {
          client.end();
          return;
        }
        const params = startupParams(msg);
        const n = startups.push(params) - 1;
        const a = answer(n, params);
        if ('error' in a) {
          client.end(errorResponse(a.error));
          return;
        }
        const upstream = net.connect(a.proxyTo.port, a.proxyTo.host, () => {
          upstream.write(Buffer.concat([msg, buf]));
          client.pipe(upstream).pipe(client);
        });
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        return;
      }
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    startups,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
