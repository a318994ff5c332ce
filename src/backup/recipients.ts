/** Whom a project's sets are encrypted to, from the config or the secret it names. */
import { parseRecipients } from '../config/age-keys.js';
import type { ProjectConfig } from '../config/types.js';
import { leavesRunner } from '../destinations/registry.js';
import { errorMessage, SecretError } from '../errors.js';

/**
 * The age public keys to encrypt to, or null for plain sets. Refuses, before anything is
 * dumped, to store a plain set off the runner from a public repository unless allowed.
 */
export function resolveRecipients(
  project: ProjectConfig,
  options: { repositoryPublic?: boolean | undefined; env: Record<string, string | undefined> },
): string[] | null {
  const enc = project.encryption;
  if (!enc) {
    const leaves = leavesRunner(project.destinations);
    if (options.repositoryPublic && leaves && !project.allow_unencrypted_public) {
      throw new SecretError(
        `${project.name}: this repository is public and the set would be stored unencrypted, readable by anyone; ` +
          'configure encryption: {recipients: [age1...]} (see docs/encryption.md), or set allow_unencrypted_public: true if that is really intended',
      );
    }
    return null;
  }
  if (enc.recipients) return parseRecipients(enc.recipients);
  const name = enc.recipients_secret!;
  const value = options.env[name];
  if (!value?.trim()) {
    throw new SecretError(
      `${project.name}: encryption.recipients_secret names ${name}, which is not set; pass it to the step:\n  env:\n    ${name}: \${{ secrets.${name} }}`,
    );
  }
  try {
    return parseRecipients(value);
  } catch (err) {
    throw new SecretError(
      `${project.name}: ${name} does not hold age public keys: ${errorMessage(err)}`,
    );
  }
}
