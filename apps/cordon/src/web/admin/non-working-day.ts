import { DateTime } from 'luxon';
import { z } from 'zod';
import { DomainError } from '@cordon/errors';

/**
 * The two answers to a public moment on a weekend or a listed holiday (issue 14; README,
 * PUBLIC_HOLIDAYS), as the create and extend forms post them: `useOffered` carries the offered next
 * working day, `acceptNonWorkingDay=1` keeps the date as typed.
 */
export const nonWorkingDayFields = {
  useOffered: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'Use YYYY-MM-DDTHH:MM.')]),
  acceptNonWorkingDay: z.enum(['', '1'], { error: 'Choose the next working day or keep the date.' }),
};

/** The public moment the maintainer chose, and whether a non-working day is kept. */
export function publicMomentChoice<T extends { publicAt: string; useOffered: string; acceptNonWorkingDay: string }>(
  form: T,
): Omit<T, 'useOffered' | 'acceptNonWorkingDay'> & { acceptNonWorkingDay: boolean } {
  const { useOffered, acceptNonWorkingDay, ...rest } = form;
  return { ...rest, publicAt: useOffered || form.publicAt, acceptNonWorkingDay: acceptNonWorkingDay === '1' };
}

/** What the form shows beside its buttons: the warning, and the offered day as a maintainer reads it. */
export interface NonWorkingDayWarning {
  message: string;
  offered: string;
  offeredShown: string;
}

/** The warning a NON_WORKING_DAY refusal carries, or null for any other error. */
export function nonWorkingDayWarning(error: unknown): NonWorkingDayWarning | null {
  if (!(error instanceof DomainError) || error.code !== 'NON_WORKING_DAY' || !error.extensions?.offered) return null;
  const offered = error.extensions.offered;
  const offeredShown = DateTime.fromISO(offered).setLocale('en').toFormat('cccc yyyy-MM-dd HH:mm');
  return { message: error.message, offered, offeredShown };
}
