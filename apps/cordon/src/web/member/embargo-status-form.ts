import { DateTime } from 'luxon';
import { z } from 'zod';
import { EmbargoMemberStatus, memberEmbargoStatuses, MemberStatusInput, publicMoment } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';

/** The member's status form on its embargoes page (issue 14): what it says is checked again by the domain. */
export const statusForm = z.object({
  status: z.enum(memberEmbargoStatuses, { error: 'Choose affected, not affected, fixed, or will publish.' }),
  fixedVersion: z.string().trim().max(64, 'At most 64 characters.'),
  publishAt: z.string().trim().max(16, 'Give the date and time as YYYY-MM-DD and HH:MM.'),
  timeZone: z.string().trim().max(64, 'Choose a time zone by its IANA name, such as Europe/Berlin or UTC.'),
});

export type StatusFormValues = z.infer<typeof statusForm>;

/** The form's values as the domain takes them; a moment to publish is read in the zone given. */
export function statusInput(form: StatusFormValues): MemberStatusInput {
  if (form.status !== 'will_publish') return { status: form.status, fixedVersion: form.fixedVersion };
  try {
    return { status: 'will_publish', publishAt: publicMoment(form.publishAt, form.timeZone || 'UTC') };
  } catch (error) {
    if (error instanceof DomainError && error.field === 'publicAt') {
      throw new DomainError('INVALID_INPUT', 'Give the moment you will publish as YYYY-MM-DD and HH:MM.', 'publishAt');
    }
    throw error;
  }
}

/** A stated status as the form shows it again, its moment in the embargo's zone. */
export function statusValues(row: EmbargoMemberStatus | null, timeZone: string): Partial<StatusFormValues> {
  if (!row) return { timeZone };
  const local = row.publishAt
    ? DateTime.fromJSDate(row.publishAt, { zone: timeZone }).toFormat("yyyy-MM-dd'T'HH:mm")
    : '';
  return { status: row.status, fixedVersion: row.fixedVersion ?? '', publishAt: local, timeZone };
}
