/**
 * Every refusal the relay gives, by its stable code (docs/architecture.md, "Errors and refusals"):
 * opening a message (open/), the post stages, member mail and bounces all take their codes from
 * here, so one list says what each means. A refusal's message, made where it is found, names what
 * was wrong and what to do; it never quotes the refused mail. What another part of the relay
 * decides from a refusal, it decides from the typed code or the flags below, never by reading the
 * message.
 */
export interface RefusalEntry {
  /** What the code means, in a few words. */
  readonly means: string;
  /** Refused for asking more work than Cordon does per message (bounded work, invariant 7). */
  readonly workLimit?: true;
  /** A signature by a known key was found, and it failed: worth telling whoever holds the key. */
  readonly signatureFailed?: true;
}

export const REFUSALS = {
  NOT_ENCRYPTED: { means: 'not encrypted to the list key' },
  NOT_FOR_LIST_KEY: { means: 'encrypted, but not to the list key, or damaged' },
  TOO_MANY_KEY_PACKETS: { means: 'encrypted to more keys than Cordon reads', workLimit: true },
  TOO_MANY_SIGNATURES: { means: 'more signatures than Cordon checks', workLimit: true },
  UNSIGNED: { means: 'not signed' },
  BAD_SIGNATURE: { means: 'a signature that does not verify, or cannot be read', signatureFailed: true },
  SIGNER_NOT_MAINTAINER: { means: 'not signed by a maintainer who may post' },
  SIGNER_UNKNOWN: { means: 'not signed by the key of a member or maintainer' },
  SIGNATURE_TOO_OLD: { means: 'a signature made too long ago, or in the future', signatureFailed: true },
  MALFORMED_MIME: { means: 'MIME Cordon cannot read' },
  TOO_LARGE: { means: 'larger than Cordon accepts once decompressed' },
  UNSUPPORTED: { means: 'OpenPGP in a form Cordon does not read' },
  UNREADABLE: { means: 'not readable as encrypted or signed mail at all' },
  REPLAYED: { means: 'a signature used before' },
  UNKNOWN_EMBARGO: { means: 'names an embargo that does not exist' },
  UNTAGGED_POST: { means: 'a post that names no embargo, while UNTAGGED_POSTS=refuse' },
  UNPROCESSABLE: { means: 'failed every time Cordon tried it' },
  UNKNOWN_BOUNCE: { means: 'a bounce naming no copy Cordon sent' },
  SIGNED_BEFORE_POLICY: { means: 'signed before the current Embargo Policy was published' },
  NOT_A_STATEMENT: { means: 'does not name this list and the current Embargo Policy' },
  INVALID_REPORT: { means: 'a leak or vulnerability report that lacks or garbles a field' },
  INVALID_STATUS: { means: 'an embargo status that cannot count: unreadable, the embargo ended, or not its audience' },
  UNKNOWN_DRILL: { means: 'answers a fire drill not running, not sent to the signer, or signed before it began' },
} as const satisfies Record<string, RefusalEntry>;

export type RefusalCode = keyof typeof REFUSALS;

/** Every code, in the catalogue's order. */
export const refusalCodes = Object.keys(REFUSALS) as RefusalCode[];

/** A refusal: its code, and the words for the sender and the maintainers. */
export interface Refusal {
  code: RefusalCode;
  message: string;
}

const entry = (code: RefusalCode): RefusalEntry => REFUSALS[code];

/** Whether the refusal was for asking more work than Cordon does per message. */
export const isWorkLimit = (code: RefusalCode): boolean => entry(code).workLimit === true;

/** Whether a signature by a known key was found and failed. */
export const isFailedSignature = (code: RefusalCode): boolean => entry(code).signatureFailed === true;

/** The same words wherever a signed post is refused as relayed before. */
export const POST_REPLAYED: Refusal = {
  code: 'REPLAYED',
  message: 'This signed post was relayed before; a signature is relayed only once.',
};

/** The same words wherever a member's signed message is refused as used before. */
export const SIGNED_MAIL_REPLAYED = 'This signature was used before; a signed message counts once.';
