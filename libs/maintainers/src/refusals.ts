import { DomainError } from '@cordon/errors';

// The refusals of the login and enrolment flows, worded once. None of them says whether an
// address belongs to a maintainer (README "Failed maintainer logins"); only the code step, which a visitor
// reaches with the right password, says that its address has to wait.

export function invalidEnrolmentLink(): DomainError {
  return new DomainError(
    'LINK_INVALID',
    'This link is not valid: it may have been used already or have expired. Ask for a new one.',
  );
}

export function passwordRefused(): DomainError {
  return new DomainError(
    'NOT_AUTHENTICATED',
    'The e-mail address or password is not right. After several failed attempts from one address, ' +
      'each further attempt from it has to wait longer before it is checked: wait a minute before you try again.',
    'password',
  );
}

export function codeRefused(reason: 'wrong_code' | 'replayed_code' | 'address_waiting', waitSeconds = 0): DomainError {
  const messages = {
    wrong_code: 'That code is not right. Check the clock of your device and enter the current code.',
    replayed_code: 'That code has been used already. Wait for the next code and enter it.',
    address_waiting: `Too many failed attempts from your address: wait ${waitSeconds} seconds, then enter the current code.`,
  };
  return new DomainError('NOT_AUTHENTICATED', messages[reason], 'code');
}

/** The login session points at a maintainer who may no longer be at this step: start again. */
export function loginExpired(): DomainError {
  return new DomainError('NOT_AUTHENTICATED', 'Your login has expired. Log in again.');
}
