import { RefusalCode } from '../refusals/refusal-catalogue';

/**
 * Why a message was not opened, with a stable code from the relay's one catalogue
 * (refusals/refusal-catalogue.ts; docs/architecture.md, "Errors and refusals" and "Post"). The
 * message names what was wrong and what to do; it never quotes the post, since it is mailed back
 * to the sender and the maintainers in the clear.
 */
export class PostRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'PostRefusal';
  }
}

export const refusal = (code: RefusalCode, message: string): PostRefusal => new PostRefusal(code, message);

/** The advice every "cannot read this" refusal ends with. */
export const RESEND_AS_PGP_MIME =
  'Send it again from an OpenPGP-capable mail client as PGP/MIME (RFC 3156), encrypted to the list key and signed with your own key.';

export const malformed = (what: string): PostRefusal => refusal('MALFORMED_MIME', `${what}. ${RESEND_AS_PGP_MIME}`);

export const unsupported = (what: string): PostRefusal => refusal('UNSUPPORTED', `${what}. ${RESEND_AS_PGP_MIME}`);

/** Whether a message must be encrypted to the list key (a post), or may come only signed (member mail). */
export type Encryption = 'required' | 'optional';

/**
 * The refusal of a message that is not encrypted, raised once with the code that fits the mode:
 * where encryption is required, NOT_ENCRYPTED (`what` says what was found); where signed-only mail
 * is taken (PGP/MIME multipart/signed or a cleartext signature, read before this is reached), a
 * message not encrypted that reaches here was not signed in either way: UNSIGNED.
 */
export const notEncrypted = (encryption: Encryption, what: string): PostRefusal =>
  encryption === 'optional'
    ? refusal('UNSIGNED', 'The message is not signed. Sign it with your own key (PGP/MIME or inline).')
    : refusal('NOT_ENCRYPTED', what);
