import { simpleParser } from 'mailparser';
import { Entity, fieldValue } from './mime';
import { malformed } from './post-refusal';

/** The header fields of a post that the list carries on, decoded. */
export interface PostHeaders {
  subject?: string;
  from?: string;
  date?: Date | null;
  messageId?: string | null;
}

/**
 * Decodes Subject and From (RFC 2047 encoded words, any charset) with mailparser, given only the
 * header block, already bounded by `readEntity`. Date and Message-ID are read here: mailparser
 * replaces an unreadable Date with the current time, which would be a lie.
 */
export async function readPostHeaders(entity: Entity): Promise<PostHeaders> {
  const parsed = await simpleParser(Buffer.concat([entity.header, Buffer.from('\r\n\r\n')]), {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
  });
  const headers: PostHeaders = {};
  if (parsed.subject !== undefined) headers.subject = parsed.subject;
  if (parsed.from?.text) headers.from = parsed.from.text;
  const date = fieldValue(entity, 'date');
  if (date !== undefined) headers.date = parseDate(date);
  const messageId = fieldValue(entity, 'message-id');
  if (messageId !== undefined) headers.messageId = /^<[^<>\s]+>$/.test(messageId) ? messageId : null;
  return headers;
}

/** RFC 5322 §3.3 date-time; anything unreadable is null, never "now". */
function parseDate(value: string): Date | null {
  const date = new Date(value.replace(/\([^()]*\)/g, '').trim());
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The headers a maintainer's client protected inside the encryption
 * (draft-autocrypt-lamps-protected-headers-02 §2, as Thunderbird writes them: the payload's root
 * Content-Type carries `protected-headers="v1"`), or nothing when the payload has none.
 */
export async function readProtectedHeaders(payload: Entity): Promise<PostHeaders> {
  return payload.contentType.params.get('protected-headers')?.toLowerCase() === 'v1' ? readPostHeaders(payload) : {};
}

export interface HeaderSummary {
  subject: string;
  from: string;
  date: Date | null;
  messageId: string | null;
  headersSigned: boolean;
}

/** Protected headers win over the outer ones: the outer Subject may be "..." (obscured). */
export function mergeHeaders(outer: PostHeaders, inner: PostHeaders): HeaderSummary {
  const from = inner.from ?? outer.from;
  if (!from) throw malformed('The post has no From header (RFC 5322 §3.6.2)');
  return {
    subject: inner.subject ?? outer.subject ?? '',
    from,
    date: inner.date ?? outer.date ?? null,
    messageId: inner.messageId ?? outer.messageId ?? null,
    headersSigned: inner.subject !== undefined && inner.from !== undefined,
  };
}
