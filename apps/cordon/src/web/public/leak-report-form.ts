import { z } from 'zod';
import { LEAK_EVIDENCE_MAX, LEAK_TEXT_MAX, LeakReportInput } from '@cordon/embargo';

export type LeakFormValues = Record<string, string>;
export type LeakFormErrors = Record<string, string>;

const LOCAL_MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const uuidOrEmpty = (what: string) => z.union([z.literal(''), z.uuid({ error: `Choose ${what} from the list.` })]);

/**
 * The leak report form, public and admin alike (issue 5: "which embargo, what leaked, to whom,
 * when, evidence, whether self-reported"). The form bounds what it takes; the domain
 * (LeakReports.file) decides what is valid and checks again.
 */
const common = {
  whatLeaked: z.string().trim().min(1, 'Say what leaked.').max(LEAK_TEXT_MAX, `At most ${LEAK_TEXT_MAX} characters.`),
  leakedTo: z
    .string()
    .trim()
    .min(1, 'Say to whom it leaked (or that you do not know).')
    .max(LEAK_TEXT_MAX, `At most ${LEAK_TEXT_MAX} characters.`),
  leakedAt: z.union([z.literal(''), z.string().regex(LOCAL_MINUTE, 'Use YYYY-MM-DDTHH:MM (UTC).')]),
  evidence: z.string().trim().max(LEAK_EVIDENCE_MAX, `At most ${LEAK_EVIDENCE_MAX} characters.`),
  selfReported: z.enum(['', 'yes'], { error: 'Tick the box or leave it empty.' }),
};

export const publicLeakForm = z.object({
  ...common,
  contact: z.union([
    z.literal(''),
    z.email({ error: 'Give one e-mail address, or leave it empty.' }).max(254, 'At most 254 characters.'),
  ]),
});

export const maintainerLeakForm = z.object({
  ...common,
  embargoId: uuidOrEmpty('the embargo'),
  suspectedMemberId: uuidOrEmpty('the member'),
});

/** The posted fields as strings, so the form can be shown again as it was sent. */
export function leakFormValues(schema: z.ZodObject, body: Record<string, unknown> | undefined): LeakFormValues {
  return Object.fromEntries(
    Object.keys(schema.shape).map((key) => {
      const value = body?.[key];
      return [key, typeof value === 'string' ? value : ''];
    }),
  );
}

export function firstLeakErrors(error: z.ZodError): LeakFormErrors {
  const errors: LeakFormErrors = {};
  for (const issue of error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return errors;
}

/** "2026-11-20T14:05" taken as UTC, or null when empty; the domain refuses a date in the future. */
export function leakedAtOf(value: string): Date | null {
  if (!value) return null;
  return new Date(`${value}:00Z`);
}

export function leakInputOf(
  data: z.infer<typeof maintainerLeakForm> | z.infer<typeof publicLeakForm>,
): LeakReportInput {
  return {
    embargoId: 'embargoId' in data && data.embargoId ? data.embargoId : null,
    whatLeaked: data.whatLeaked,
    leakedTo: data.leakedTo,
    leakedAt: leakedAtOf(data.leakedAt),
    evidence: data.evidence,
    selfReported: data.selfReported === 'yes',
    suspectedMemberId: 'suspectedMemberId' in data && data.suspectedMemberId ? data.suspectedMemberId : null,
  };
}
