import { HeaderValue, protectedMultipart } from '@cordon/delivery';

/**
 * A member's answer as one message: the entity the member signed, unchanged, inside a
 * multipart/mixed whose protected headers (draft-autocrypt-lamps-protected-headers) carry the
 * Subject, a From that says whose answer it is, the list as To, and the date it was signed. The
 * maintainers get it attached as received; a release sends it to the members like a post.
 */
export function answerMessage(
  fields: { subject: string; from: HeaderValue; to: string; date: Date; listId?: string },
  content: Buffer,
): Buffer {
  return protectedMultipart(fields, [content]);
}

/** How the From of a released answer reads: the member's organisation, named as answering. */
export function answerFrom(member: { organisation: string; email: string }): HeaderValue {
  return { name: `${member.organisation} (answer from a member)`, address: member.email };
}
