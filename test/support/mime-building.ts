/**
 * The building blocks of the posts in client-mail.ts and hostile-shapes.ts: MIME entities and
 * headers (RFC 2045–2047, RFC 5322), PGP/MIME (RFC 3156) and the OpenPGP operations beneath it,
 * and Thunderbird's shape, which most hostile shapes start from.
 */
import { randomBytes } from 'node:crypto';
import { encodeWords } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { createCleartextMessage, createMessage, encrypt, PartialConfig, PrivateKey, PublicKey, sign } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface PostOptions {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  attachments?: Attachment[];
  /** Date header and signature creation time; default now. */
  date?: Date;
}

export interface SignedPostOptions extends PostOptions {
  signer: PrivateKey;
  listKey: PublicKey;
}

export const crlf = (text: string) => text.replace(/\r\n|\r|\n/g, '\r\n');
export const token = () => randomBytes(12).toString('hex');
/** Thunderbird's boundaries: twelve dashes and 24 random characters. */
export const tbBoundary = () => `------------${token()}`;
export const rfc5322Date = (date: Date) => date.toUTCString().replace(/GMT$/, '+0000');
export const address = (from: PostOptions['from']) => `${encodeWords(from.name, 'Q', 52)} <${from.address}>`;
export const base64Lines = (bytes: Buffer) => (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');

/** The transport headers every client writes, with a given Subject. */
export function envelopeHeaders(opts: PostOptions, subject: string, extra: string[] = []): string {
  return [
    `Message-ID: <${token()}@${opts.from.address.split('@')[1]}>`,
    `Date: ${rfc5322Date(opts.date ?? new Date())}`,
    'MIME-Version: 1.0',
    ...extra,
    `From: ${address(opts.from)}`,
    `To: ${opts.to}`,
    `Subject: ${encodeWords(subject, 'Q', 52)}`,
  ].join('\r\n');
}

export function textPart(text: string, encoding: 'quoted-printable' | '8bit', contentType: string): string {
  const body = encoding === 'quoted-printable' ? qpWrap(qpEncode(Buffer.from(crlf(text))), 76) : crlf(text);
  return `Content-Type: ${contentType}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`;
}

export function attachmentPart(a: Attachment): string {
  return [
    `Content-Type: ${a.contentType}; name="${a.filename}"`,
    `Content-Disposition: attachment; filename="${a.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(a.content),
  ].join('\r\n');
}

/** A multipart body (RFC 2046 §5.1.1): the CRLF before each delimiter belongs to it. */
export function multipartBody(boundary: string, parts: string[], preamble = ''): string {
  return `${preamble}${parts.map((part) => `\r\n--${boundary}\r\n${part}`).join('')}\r\n--${boundary}--\r\n`;
}

/** The text alone, or text and attachments in a multipart/mixed, under `head` header lines. */
export function contentEntity(opts: PostOptions, text: string, head: (contentType: string) => string[]): string {
  if (!opts.attachments?.length) return [...head(''), text].join('\r\n');
  const boundary = tbBoundary();
  const parts = [text, ...opts.attachments.map(attachmentPart)];
  return [...head(`multipart/mixed; boundary="${boundary}"`), '', multipartBody(boundary, parts)].join('\r\n');
}

export async function signAndEncrypt(
  payload: Buffer,
  recipients: PublicKey[],
  signer: PrivateKey | null,
  date?: Date,
  config: PartialConfig = openpgpConfig,
): Promise<string> {
  return encrypt({
    message: await createMessage({ binary: payload }),
    encryptionKeys: recipients,
    ...(signer ? { signingKeys: signer } : {}),
    format: 'armored',
    ...(date ? { date } : {}),
    config,
  });
}

export type EnvelopeStyle = 'thunderbird' | 'mutt' | 'evolution';

/** RFC 3156 §4: multipart/encrypted, a "Version: 1" control part, then the OpenPGP message. */
export function pgpMimeMessage(headers: string, armored: string, style: EnvelopeStyle): Buffer {
  const boundary = style === 'evolution' ? `=-${token()}` : style === 'mutt' ? token() : tbBoundary();
  const control = {
    thunderbird: 'Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification',
    mutt: 'Content-Type: application/pgp-encrypted\r\nContent-Disposition: attachment',
    evolution: 'Content-Type: application/pgp-encrypted\r\nContent-Transfer-Encoding: 7bit',
  }[style];
  const data = {
    thunderbird:
      'Content-Type: application/octet-stream; name="encrypted.asc"\r\nContent-Description: OpenPGP encrypted message\r\nContent-Disposition: inline; filename="encrypted.asc"',
    mutt: 'Content-Type: application/octet-stream\r\nContent-Disposition: inline; filename="msg.asc"',
    evolution:
      'Content-Type: application/octet-stream; name="encrypted.asc"\r\nContent-Description: This is an encrypted message part\r\nContent-Transfer-Encoding: 7bit',
  }[style];
  const preamble = style === 'thunderbird' ? 'This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)' : '';
  const body = multipartBody(
    boundary,
    [`${control}\r\n\r\nVersion: 1\r\n`, `${data}\r\n\r\n${crlf(armored)}`],
    preamble,
  );
  const type = `Content-Type: multipart/encrypted;\r\n protocol="application/pgp-encrypted";\r\n boundary="${boundary}"`;
  return Buffer.from(`${headers}\r\n${type}\r\n\r\n${body}`);
}

// ---------------------------------------------------------------- the clients

/**
 * Thunderbird (78+): PGP/MIME, signed and encrypted in one OpenPGP message (RFC 3156 §6.2), to
 * the recipient and the sender's own key; the payload is multipart/mixed with
 * `protected-headers="v1"` carrying the real Subject, From, To and Date; the text part is
 * UTF-8, format=flowed, quoted-printable; the outer Subject is "...".
 */
export async function thunderbirdPost(opts: SignedPostOptions): Promise<Buffer> {
  return Buffer.from(await thunderbirdShape(opts, opts.signer, [opts.listKey, opts.signer.toPublic()]));
}

export function thunderbirdPayload(opts: PostOptions): Buffer {
  const boundary = tbBoundary();
  const text = textPart(opts.text, 'quoted-printable', 'text/plain; charset=UTF-8; format=flowed');
  const parts = [text, ...(opts.attachments ?? []).map(attachmentPart)];
  const head = [
    `Content-Type: multipart/mixed; boundary="${boundary}";\r\n protected-headers="v1"`,
    `Subject: ${encodeWords(opts.subject, 'Q', 52)}`,
    `From: ${address(opts.from)}`,
    `To: ${opts.to}`,
    `Date: ${rfc5322Date(opts.date ?? new Date())}`,
  ].join('\r\n');
  return Buffer.from(
    `${head}\r\n\r\n${multipartBody(boundary, parts, 'This is a multi-part message in MIME format.')}`,
  );
}

export async function thunderbirdShape(
  opts: PostOptions,
  signer: PrivateKey | null,
  recipients: PublicKey[],
  payload = thunderbirdPayload(opts),
  config?: PartialConfig,
): Promise<Buffer> {
  const armored = await signAndEncrypt(payload, recipients, signer, opts.date, config);
  const headers = envelopeHeaders(opts, '...', ['User-Agent: Mozilla Thunderbird', 'Content-Language: en-US']);
  return pgpMimeMessage(headers, armored, 'thunderbird');
}

export const TEXT_START = 'quoted-printable\r\n\r\n';

export async function detachedSignature(signed: Buffer, signer: PrivateKey, date?: Date): Promise<string> {
  return sign({
    message: await createMessage({ binary: signed }),
    signingKeys: signer,
    detached: true,
    format: 'armored',
    ...(date ? { date } : {}),
    config: openpgpConfig,
  });
}

export function multipartSigned(signed: Buffer, armoredSignature: string): string {
  const boundary = `=-${token()}`;
  const signaturePart = [
    'Content-Type: application/pgp-signature; name="signature.asc"',
    'Content-Description: This is a digitally signed message part',
    'Content-Transfer-Encoding: 7bit',
    '',
    crlf(armoredSignature),
  ].join('\r\n');
  const type = `Content-Type: multipart/signed; micalg="pgp-sha512"; protocol="application/pgp-signature";\r\n\tboundary="${boundary}"`;
  return `${type}\r\n\r\n${multipartBody(boundary, [signed.toString('latin1'), signaturePart])}`;
}

export async function clearsigned(opts: PostOptions & { signer: PrivateKey }) {
  const message = await createCleartextMessage({ text: opts.text });
  return createMessage({ text: await sign({ message, signingKeys: opts.signer, config: openpgpConfig }) });
}
