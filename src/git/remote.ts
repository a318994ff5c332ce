/**
 * A git remote as this tool talks to it: which URLs may carry a token, the header that carries
 * it, and the environment every git child runs in. The token reaches git only as an
 * `http.<origin>/.extraheader` entry in GIT_CONFIG_* variables of the child's environment: never
 * in argv, a URL, .git/config or a log line. The backup branch (repo.ts) and the pull request's
 * base config (review/base-config.ts) both use it.
 */
import { childEnv } from '../proc/run.js';

export function parseUrl(remoteUrl: string): URL | null {
  try {
    return new URL(remoteUrl);
  } catch {
    return null; // a local path
  }
}

/** host[:port]/path of a remote, for messages; never any userinfo. */
export function describeRemote(remoteUrl: string): string {
  const u = parseUrl(remoteUrl);
  return u ? `${u.host}${u.pathname}` : remoteUrl;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a token may be sent to this remote: over https to any host, over plain http only to
 * this machine (a loopback address: the tests' git server). Anything else would put the token on
 * the wire in clear text, so it is refused, never sent.
 */
export function tokenAllowed(remoteUrl: string): boolean {
  const u = parseUrl(remoteUrl);
  if (!u) return false;
  return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname));
}

/** The values of a URL's query and fragment (`?access_token=…`): git prints them in its errors. */
export function urlSecrets(remoteUrl: string): string[] {
  const u = parseUrl(remoteUrl);
  if (!u) return [];
  const values = [...u.searchParams.values(), ...new URLSearchParams(u.hash.slice(1)).values()];
  return [u.search.slice(1), u.hash.slice(1), ...values].filter((v) => v.length >= 4);
}

/** The "AUTHORIZATION: basic ..." header actions/checkout sends, or null without a token. */
export function authHeader(token: string | undefined): string | null {
  if (!token) return null;
  return `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
}

/**
 * The environment of a git child: English messages (failures are classified by what git says),
 * no prompt, the extra header for `header.origin` only, and none of the caller's GIT_* variables
 * (GIT_DIR, GIT_TRACE_CURL, GIT_ASKPASS...) or SSH_ASKPASS.
 */
export function gitEnv(options: {
  header: { origin: string; value: string } | null;
  extra?: Record<string, string>;
}): NodeJS.ProcessEnv {
  const extra: Record<string, string> = {
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    LANGUAGE: 'C',
    ...options.extra,
    GIT_CONFIG_COUNT: options.header ? '1' : '0',
  };
  if (options.header) {
    extra.GIT_CONFIG_KEY_0 = `http.${options.header.origin}/.extraheader`;
    extra.GIT_CONFIG_VALUE_0 = options.header.value;
  }
  const drop = Object.keys(process.env).filter((k) => k.startsWith('GIT_') || k === 'SSH_ASKPASS');
  return childEnv(process.env, drop, extra);
}
