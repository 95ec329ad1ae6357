import { z } from 'zod';
import { PASSWORD_MAX, PASSWORD_MIN } from '@cordon/maintainers';

/** The login and enrolment forms. Passwords are checked for presence and size here, never echoed. */
export const loginForm = z.object({
  email: z.string().trim().min(1, 'Enter your e-mail address.').max(254, 'That is not an e-mail address.'),
  password: z
    .string()
    .min(1, 'Enter your password.')
    .max(PASSWORD_MAX * 4, 'That password is too long.'),
});

export const codeForm = z.object({
  code: z
    .string()
    .transform((code) => code.replace(/\s+/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code your authenticator app shows.')),
});

/**
 * The second login step of an enrolled maintainer: the 6-digit code, or a recovery code
 * ("abcd-efgh-ijkm-nopq", any case, with or without the dashes); the maintainers lib tells them apart.
 */
export const loginCodeForm = z.object({
  code: z
    .string()
    .transform((code) => code.replace(/\s+/g, ''))
    .pipe(
      z
        .string()
        .regex(
          /^(\d{6}|[A-Za-z0-9-]{16,24})$/,
          'Enter the 6-digit code your authenticator app shows, or one of your recovery codes.',
        ),
    ),
});

const passwordRule = `Choose a password of ${PASSWORD_MIN} to ${PASSWORD_MAX} characters; a few unrelated words make a good one.`;

export const enrolForm = z
  .object({
    password: z.string().min(PASSWORD_MIN, passwordRule).max(PASSWORD_MAX, passwordRule),
    confirm: z.string(),
  })
  .refine((form) => form.password === form.confirm, {
    message: 'The two passwords differ; type the same one twice.',
    path: ['confirm'],
  });

export const tokenForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Name the token, e.g. after the script that uses it.')
    .max(100, 'Keep the name under 100 characters.'),
});

/** Form fields as strings: a field sent twice or not at all must not crash a parser. */
export function fields<K extends string>(body: unknown, ...names: K[]): Record<K, string> {
  const source = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    names.map((name) => [name, typeof source[name] === 'string' ? source[name] : '']),
  ) as Record<K, string>;
}
