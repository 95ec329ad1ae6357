import { randomUUID } from 'node:crypto';
import MimeNode from 'nodemailer/lib/mime-node';
import { Key, PrivateKey } from 'openpgp';
import { signAndEncrypt } from '@cordon/crypto';
import { protectedMultipart } from './protected-headers';

/** A message as its author means it, before sealing. */
export interface PlainMail {
  from: { name: string; address: string };
  /** One bare address: every copy goes to exactly one recipient (docs/architecture.md, invariant 1). */
  to: string;
  subject: string;
  text: string;
  messageId: string;
  date: Date;
  /** Whole messages carried along inside the encryption (a forwarded mail), as message/rfc822. */
  forwarded?: Buffer[];
}

export interface SealingKeys {
  /** The one key the copy is encrypted to. */
  recipient: Key;
  /** The list key, which signs every copy. */
  signer: PrivateKey;
}

/**
 * What the outer headers say instead of the subject, as Thunderbird and Enigmail write it
 * (the obscured Subject of draft-autocrypt-lamps-protected-headers-02).
 */
export const OBSCURED_SUBJECT = '...';

const NO_FILE_OR_URL = { disableFileAccess: true, disableUrlAccess: true };

/** A fresh Message-ID (RFC 5322 §3.6.4) at the list's domain; random, so it says nothing of the content. */
export function newMessageId(domain: string): string {
  return `<${randomUUID()}@${domain}>`;
}

/**
 * One PGP/MIME message (RFC 3156 §4) for one recipient: the real headers and the body travel
 * inside the encrypted part, signed by the list key (RFC 3156 §6.2, sign-then-encrypt in one
 * OpenPGP message); outside stay only what transport needs. CRLF throughout (RFC 5322 §2.1).
 */
export async function composeEncryptedMail(mail: PlainMail, keys: SealingKeys): Promise<Buffer> {
  const payload = await protectedPayload(mail);
  const armored = await signAndEncrypt(payload, keys.recipient, keys.signer);
  return outerMessage(mail, armored);
}

/** The text, and any forwarded messages, inside the protected headers. */
async function protectedPayload(mail: PlainMail): Promise<Buffer> {
  const holder = new MimeNode('multipart/mixed', NO_FILE_OR_URL);
  const parts = [eightBitText(mail.text) ?? (await encodedText(holder, mail.text))];
  for (const message of mail.forwarded ?? []) {
    // 8bit is allowed for message/rfc822 (RFC 2046 §5.2.1) and keeps the message byte for byte.
    const part = holder.createChild('message/rfc822');
    part.setHeader({
      'Content-Disposition': 'attachment; filename="forwarded.eml"',
      'Content-Transfer-Encoding': '8bit',
    });
    part.setContent(message);
    parts.push(await part.build());
  }
  const { subject, from, to, date, messageId } = mail;
  return protectedMultipart({ subject, from, to, date, messageId }, parts);
}

// RFC 5322 §2.1.1: a line is at most 998 octets, not counting its CRLF.
const MAX_LINE_OCTETS = 998;

/**
 * The text as it is, in UTF-8, labelled 8bit (RFC 2045 §6.2): inside the encryption the OpenPGP
 * message carries any octet, so nothing needs encoding, and what `gpg --decrypt` prints is the
 * text itself. Quoted-printable (nodemailer's choice for non-ASCII text or lines over 76
 * characters) would break a long link over two lines with `=` at the end of the first, and a
 * reader without a MIME-aware client copies a broken link. Null when a line is too long for 8bit.
 */
function eightBitText(text: string): Buffer | null {
  const body = crlf(text);
  if (body.split('\r\n').some((line) => Buffer.byteLength(line, 'utf8') > MAX_LINE_OCTETS)) return null;
  return Buffer.from(
    `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}`,
    'utf8',
  );
}

/** The text encoded by nodemailer, quoted-printable or base64: for lines 8bit cannot carry. */
function encodedText(holder: MimeNode, text: string): Promise<Buffer> {
  const part = holder.createChild('text/plain; charset=utf-8');
  part.setContent(crlf(text));
  return part.build();
}

/** The multipart/encrypted envelope of RFC 3156 §4, laid out as Thunderbird lays it out. */
async function outerMessage(mail: PlainMail, armored: string): Promise<Buffer> {
  const root = new MimeNode('multipart/encrypted; protocol="application/pgp-encrypted"', NO_FILE_OR_URL);
  root.setHeader({
    From: mail.from,
    To: mail.to,
    Subject: OBSCURED_SUBJECT,
    Date: mail.date,
    'Message-ID': mail.messageId,
    // Every copy is made by the server, not typed by a person: RFC 3834 §5 asks responders
    // (vacation notices, which would otherwise answer the list) to stay silent.
    'Auto-Submitted': 'auto-generated',
  });
  // The preamble, for readers without MIME (RFC 2046 §5.1.1); it says nothing of the content.
  root.setContent('This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n');

  const control = root.createChild('application/pgp-encrypted');
  control.setHeader({ 'Content-Description': 'PGP/MIME version identification', 'Content-Transfer-Encoding': '7bit' });
  control.setContent('Version: 1\r\n');

  const data = root.createChild('application/octet-stream', { filename: 'encrypted.asc' });
  data.setHeader({
    'Content-Description': 'OpenPGP encrypted message',
    'Content-Disposition': 'inline',
    // ASCII armor (RFC 4880 §6.2) is 7bit in lines of at most 76 characters: no further encoding.
    'Content-Transfer-Encoding': '7bit',
  });
  data.setContent(crlf(armored));
  return root.build();
}

function crlf(text: string): string {
  const lines = text.replace(/\r\n|\r|\n/g, '\r\n');
  return lines.endsWith('\r\n') ? lines : `${lines}\r\n`;
}
