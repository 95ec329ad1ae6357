import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';

export type HeaderValue = string | Date | { name: string; address: string };

/**
 * One header field, folded at 76 characters (RFC 5322 §2.2.3). nodemailer applies RFC 2047 to
 * non-ASCII text, quotes display names that need it, and turns CR/LF into spaces, so a hostile
 * subject or maintainer name cannot start a header of its own.
 */
export function headerLine(key: string, value: HeaderValue): string {
  return foldLines(`${key}: ${MimeNode.encodeHeaderValue(key, value)}`, 76);
}

/** A display phrase and an angle-bracketed value, as List-Id has them (RFC 2919 §3). */
export function phraseAndId(phrase: string, id: string): string {
  // nodemailer's address formatting does the phrase's quoting and RFC 2047 encoding.
  return MimeNode.encodeHeaderValue('From', { name: phrase, address: id });
}
