/**
 * `encryption:` — age public keys (recipients) the backup job encrypts to, listed in the config
 * or read from a secret; and `allow_unencrypted_public`, the explicit opt-out of the rule that a
 * public repository never stores plain dumps. Identities never appear in the config.
 */
import { z } from 'zod';
import { parseRecipients } from './age-keys.js';
import { ENV_NAME_RE, describeValue, matching } from './schema-helpers.js';

const recipientList = z
  .array(z.string(), {
    error: (iss) =>
      `recipients must be a list of age public keys (age1...), got ${describeValue(iss.input)}`,
  })
  .min(1, { error: 'recipients is empty; list at least one age public key (age1...)' })
  .superRefine((keys, ctx) => {
    try {
      parseRecipients(keys);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

const encryptionSchema = z
  .strictObject(
    {
      recipients: recipientList
        .optional()
        .describe(
          'age public keys (age1...) the parts are encrypted to; any one identity decrypts.',
        ),
      recipients_secret: matching(
        'recipients_secret',
        'an environment variable name',
        ENV_NAME_RE,
        () =>
          'recipients_secret must NAME an environment variable holding age public keys, e.g. BACKUP_AGE_RECIPIENTS',
      )
        .optional()
        .describe('NAME of an environment variable holding the age public keys, one per line.'),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? undefined
          : `encryption must be a mapping with recipients or recipients_secret, got ${describeValue(iss.input)}`,
    },
  )
  .refine((e) => (e.recipients === undefined) !== (e.recipients_secret === undefined), {
    error:
      'encryption needs exactly one of recipients (public keys in this file) or recipients_secret (their variable name)',
  });

export const encryptionShape = {
  encryption: encryptionSchema
    .nullable()
    .optional()
    .describe(
      'Encrypt every stored file with age after compression (.age suffix). Only public keys ' +
        'here; the restore job gets the identity from its own secret. null in a project: no ' +
        'encryption despite `defaults`.',
    ),
  allow_unencrypted_public: z
    .boolean({ error: 'allow_unencrypted_public must be true or false' })
    .optional()
    .describe(
      'Store unencrypted sets even when the repository is public. Default false: such a run fails.',
    ),
};
