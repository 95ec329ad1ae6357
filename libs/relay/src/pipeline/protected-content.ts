import { randomBytes } from 'node:crypto';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';

export interface ProtectedHeaders {
  subject: string;
  from: string;
  to: string;
  date: Date;
  messageId: string | null;
  listId: string;
}

/**
 * What each member decrypts: the maintainer's signed entity, unchanged, as the one part of a
 * `multipart/mixed; protected-headers="v1"` whose header block carries the real Subject, From, Date
 * (draft-autocrypt-lamps-protected-headers, as Thunderbird reads it). Outside the encryption the
 * copy's Subject stays neutral.
 */
export function protectedContent(headers: ProtectedHeaders, entity: Buffer): Buffer {
  const boundary = `=-cordon-${randomBytes(12).toString('hex')}`;
  const lines = [
    `Content-Type: multipart/mixed; protected-headers="v1";\r\n boundary="${boundary}"`,
    header('Subject', headers.subject),
    header('From', headers.from),
    header('To', headers.to),
    header('Date', headers.date),
    ...(headers.messageId ? [header('Message-ID', headers.messageId)] : []),
    header('List-Id', headers.listId),
  ];
  return Buffer.concat([
    Buffer.from(`${lines.join('\r\n')}\r\n\r\n--${boundary}\r\n`),
    entity,
    Buffer.from(`${endsWithCrlf(entity) ? '' : '\r\n'}--${boundary}--\r\n`),
  ]);
}

function endsWithCrlf(b: Buffer): boolean {
  return b.length >= 2 && b[b.length - 2] === 0x0d && b[b.length - 1] === 0x0a;
}

function header(key: string, value: string | Date): string {
  // RFC 2047 for non-ASCII, and CR/LF in a value cannot start a header of its own.
  return foldLines(`${key}: ${MimeNode.encodeHeaderValue(key, value)}`, 76);
}
