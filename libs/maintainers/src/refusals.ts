import { DomainError } from '@cordon/errors';
import { LOCK_MINUTES } from './login-attempts';

// The refusals of the login and enrolment flows, worded once. None of them says whether an
// address belongs to a maintainer or whether an account is locked (STYLE.md "Errors").

export function invalidEnrolmentLink(): DomainError {
  return new DomainError(
    'LINK_INVALID',
    'This link is not valid: it may have been used already or have expired. Ask for a new one.',
  );
}

export function passwordRefused(): DomainError {
  return new DomainError(
    'NOT_AUTHENTICATED',
    `The e-mail address or password is not right, or the account is locked for ${LOCK_MINUTES} minutes after too many failed attempts.`,
    'password',
  );
}

export function codeRefused(reason: 'wrong_code' | 'replayed_code' | 'locked'): DomainError {
  const messages = {
    wrong_code: 'That code is not right. Check the clock of your device and enter the current code.',
    replayed_code: 'That code has been used already. Wait for the next code and enter it.',
    locked: `Too many failed attempts: the account is locked for ${LOCK_MINUTES} minutes.`,
  };
  return new DomainError('NOT_AUTHENTICATED', messages[reason], 'code');
}

/** The login session points at a maintainer who may no longer be at this step: start again. */
export function loginExpired(): DomainError {
  return new DomainError('NOT_AUTHENTICATED', 'Your login has expired. Log in again.');
}
