import { z } from 'zod';
import { AttachmentInput, NewReport, REPORT_FIELD_LIMITS } from '@cordon/reports';
import { KEY_MAX_BYTES } from './application-form';

export type ReportFormValues = Partial<Record<ReportFormField, string>>;
export type ReportFormErrors = Partial<Record<string, string>>;

const required = (max: number, missing: string) =>
  z.string({ error: missing }).trim().min(1, missing).max(max, `At most ${max} characters.`);
const optional = (max: number) => z.string().trim().max(max, `At most ${max} characters.`).default('');

/**
 * The public report form (issue 13, "Intake"): what a security reporter tells us, bounded at the
 * edge. The domain (FileReport) checks it all again and decides what is valid: control
 * characters, the key policy, the size of the whole report with its attachments.
 */
export const reportForm = z.object({
  reporterName: required(REPORT_FIELD_LIMITS.reporterName, 'Give a name or a pseudonym.'),
  contact: z
    .email({ error: 'Give one e-mail address we can answer you at, such as you@example.org.' })
    .max(REPORT_FIELD_LIMITS.contact, `At most ${REPORT_FIELD_LIMITS.contact} characters.`),
  component: required(REPORT_FIELD_LIMITS.component, 'Name the affected component.'),
  versions: required(REPORT_FIELD_LIMITS.versions, 'Name the affected versions (or say you do not know).'),
  description: required(REPORT_FIELD_LIMITS.description, 'Describe the vulnerability.'),
  reproduction: optional(REPORT_FIELD_LIMITS.reproduction),
  impact: optional(REPORT_FIELD_LIMITS.impact),
  thirdParty: optional(REPORT_FIELD_LIMITS.thirdParty),
  alreadyPublic: z.enum(['no', 'yes', 'unsure'], {
    error: 'Say whether the vulnerability is already public: no, yes, or not sure.',
  }),
  creditName: optional(REPORT_FIELD_LIMITS.creditName),
  creditConsent: z.enum(['', 'yes'], { error: 'Tick the box or leave it empty.' }).default(''),
  reporterKey: z
    .string()
    .max(KEY_MAX_BYTES, `The key must be at most ${KEY_MAX_BYTES / 1024} KB.`)
    .default(''),
});

export type ReportFormField = keyof z.infer<typeof reportForm>;
const FIELDS = Object.keys(reportForm.shape) as ReportFormField[];

/** The posted fields as strings, so the form can be shown again as it was sent. */
export function reportFormValues(body: Record<string, unknown> | undefined): ReportFormValues {
  const values: ReportFormValues = {};
  for (const field of FIELDS) {
    const value = body?.[field];
    if (typeof value === 'string') values[field] = value;
  }
  return values;
}

export function firstErrors(error: z.ZodError): ReportFormErrors {
  const errors: ReportFormErrors = {};
  for (const issue of error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return errors;
}

/**
 * A posted report as the domain's NewReport, or the errors to show beside the fields. The key is
 * pasted (`reporterKey`) or uploaded (`keyFile`, already read as armor by the caller); both at
 * once is a question we do not guess the answer to.
 */
export function parseReportForm(
  body: Record<string, unknown> | undefined,
  uploadedKey: string | null,
  attachments: AttachmentInput[],
): { report: NewReport; values: ReportFormValues } | { errors: ReportFormErrors; values: ReportFormValues } {
  const values = reportFormValues(body);
  const parsed = reportForm.safeParse(values);
  const errors = parsed.success ? {} : firstErrors(parsed.error);
  const pasted = values.reporterKey?.trim() ?? '';
  if (pasted && uploadedKey) errors.reporterKey ??= 'Paste the key or upload it as a file, not both.';
  if (parsed.success && parsed.data.creditConsent === 'yes' && !parsed.data.creditName) {
    errors.creditName ??= 'Give the name to credit, or leave the box unticked.';
  }
  if (!parsed.success || Object.keys(errors).length) return { errors, values };
  const { creditConsent, reporterKey: _pasted, ...content } = parsed.data;
  return {
    values,
    report: {
      content,
      reporterKey: pasted || uploadedKey || null,
      creditConsent: creditConsent === 'yes',
      attachments,
    },
  };
}
