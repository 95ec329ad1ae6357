import { z } from 'zod';
import { ApplicationForm } from '@cordon/membership';

/**
 * The largest key, pasted or uploaded: one limit for the schema and the multipart parser alike
 * (application-upload.ts). An armored key is ASCII, so its characters are its bytes.
 */
export const KEY_MAX_BYTES = 64 * 1024;

/** Limits on each field of the application form; the key travels as text or as a small file. */
const text = (max: number, what: string) =>
  z
    .string({ error: `${what} is required.` })
    .trim()
    .min(1, `${what} is required.`)
    .max(max, `${what} must be at most ${max} characters.`);
const email = (what: string) =>
  z
    .email({ error: `${what} must be an e-mail address.` })
    .max(254)
    .trim();

export const criteria = [
  {
    n: '1',
    title: 'An active distributor of the project',
    hint: 'What you ship, since when, with links to your packages.',
  },
  { n: '2', title: 'A user base beyond your own organisation', hint: 'Who uses your distribution, and how many.' },
  {
    n: '3',
    title: 'A public track record of fixing security issues, up to today',
    hint: 'Links to recent security advisories or fixed packages.',
  },
  {
    n: '4',
    title: 'Not a downstream or rebuild of another distributor',
    hint: 'How you build and patch independently.',
  },
  {
    n: '5',
    title: 'Taking part in the project’s community',
    hint: 'Contributions, bug reports, mailing-list or forum activity.',
  },
] as const;

const schema = z.object({
  organisation: text(200, 'Organisation'),
  distribution: text(200, 'Distribution'),
  website: z
    .url({ protocol: /^https?$/, error: 'Website must be an http:// or https:// address.' })
    .max(300, 'Website must be at most 300 characters.'),
  contactName: text(200, 'Contact name'),
  contactEmail: email('Contact address'),
  key: z
    .string()
    .max(KEY_MAX_BYTES, `The key must be at most ${KEY_MAX_BYTES / 1024} KB.`)
    .optional(),
  evidence1: text(5000, 'Evidence for criterion 1'),
  evidence2: text(5000, 'Evidence for criterion 2'),
  evidence3: text(5000, 'Evidence for criterion 3'),
  evidence4: text(5000, 'Evidence for criterion 4'),
  evidence5: text(5000, 'Evidence for criterion 5'),
  acceptPolicy: z.literal('yes', { error: 'You must accept the Embargo Policy (criterion 6).' }),
  policyVersion: z.coerce.number().int().min(1),
  voucherEmail: email('Voucher address'),
});

/** With a maintainer's invitation, criterion 7 is met: no voucher is asked for. */
const invitedSchema = schema.extend({ voucherEmail: z.string().max(254).optional() });

export type FormValues = Partial<Record<keyof z.infer<typeof schema>, string>>;
export type FieldErrors = Partial<Record<string, string>>;

/**
 * Turns a posted form (and optional key file) into the domain's ApplicationForm, or field errors.
 * `invitationToken`: the form came through an invitation link, which stands in for the voucher.
 */
export function parseApplicationForm(
  body: Record<string, unknown>,
  keyFile?: Buffer,
  invitationToken?: string,
): { form: ApplicationForm; values: FormValues } | { errors: FieldErrors; values: FormValues } {
  const values: FormValues = {};
  for (const key of Object.keys(schema.shape) as (keyof FormValues)[]) {
    if (typeof body[key] === 'string') values[key] = body[key];
  }
  const result = (invitationToken ? invitedSchema : schema).safeParse(values);
  const errors: FieldErrors = {};
  if (!result.success) {
    for (const issue of result.error.issues) errors[String(issue.path[0])] ??= issue.message;
  }
  const pastedKey = values.key?.trim();
  if (!pastedKey && !keyFile?.length) errors.key ??= 'Paste your OpenPGP public key or upload it as a file.';
  if (!result.success || Object.keys(errors).length) return { errors, values };
  const d = result.data;
  return {
    values,
    form: {
      organisation: d.organisation,
      distribution: d.distribution,
      website: d.website,
      contactName: d.contactName,
      contactEmail: d.contactEmail,
      key: pastedKey ? pastedKey : keyFromFile(keyFile!),
      evidence: { '1': d.evidence1, '2': d.evidence2, '3': d.evidence3, '4': d.evidence4, '5': d.evidence5 },
      acceptedPolicyVersion: d.policyVersion,
      voucherEmail: invitationToken ? '' : (d.voucherEmail ?? ''),
      invitationToken,
    },
  };
}

/** An uploaded key may be armored (`gpg --armor --export`) or binary (`gpg --export`). */
function keyFromFile(file: Buffer): string | Uint8Array {
  const head = file.subarray(0, 200).toString('latin1');
  return head.includes('-----BEGIN PGP') ? file.toString('utf8') : new Uint8Array(file);
}
