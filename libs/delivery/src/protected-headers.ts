import { randomBytes } from 'node:crypto';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';

export type HeaderValue = string | Date | { name: string; address: string };

/** The headers a reader shows from inside the encryption, in the order they are written. */
export interface ProtectedHeaderFields {
  subject: string;
  from: HeaderValue;
  to: string;
  date: Date;
  messageId?: string | null;
  listId?: string;
  /** More header fields a reader shows from inside the encryption (a post's terms, issue 14), after List-Id. */
  extra?: [string, string][];
}

/**
 * The cryptographic payload of a copy: a `multipart/mixed; protected-headers="v1"` whose header
 * block carries the real Subject, From, To, Date (draft-autocrypt-lamps-protected-headers, as
 * Thunderbird reads it), around `parts`, each a whole MIME entity kept byte for byte. The header
 * block is written here because MimeNode would write `protected-headers=v1` unquoted: the same
 * value under RFC 2045 §5.1, but the draft's examples and Thunderbird quote it, and that is the
 * form readers are tested against.
 */
export function protectedMultipart(fields: ProtectedHeaderFields, parts: Buffer[]): Buffer {
  const boundary = `=-cordon-${randomBytes(12).toString('hex')}`;
  const head = [
    `Content-Type: multipart/mixed; protected-headers="v1";\r\n boundary="${boundary}"`,
    headerLine('Subject', fields.subject),
    headerLine('From', fields.from),
    headerLine('To', fields.to),
    headerLine('Date', fields.date),
    ...(fields.messageId ? [headerLine('Message-ID', fields.messageId)] : []),
    ...(fields.listId ? [headerLine('List-Id', fields.listId)] : []),
    ...(fields.extra ?? []).map(([key, value]) => headerLine(fieldName(key), value)),
  ].join('\r\n');
  // The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1), so a part's own
  // last line break stays the part's.
  return Buffer.concat([
    Buffer.from(`${head}\r\n\r\n--${boundary}\r\n`),
    ...parts.flatMap((part, i) => (i ? [Buffer.from(`\r\n--${boundary}\r\n`), part] : [part])),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

/** A field name as the caller means it: letters, digits and hyphens, so no name can carry a header of its own. */
function fieldName(key: string): string {
  if (!/^[A-Za-z0-9-]{1,76}$/.test(key)) throw new Error(`Not a header field name: ${JSON.stringify(key)}`);
  return key;
}

/**
 * One header field, folded at 76 characters (RFC 5322 §2.2.3). nodemailer applies RFC 2047 to
 * non-ASCII text, quotes display names that need it, and turns CR/LF into spaces, so a hostile
 * subject or name cannot start a header of its own.
 */
export function headerLine(key: string, value: HeaderValue): string {
  return foldLines(`${key}: ${MimeNode.encodeHeaderValue(key, value)}`, 76);
}
