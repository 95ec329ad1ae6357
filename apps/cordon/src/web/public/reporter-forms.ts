import { z } from 'zod';
import { REPORT_FIELD_LIMITS } from '@cordon/reports';

/** The longest reply a reporter sends from its page; as long as a report's description. */
export const REPLY_MAX = REPORT_FIELD_LIMITS.description;
export const DATE_COMMENT_MAX = 5000;

/** The forms of the reporter's page (issue 13, "The reporter's private page"), bounded at the edge. */
export const replyForm = z.object({
  text: z
    .string({ error: 'Write your message.' })
    .trim()
    .min(1, 'Write your message.')
    .max(REPLY_MAX, `At most ${REPLY_MAX} characters.`),
});

export const dateAnswerForm = z
  .object({
    answer: z.enum(['agreed', 'objected'], { error: 'Choose whether you agree with the date or object to it.' }),
    comment: z.string().trim().max(DATE_COMMENT_MAX, `At most ${DATE_COMMENT_MAX} characters.`).default(''),
  })
  // An objection without a word gives the maintainers nothing to work with.
  .refine((form) => form.answer === 'agreed' || form.comment.length > 0, {
    path: ['comment'],
    message: 'Say why you object, and which date would work for you.',
  });

export const creditForm = z
  .object({
    creditName: z
      .string()
      .trim()
      .max(REPORT_FIELD_LIMITS.creditName, `At most ${REPORT_FIELD_LIMITS.creditName} characters.`)
      .default(''),
    creditConsent: z.enum(['', 'yes'], { error: 'Tick the box or leave it empty.' }).default(''),
  })
  .refine((form) => form.creditConsent !== 'yes' || form.creditName.length > 0, {
    path: ['creditName'],
    message: 'Give the name to credit, or leave the box unticked.',
  });

/** A posted form's fields as strings (absent ones left out), to show them again as they were sent. */
export function postedFields(body: unknown, names: readonly string[]): Record<string, string> {
  const source = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    names.filter((name) => typeof source[name] === 'string').map((name) => [name, source[name] as string]),
  );
}
