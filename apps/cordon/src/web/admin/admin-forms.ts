import { z } from 'zod';

/** Free-text fields of the admin forms: required, bounded. */
export const reasonText = (what: string) =>
  z.string().trim().min(1, `${what} is required.`).max(5000, `${what} must be at most 5000 characters.`);

export function firstErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return errors;
}
