/**
 * A request the web edge refuses before any controller sees it (a body too deep to read, in the
 * wrong charset): a 4xx with a stable code and a message, which DomainErrorFilter shows as a page
 * or an RFC 9457 problem like every other refusal. `status` and `expose` are the fields Express's
 * body parsers keep when they pass an error on.
 */
export class RequestRefused extends Error {
  readonly expose = true;

  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}
