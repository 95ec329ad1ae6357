import MimeNode from 'nodemailer/lib/mime-node';

/** A display phrase and an angle-bracketed value, as List-Id has them (RFC 2919 §3). */
export function phraseAndId(phrase: string, id: string): string {
  // nodemailer's address formatting does the phrase's quoting and RFC 2047 encoding.
  return MimeNode.encodeHeaderValue('From', { name: phrase, address: id });
}
