import { z } from 'zod';

/**
 * The forms of a report's admin page, one per triage step. Their fields have names unique on the
 * page, so each keeps its own value and its error beside it. The forms only bound what they take;
 * the domain checks meaning (states, dates, keys, the reason's length) and its refusals are shown
 * beside the field they name (fieldFor).
 */
const TEXT_MAX = 20000;
const text = (what: string, min = 1) =>
  z
    .string()
    .trim()
    .min(min, min > 1 ? `${what} needs at least ${min} characters.` : `${what} is required.`)
    .max(TEXT_MAX, `At most ${TEXT_MAX} characters.`);
const optional = (max: number) => z.string().trim().max(max, `At most ${max} characters.`);
const localMoment = (what: string) => z.string().trim().min(1, `Give the ${what}.`).max(16, 'Use YYYY-MM-DDTHH:MM.');
const timeZone = z.string().trim().min(1, 'Give the time zone.').max(64, 'At most 64 characters.');

export const reportForms = {
  acknowledge: z.object({}),
  ask: z.object({ question: text('The question') }),
  accept: z.object({
    title: z.string().trim().min(1, 'A title is required.').max(200, 'At most 200 characters.'),
    publicAt: localMoment('public date and time'),
    timeZone,
    cveIds: optional(700),
    cvssVector: optional(300),
    fixedVersions: optional(2000),
    overLimitReason: optional(2000),
  }),
  reject: z.object({ reason: text('The reason', 10) }),
  duplicate: z.object({
    duplicateOf: z
      .string()
      .trim()
      .regex(/^(REP-\d{1,9}|[0-9a-f-]{36})$/i, 'Name the other report as REP-n.'),
  }),
  handler: z.object({ handlerId: z.union([z.literal(''), z.uuid('Choose a maintainer.')]) }),
  comment: z.object({ comment: text('The comment') }),
  'public-date': z.object({ proposedAt: localMoment('proposed date and time'), proposedTimeZone: timeZone }),
  message: z
    .object({
      partyKind: z.enum(['reporter', 'outsider'], { error: 'Choose who the message is for.' }),
      partyName: optional(200),
      partyEmail: optional(320),
      partyKey: optional(100_000),
      message: text('The message'),
    })
    .superRefine((form, context) => {
      if (form.partyKind !== 'outsider') return;
      const missing = [
        ['partyName', 'Give the name of the party.'],
        ['partyEmail', 'Give the address of the party.'],
        ['partyKey', "Paste the party's OpenPGP public key, armored."],
      ] as const;
      for (const [field, message] of missing)
        if (!form[field]) context.addIssue({ code: 'custom', path: [field], message });
    }),
};

export type ReportAction = keyof typeof reportForms;
export type ReportForm<A extends ReportAction> = z.infer<(typeof reportForms)[A]>;

export function isReportAction(name: string): name is ReportAction {
  return Object.prototype.hasOwnProperty.call(reportForms, name);
}

/** The posted fields of one form, as strings (a missing one is ''). */
export function formValues(action: ReportAction, body: unknown): Record<string, string> {
  const schema = reportForms[action];
  const shape = 'shape' in schema ? schema.shape : {};
  const record = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.keys(shape).map((key) => [key, typeof record[key] === 'string' ? record[key] : '']));
}

/** The domain's names for a field, where a form calls it otherwise. */
const domainFields: Partial<Record<ReportAction, Record<string, string>>> = {
  ask: { text: 'question' },
  duplicate: { of: 'duplicateOf', duplicateOf: 'duplicateOf' },
  handler: { handlerId: 'handlerId' },
  comment: { text: 'comment' },
  'public-date': { publicAt: 'proposedAt', timeZone: 'proposedTimeZone' },
  message: { name: 'partyName', email: 'partyEmail', key: 'partyKey', text: 'message', to: 'partyKind' },
};

/** Where a refusal the domain names by `field` is shown on the page: beside that field, or above the form. */
export function fieldFor(action: ReportAction, field: string | undefined, values: Record<string, string>): string {
  if (!field) return 'form';
  const mapped = domainFields[action]?.[field] ?? field;
  return mapped in values ? mapped : 'form';
}

/** The notice shown after each step, by the `done` query parameter (never echoed as given). */
export const DONE_NOTICES: Record<ReportAction, string> = {
  acknowledge: 'Acknowledged: the reporter was told.',
  ask: 'Your question was sent to the reporter.',
  accept: 'Accepted: the embargo is made, and the reporter was told.',
  reject: 'Rejected: the reason was sent to the reporter.',
  duplicate: 'Marked as a duplicate: the reporter was told.',
  handler: 'The handler is changed.',
  comment: 'Your comment is recorded (internal).',
  'public-date': 'The public date was proposed to the reporter.',
  message: 'The message was sent, encrypted.',
};
