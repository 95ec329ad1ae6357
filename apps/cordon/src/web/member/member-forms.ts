import { z } from 'zod';
import { DATE_COMMENT_MAX } from '@cordon/embargo';

/** A key is a few KB; 64 KB is more than any real public key with a photo. */
const KEY_MAX = 64 * 1024;

export const email = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter ${what}.`)
    .max(254, 'That is not an e-mail address.')
    .pipe(z.email({ error: 'That is not an e-mail address.' }));

export const linkForm = z.object({ email: email('your member address') });

const key = z
  .string()
  .trim()
  .min(1, 'Paste the OpenPGP public key (`gpg --armor --export ADDRESS`).')
  .max(KEY_MAX, 'The key must be at most 64 KB.');

/**
 * A person's name is shown to the member and mailed to the person: it is text, and markup or
 * control characters in it are refused rather than carried along (and escaped) for ever.
 */
export const teamForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Enter the person’s name.')
    .max(200, 'At most 200 characters.')
    .refine((name) => !/[<>\p{Cc}]/u.test(name), 'A name may not contain < or > or control characters.'),
  email: email('the person’s address'),
  key,
});

export const keyForm = z.object({ key });

export const acknowledgeForm = z.object({ version: z.coerce.number().int().min(1).max(1_000_000) });

export const answerForm = z.object({
  answer: z.enum(['accept', 'object'], { error: 'Choose whether you accept or object to the date.' }),
  comment: z.string().trim().max(DATE_COMMENT_MAX, `The comment must be at most ${DATE_COMMENT_MAX} characters.`),
});

export const leaveForm = z.object({
  organisation: z
    .string()
    .trim()
    .min(1, 'Type your organisation’s name to confirm.')
    .max(300, 'At most 300 characters.'),
});

export { firstErrors } from '../admin/admin-forms';
export { fields } from '../admin/auth/auth-forms';
