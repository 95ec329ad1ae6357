import { DomainError } from '@cordon/errors';

/**
 * Why a login step's strategy turned a form away, for the page filter of that step to show the form
 * again: the errors by field and the status (400 for a malformed form, 401 for a wrong answer).
 */
export class LoginStepRefused extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly errors: Record<string, string>,
  ) {
    super('login step refused');
    this.name = 'LoginStepRefused';
  }
}

/**
 * The login no longer fits the account (no login under way, disabled meanwhile, enrolled in another
 * session): the maintainer starts over at /admin/login; `endSession` when the session is stale.
 */
export class LoginRestart extends Error {
  constructor(readonly endSession: boolean) {
    super('login restart');
    this.name = 'LoginRestart';
  }
}

/** A domain refusal about one field (a wrong password or code) becomes the form's error; the rest pass on. */
export function asFieldRefusal(error: unknown): unknown {
  return error instanceof DomainError && error.field
    ? new LoginStepRefused(401, { [error.field]: error.message })
    : error;
}

/** The login no longer fits the account (disabled meanwhile, or enrolled in another session). */
export function isStaleLogin(error: unknown): boolean {
  return error instanceof DomainError && error.code === 'NOT_AUTHENTICATED' && !error.field;
}
