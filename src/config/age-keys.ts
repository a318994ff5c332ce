/**
 * age keys as people write them: recipients files (`age1...`, one a line, `#` comments) and
 * identity files (what `age-keygen -o key.txt` writes). Pure: no I/O.
 *
 * Error messages name the line and what kind of thing is on it, but never quote the line:
 * a secret key pasted into the wrong place must not end up in a log.
 */
import { Decrypter, Encrypter } from 'age-encryption';

const SECRET_PREFIX = /^AGE-SECRET-KEY-/i;
const PLUGIN_SECRET_PREFIX = /^AGE-PLUGIN-/i;
/** Native X25519 and the post-quantum hybrid (ML-KEM-768 + X25519) recipients. */
const SUPPORTED_RECIPIENT = /^age1(pq1)?[02-9ac-hj-np-z]+$/;

interface Line {
  where: string;
  value: string;
}

/** Non-blank, non-comment lines with where they came from ("line 3", "entry 2"). */
function meaningfulLines(text: string | string[]): Line[] {
  const items = typeof text === 'string' ? [text] : text;
  const out: Line[] = [];
  items.forEach((item, i) => {
    const lines = item.replace(/^\uFEFF/, '').split(/\r?\n/);
    lines.forEach((raw, j) => {
      // A key never contains '#', so everything after one is a comment (whole-line or trailing).
      const value = raw.replace(/#.*$/, '').trim();
      if (!value) return;
      const where =
        typeof text === 'string'
          ? `line ${j + 1}`
          : lines.length > 1
            ? `entry ${i + 1}, line ${j + 1}`
            : `entry ${i + 1}`;
      out.push({ where, value });
    });
  });
  return out;
}

function recipientProblem(value: string): string | null {
  if (SECRET_PREFIX.test(value)) {
    return (
      'this is an age SECRET key, not a recipient. Give the public key instead ' +
      '(`age-keygen -y key.txt` prints it), keep the secret key away from the backup job, ' +
      'and generate a new key pair if this one was committed or logged'
    );
  }
  if (PLUGIN_SECRET_PREFIX.test(value)) return 'this is an age plugin identity, not a recipient';
  if (/^ssh-|^ecdsa-/.test(value)) {
    return 'SSH keys are not supported as recipients; use an age X25519 key (`age-keygen`)';
  }
  if (/\s/.test(value)) return 'expected one recipient per line';
  if (!value.startsWith('age1')) return 'not an age recipient (expected age1...)';
  // '1' separates a bech32 prefix from the data and never occurs in the data: another '1'
  // means a plugin recipient like age1yubikey1... or a tag recipient age1tag1...
  if (value.replace(/^age1(pq1)?/, '').includes('1')) {
    return 'only native age recipients (age1... and age1pq1...) are supported, not plugin or tag recipients';
  }
  if (!SUPPORTED_RECIPIENT.test(value)) {
    return 'not a valid age recipient (age1... keys are lowercase bech32: a typo or a truncated copy?)';
  }
  try {
    new Encrypter().addRecipient(value);
  } catch {
    return 'not a valid age recipient (bad checksum or length: a typo or a truncated copy?)';
  }
  return null;
}

/**
 * The public recipients in a recipients file (text) or list (one per entry). Duplicates are
 * dropped, order kept. Throws naming the first bad line; throws if there are none.
 */
export function parseRecipients(text: string | string[]): string[] {
  const recipients: string[] = [];
  const problems: string[] = [];
  for (const { where, value } of meaningfulLines(text)) {
    const problem = recipientProblem(value);
    if (problem) problems.push(`${where}: ${problem}`);
    else if (!recipients.includes(value)) recipients.push(value);
  }
  if (problems.length) throw new Error(`Invalid age recipients:\n${problems.join('\n')}`);
  const pq = recipients.filter((r) => r.startsWith('age1pq1')).length;
  if (pq && pq < recipients.length) {
    throw new Error(
      'Invalid age recipients: post-quantum (age1pq1...) and classic (age1...) recipients cannot be ' +
        'mixed: the classic one would void the post-quantum protection (age refuses it too)',
    );
  }
  if (!recipients.length) {
    throw new Error(
      'No age recipients given (expected lines like age1...; `age-keygen -y key.txt` prints one)',
    );
  }
  return recipients;
}

function identityProblem(value: string): string | null {
  if (/^age1/.test(value)) {
    return 'this is a public recipient, not an identity: decrypting needs the secret key file';
  }
  if (PLUGIN_SECRET_PREFIX.test(value)) return 'age plugin identities are not supported';
  if (!/^AGE-SECRET-KEY-(PQ-)?1/.test(value)) {
    return 'not an age identity (expected AGE-SECRET-KEY-1...)';
  }
  try {
    new Decrypter().addIdentity(value);
  } catch {
    return 'not a valid age identity (bad checksum or length: a truncated copy?)';
  }
  return null;
}

/**
 * The secret keys in an identity file as `age-keygen` writes it (comments with the creation
 * time and public key, then AGE-SECRET-KEY-1...). Throws naming bad lines (never quoting them);
 * throws if there are none.
 */
export function parseIdentities(text: string): string[] {
  const identities: string[] = [];
  const problems: string[] = [];
  for (const { where, value } of meaningfulLines(text)) {
    const problem = identityProblem(value);
    if (problem) problems.push(`${where}: ${problem}`);
    else if (!identities.includes(value)) identities.push(value);
  }
  if (problems.length) throw new Error(`Invalid age identity file:\n${problems.join('\n')}`);
  if (!identities.length) {
    throw new Error('No age identity found (expected a line AGE-SECRET-KEY-1... from age-keygen)');
  }
  return identities;
}
