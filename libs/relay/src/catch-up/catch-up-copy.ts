import { DateTime } from 'luxon';
import { HeaderValue, protectedMultipart } from '@cordon/delivery';
import { PostTerms, termsPart } from '../fan-out';
import { OpenedPost } from '../open';

/** What a catch-up copy's Subject starts with, inside the encryption (README, "Catch-up"). */
export const CATCH_UP_PREFIX = '[catch-up] ';
/** The protected header field naming when the list first sent the post (RFC 3339, UTC). */
export const CATCH_UP_HEADER = 'Embargo-Catch-Up';

/** What a catch-up copy is made from: the post as the list first opened it, and its embargo's terms now. */
export interface CatchUpSource {
  opened: Pick<OpenedPost, 'subject' | 'date' | 'signedAt' | 'messageId' | 'content'> & { from: HeaderValue };
  /** When the list accepted the post and sent its first copies. */
  firstSentAt: Date;
  /** The terms of the post's embargo (postTerms), as every copy carries them; null when it has none. */
  terms: PostTerms | null;
  listAddress: string;
  listName: string;
}

/** The moment in RFC 3339, UTC, to the second (as Embargo-Until writes it). */
export function rfc3339(moment: Date): string {
  return DateTime.fromJSDate(moment, { zone: 'UTC' }).toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
}

/** The human line: what this copy is, and when the post was first sent. */
export function catchUpLine(firstSentAt: Date): string {
  const when = DateTime.fromJSDate(firstSentAt, { zone: 'UTC' }).toFormat("yyyy-MM-dd HH:mm 'UTC'");
  return (
    `This is a catch-up copy of a post first sent to the list at ${when}, ` +
    `before you could receive it; it is sent to you once.`
  );
}

/**
 * The inner entity of a catch-up copy: the post's protected headers with its Subject prefixed
 * `[catch-up] `, the embargo's terms and `Embargo-Catch-Up: <first sent>` as protected header
 * fields, a text part with the terms line and the catch-up line, then the maintainer's signed
 * entity byte for byte (as stages/5-seal.ts builds every copy).
 */
export function catchUpContent(source: CatchUpSource): Buffer {
  const { opened, terms } = source;
  const [local, domain] = source.listAddress.split('@');
  const line = catchUpLine(source.firstSentAt);
  return protectedMultipart(
    {
      subject: `${CATCH_UP_PREFIX}${opened.subject}`,
      from: opened.from,
      to: source.listAddress,
      date: opened.date ?? opened.signedAt,
      messageId: opened.messageId,
      listId: `${source.listName} <${local}.${domain}>`,
      extra: [...(terms?.headers ?? []), [CATCH_UP_HEADER, rfc3339(source.firstSentAt)]],
    },
    [termsPart({ headers: [], line: terms ? `${terms.line}\r\n\r\n${line}` : line }), opened.content],
  );
}
