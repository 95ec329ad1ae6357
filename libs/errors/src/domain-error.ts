/**
 * Every refusal the domain makes, with a stable code. Only the edges translate these: the web
 * app to an HTTP status and a page or RFC 9457 problem, the SMTP session to a reply code.
 * A message names what was wrong and what to do, never the content refused, never whether
 * someone else is a member.
 */
export const errorKinds = {
  INVALID_INPUT: 'invalid',
  KEY_UNREADABLE: 'invalid',
  KEY_EXPIRED: 'invalid',
  KEY_REVOKED: 'invalid',
  KEY_CANNOT_ENCRYPT: 'invalid',
  KEY_WEAK: 'invalid',
  KEY_UNSUPPORTED_CURVE: 'invalid',
  KEY_SHA1_SELF_SIGNATURE: 'invalid',
  KEY_NO_MATCHING_USER_ID: 'invalid',
  KEY_IS_SECRET: 'invalid',
  KEY_NOT_SECRET: 'invalid',
  LINK_INVALID: 'gone',
  NOT_FOUND: 'not_found',
  WRONG_STATE: 'conflict',
  ALREADY_EXISTS: 'conflict',
  LIST_KEY_MISSING: 'conflict',
  LAST_ACTIVE_MAINTAINER: 'conflict',
  NOT_AUTHENTICATED: 'unauthenticated',
  FORBIDDEN: 'forbidden',
  BANNED: 'forbidden',
  TOO_LARGE: 'too_large',
  /** A public moment on a weekend or a listed holiday, not confirmed (issue 14): the offer is in `extensions`. */
  NON_WORKING_DAY: 'unprocessable',
} as const;

export type ErrorCode = keyof typeof errorKinds;
export type ErrorKind = (typeof errorKinds)[ErrorCode];

export class DomainError extends Error {
  readonly kind: ErrorKind;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For form edges: which input field the error belongs to. */
    readonly field?: string,
    /** What an edge may show besides the message (problem extension members), never secret. */
    readonly extensions?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'DomainError';
    this.kind = errorKinds[code];
  }
}
