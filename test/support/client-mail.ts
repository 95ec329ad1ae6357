/**
 * Posts built the way maintainers' mail clients build them, following RFC 3156 (PGP/MIME),
 * RFC 4880 §6.2 (inline armor), draft-autocrypt-lamps-protected-headers-02 and the layout each
 * client documents or is seen to write; plus the hostile shapes the relay must refuse. Each
 * factory returns the raw RFC 5322 message, CRLF, as it would arrive over SMTP.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeWords } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import {
  armor,
  createCleartextMessage,
  createMessage,
  decrypt,
  encrypt,
  encryptSessionKey,
  enums,
  Message,
  OnePassSignaturePacket,
  PacketList,
  SignaturePacket,
  type AnyPacket,
  PartialConfig,
  PrivateKey,
  PublicKey,
  readMessage,
  sign,
} from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { GpgHome } from './gpg';
import { anOpenpgpKey } from './keys';

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

/** The list key and a maintainer's key (OpenPGP.js, curve25519Legacy, as keys.ts makes them). */
export async function postingKeys(): Promise<{ listKey: PrivateKey; listArmored: string; maintainer: PrivateKey }> {
  const list = await anOpenpgpKey('distributors@example.org', 'Distributors');
  const maintainer = await anOpenpgpKey('maintainer@example.org', 'Jürgen Maintainer');
  return { listKey: list.privateKey, listArmored: list.publicKey, maintainer: maintainer.privateKey };
}

/**
 * What opening a post needs (the relay's OpenContext): the list key, and the keys of the
 * maintainers allowed to post, named `maintainer-1`, `maintainer-2`, … in order.
 */
export function openingContext(
  listKey: PrivateKey,
  maintainers: PublicKey[],
  over: { now?: Date; maxAgeDays?: number } = {},
) {
  const ids = maintainers.map((key, i) => ({ id: `maintainer-${i + 1}`, key }));
  return { listKey, maintainers: ids, now: new Date(), maxAgeDays: 7, ...over };
}

export const POST_SUBJECT = 'Sicherheitslücke – Überlauf in libfoo';
export const POST_TEXT = 'Grüße,\nein Überlauf in parse_header() – bitte bis Dienstag nicht veröffentlichen.\n';

/** A maintainer's post with non-ASCII subject and text, ready for any factory below. */
export function aPost(
  signer: PrivateKey,
  listKey: PublicKey,
  over: Partial<SignedPostOptions> = {},
): SignedPostOptions {
  return {
    from: { name: 'Jürgen Maintainer', address: 'maintainer@example.org' },
    to: 'distributors@example.org',
    subject: POST_SUBJECT,
    text: POST_TEXT,
    signer,
    listKey,
    ...over,
  };
}

// ---------------------------------------------------------------- MIME building blocks

const crlf = (text: string) => text.replace(/\r\n|\r|\n/g, '\r\n');
const token = () => randomBytes(12).toString('hex');
/** Thunderbird's boundaries: twelve dashes and 24 random characters. */
const tbBoundary = () => `------------${token()}`;
const rfc5322Date = (date: Date) => date.toUTCString().replace(/GMT$/, '+0000');
const address = (from: PostOptions['from']) => `${encodeWords(from.name, 'Q', 52)} <${from.address}>`;
const base64Lines = (bytes: Buffer) => (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');

/** The transport headers every client writes, with a given Subject. */
function envelopeHeaders(opts: PostOptions, subject: string, extra: string[] = []): string {
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

function textPart(text: string, encoding: 'quoted-printable' | '8bit', contentType: string): string {
  const body = encoding === 'quoted-printable' ? qpWrap(qpEncode(Buffer.from(crlf(text))), 76) : crlf(text);
  return `Content-Type: ${contentType}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`;
}

function attachmentPart(a: Attachment): string {
  return [
    `Content-Type: ${a.contentType}; name="${a.filename}"`,
    `Content-Disposition: attachment; filename="${a.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(a.content),
  ].join('\r\n');
}

/** A multipart body (RFC 2046 §5.1.1): the CRLF before each delimiter belongs to it. */
function multipartBody(boundary: string, parts: string[], preamble = ''): string {
  return `${preamble}${parts.map((part) => `\r\n--${boundary}\r\n${part}`).join('')}\r\n--${boundary}--\r\n`;
}

/** The text alone, or text and attachments in a multipart/mixed, under `head` header lines. */
function contentEntity(opts: PostOptions, text: string, head: (contentType: string) => string[]): string {
  if (!opts.attachments?.length) return [...head(''), text].join('\r\n');
  const boundary = tbBoundary();
  const parts = [text, ...opts.attachments.map(attachmentPart)];
  return [...head(`multipart/mixed; boundary="${boundary}"`), '', multipartBody(boundary, parts)].join('\r\n');
}

async function signAndEncrypt(
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

type EnvelopeStyle = 'thunderbird' | 'mutt' | 'evolution';

/** RFC 3156 §4: multipart/encrypted, a "Version: 1" control part, then the OpenPGP message. */
function pgpMimeMessage(headers: string, armored: string, style: EnvelopeStyle): Buffer {
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

function thunderbirdPayload(opts: PostOptions): Buffer {
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

async function thunderbirdShape(
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

/**
 * mutt (crypt_use_gpgme, sign and encrypt): PGP/MIME in one OpenPGP message, the payload a
 * plain text/plain entity (or multipart/mixed with attachments) in 8bit, without protected
 * headers; the real Subject outside. The text goes in the first charset of mutt's default
 * `$send_charset`, "us-ascii:iso-8859-1:utf-8", that can say it, Subject included (RFC 2047
 * B-encoded). The payload keeps the LF line ends of a Unix temp file.
 */
export async function muttPost(opts: SignedPostOptions): Promise<Buffer> {
  const fits = (max: number) => [...opts.text, ...opts.subject].every((c) => c.charCodeAt(0) <= max);
  const charset = fits(0x7f) ? 'us-ascii' : fits(0xff) ? 'iso-8859-1' : 'utf-8';
  const bytes = (text: string) => Buffer.from(text, charset === 'utf-8' ? 'utf8' : 'latin1');
  const text = textPart(opts.text, '8bit', `text/plain; charset=${charset}`).replace(
    'Content-Transfer-Encoding',
    'Content-Disposition: inline\r\nContent-Transfer-Encoding',
  );
  const payload = opts.attachments?.length ? contentEntity(opts, text, (type) => [`Content-Type: ${type}`]) : text;
  const armored = await signAndEncrypt(bytes(payload.replace(/\r\n/g, '\n')), [opts.listKey], opts.signer, opts.date);
  const subject = charset === 'us-ascii' ? opts.subject : `=?${charset}?B?${bytes(opts.subject).toString('base64')}?=`;
  const headers = envelopeHeaders(opts, '', ['User-Agent: Mutt/2.2.12 (2023-09-09)']);
  return pgpMimeMessage(headers.replace(/Subject: $/, `Subject: ${subject}`), armored, 'mutt');
}

/**
 * Evolution (and KMail): RFC 3156 §6.1, a multipart/signed entity (RFC 3156 §5, detached
 * signature over the CRLF-canonical first part) encrypted, unsigned, as the PGP/MIME payload;
 * real Subject outside. `tamper` changes one byte of the signed part after signing.
 */
export async function evolutionPost(opts: SignedPostOptions & { tamper?: boolean }): Promise<Buffer> {
  const text = textPart(opts.text, 'quoted-printable', 'text/plain; charset="UTF-8"');
  const signed = Buffer.from(contentEntity(opts, text, (type) => (type ? [`Content-Type: ${type}`] : [])));
  const signature = await detachedSignature(signed, opts.signer, opts.date);
  // One bit of the first text byte: the part still reads as MIME, but is not what was signed.
  if (opts.tamper) signed[signed.indexOf(TEXT_START) + TEXT_START.length] ^= 0x01;
  const payload = Buffer.from(multipartSigned(signed, signature));
  const armored = await signAndEncrypt(payload, [opts.listKey, opts.signer.toPublic()], null);
  const headers = envelopeHeaders(opts, opts.subject, ['X-Mailer: Evolution 3.46.4-2']);
  return pgpMimeMessage(headers, armored, 'evolution');
}

const TEXT_START = 'quoted-printable\r\n\r\n';

async function detachedSignature(signed: Buffer, signer: PrivateKey, date?: Date): Promise<string> {
  return sign({
    message: await createMessage({ binary: signed }),
    signingKeys: signer,
    detached: true,
    format: 'armored',
    ...(date ? { date } : {}),
    config: openpgpConfig,
  });
}

function multipartSigned(signed: Buffer, armoredSignature: string): string {
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

/**
 * Inline PGP (RFC 4880 §6.2 armor in a text/plain body), as Enigmail and mutt's "traditional"
 * PGP send it: the text, in the message's charset, signed and encrypted; the armor then in the
 * chosen transfer encoding. Non-UTF-8 text goes as a literal of format `t` (local charset).
 * With `html`, the armor also goes in a text/html rendition, the two in a multipart/alternative
 * (RFC 2046 §5.1.4), as webmail with an OpenPGP extension sends it.
 */
export async function inlinePost(
  opts: SignedPostOptions & {
    transferEncoding: 'quoted-printable' | '7bit' | 'base64';
    charset: 'utf-8' | 'iso-8859-1';
    html?: boolean;
    /** Sign first with a cleartext signature (RFC 4880 §7), then encrypt unsigned, as older plug-ins did. */
    clearsignFirst?: boolean;
  },
): Promise<Buffer> {
  const plain = crlf(opts.text);
  if (opts.charset === 'iso-8859-1' && [...plain].some((c) => c.charCodeAt(0) > 0xff)) {
    throw new Error('The text is not ISO-8859-1');
  }
  const message =
    opts.charset === 'utf-8'
      ? await createMessage({ text: plain })
      : await createMessage({ binary: Buffer.from(plain, 'latin1'), format: 'text' });
  const armored = crlf(
    opts.clearsignFirst
      ? await encrypt({ message: await clearsigned(opts), encryptionKeys: opts.listKey, config: openpgpConfig })
      : await encrypt({ message, encryptionKeys: opts.listKey, signingKeys: opts.signer, config: openpgpConfig }),
  );
  const body = {
    '7bit': armored,
    'quoted-printable': qpWrap(qpEncode(Buffer.from(armored)), 76),
    base64: base64Lines(Buffer.from(armored)),
  }[opts.transferEncoding];
  const type = `Content-Type: text/plain; charset=${opts.charset}\r\nContent-Transfer-Encoding: ${opts.transferEncoding}`;
  let entity = `${type}\r\n\r\n${body}`;
  if (opts.html) {
    const boundary = tbBoundary();
    const html = textPart(`<html><body><pre>${armored}</pre></body></html>`, 'quoted-printable', 'text/html');
    entity = `Content-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n${multipartBody(boundary, [entity, html])}`;
  }
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${entity}`);
}

/**
 * A post made by the real `gpg` binary: `gpg --sign --encrypt --armor` over a MIME entity (text
 * quoted-printable, attachments base64), wrapped as PGP/MIME; or, with `inline`, over the bare
 * UTF-8 text, armored in a text/plain body.
 */
export async function gpgPost(
  opts: PostOptions & { gpg: GpgHome; signerFingerprint: string; listFingerprint: string; inline?: boolean },
): Promise<Buffer> {
  const seal = (data: string | Buffer) => opts.gpg.encryptAndSign(data, [opts.listFingerprint], opts.signerFingerprint);
  if (opts.inline) {
    const armored = crlf(await seal(Buffer.from(crlf(opts.text))));
    const type = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit';
    return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${type}\r\n\r\n${armored}`);
  }
  const text = textPart(opts.text, 'quoted-printable', 'text/plain; charset=utf-8');
  const payload = contentEntity(opts, text, (type) => (type ? [`Content-Type: ${type}`] : []));
  return pgpMimeMessage(envelopeHeaders(opts, opts.subject), await seal(payload), 'mutt');
}

/** A Sequoia peer (Debian's `sq` 0.27): keys and messages made by `sq`, in a throwaway directory. */
export class SqPeer {
  private constructor(readonly dir: string) {}

  static create(): SqPeer {
    return new SqPeer(mkdtempSync(join(tmpdir(), 'cordon-sq-')));
  }

  private async sq(args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)('sq', args, { cwd: this.dir, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  /** `sq key generate`; returns the certificate (public key), armored. */
  async generateKey(email: string): Promise<string> {
    await this.sq(['key', 'generate', '--userid', `<${email}>`, '--export', `${email}.key`]);
    return this.sq(['key', 'extract-cert', `${email}.key`]);
  }

  /** `sq encrypt --signer-key`: one signed and encrypted OpenPGP message, armored. */
  async encryptAndSign(data: Buffer, recipientCert: string, signerEmail: string): Promise<string> {
    writeFileSync(join(this.dir, 'recipient.cert'), recipientCert);
    writeFileSync(join(this.dir, 'payload'), data);
    return this.sq(['encrypt', '--recipient-cert', 'recipient.cert', '--signer-key', `${signerEmail}.key`, 'payload']);
  }

  /**
   * `sq decrypt` with the secret key `sq key generate` made for `email`, requiring a good signature
   * by `signerCert`: resolves to the plaintext, or null when sq refuses (it then prints nothing).
   */
  async decrypt(armored: string, email: string, signerCert: string): Promise<Buffer | null> {
    writeFileSync(join(this.dir, 'signer.cert'), signerCert);
    writeFileSync(join(this.dir, 'message.asc'), armored);
    try {
      const { stdout } = await promisify(execFile)(
        'sq',
        ['decrypt', '--recipient-key', `${email}.key`, '--signer-cert', 'signer.cert', 'message.asc'],
        { cwd: this.dir, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      );
      return stdout;
    } catch {
      return null;
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A PGP/MIME post made by `sq encrypt --signer-key` over a MIME entity (mutt's envelope). */
export async function sqPost(
  opts: PostOptions & { sq: SqPeer; signerEmail: string; listCert: string },
): Promise<Buffer> {
  const text = textPart(opts.text, 'quoted-printable', 'text/plain; charset=utf-8');
  const payload = Buffer.from(contentEntity(opts, text, (type) => (type ? [`Content-Type: ${type}`] : [])));
  const armored = await opts.sq.encryptAndSign(payload, opts.listCert, opts.signerEmail);
  return pgpMimeMessage(envelopeHeaders(opts, opts.subject), armored, 'mutt');
}

// ---------------------------------------------------------------- hostile shapes

/** A plain, unencrypted, unsigned mail. */
export function plaintextPost(opts: PostOptions): Buffer {
  const type = textPart(opts.text, 'quoted-printable', 'text/plain; charset=utf-8');
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${type}`);
}

/** PGP/MIME signed but not encrypted (RFC 3156 §5): readable by anyone on the way. */
export async function signedOnlyPost(opts: PostOptions & { signer: PrivateKey }): Promise<Buffer> {
  const signed = Buffer.from(textPart(opts.text, 'quoted-printable', 'text/plain; charset=utf-8'));
  const entity = multipartSigned(signed, await detachedSignature(signed, opts.signer, opts.date));
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${entity}`);
}

async function clearsigned(opts: PostOptions & { signer: PrivateKey }) {
  const message = await createCleartextMessage({ text: opts.text });
  return createMessage({ text: await sign({ message, signingKeys: opts.signer, config: openpgpConfig }) });
}

/** Inline cleartext signature (RFC 4880 §7), not encrypted. */
export async function cleartextSignedPost(opts: PostOptions & { signer: PrivateKey }): Promise<Buffer> {
  const armored = (await clearsigned(opts)).getText() as string;
  const type = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit';
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${type}\r\n\r\n${crlf(armored)}`);
}

/** An armored OpenPGP message that is signed but not encrypted (`gpg --sign --armor`), inline. */
export async function signedOnlyInlinePost(opts: PostOptions & { signer: PrivateKey }): Promise<Buffer> {
  const message = await createMessage({ text: crlf(opts.text) });
  const armored = await sign({ message, signingKeys: opts.signer, config: openpgpConfig });
  const type = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit';
  return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${type}\r\n\r\n${crlf(armored)}`);
}

/** Thunderbird's shape, encrypted to someone else's key (and the sender's), not the list's. */
export async function encryptedToOtherKey(
  opts: PostOptions & { signer: PrivateKey; otherKey: PublicKey },
): Promise<Buffer> {
  return thunderbirdShape(opts, opts.signer, [opts.otherKey, opts.signer.toPublic()]);
}

/** Thunderbird's shape, encrypted to the list key but not signed. */
export async function unsignedEncrypted(opts: PostOptions & { listKey: PublicKey }): Promise<Buffer> {
  return thunderbirdShape(opts, null, [opts.listKey]);
}

/** Thunderbird's shape, signed by a key that is not a maintainer's. */
export async function signedByStranger(
  opts: PostOptions & { stranger: PrivateKey; listKey: PublicKey },
): Promise<Buffer> {
  return thunderbirdPost({ ...opts, signer: opts.stranger });
}

/**
 * A replay: someone who could decrypt a maintainer's signed post (one of its other recipients)
 * takes the signed data and its signature and encrypts them again, to the list key, with a new
 * session key, the signature now in front of the data rather than one-pass (RFC 4880 §11.3
 * allows both). Every byte of the OpenPGP message differs; the signature is the same.
 */
export async function replayedPost(opts: { original: Buffer; heldKey: PrivateKey; listKey: PublicKey }) {
  const raw = opts.original.toString('latin1');
  const armored = /-----BEGIN PGP MESSAGE-----[^]*?-----END PGP MESSAGE-----/.exec(raw)?.[0];
  if (!armored) throw new Error('The original post has no armored OpenPGP message');
  const message = await readMessage({ armoredMessage: armored });
  const { data, signatures } = await decrypt({ message, decryptionKeys: opts.heldKey, format: 'binary' });
  const again = await encrypt({
    message: await createMessage({ binary: data }),
    signature: await signatures[0].signature,
    encryptionKeys: opts.listKey,
    config: openpgpConfig,
  });
  return Buffer.from(raw.replace(armored, crlf(again).trimEnd()), 'latin1');
}

/** A good Thunderbird post whose multipart/encrypted is never closed (RFC 2046 §5.1.1). */
export async function unterminatedBoundaryPost(opts: SignedPostOptions): Promise<Buffer> {
  const raw = (await thunderbirdPost(opts)).toString('latin1');
  return Buffer.from(raw.replace(/\r\n--[^\r\n]+--\r\n$/, '\r\n'), 'latin1');
}

/** `depth` multiparts nested in one another (signed and encrypted, or, with `plain`, as is). */
export async function deeplyNestedPost(opts: SignedPostOptions & { depth: number; plain?: boolean }): Promise<Buffer> {
  let entity = textPart(opts.text, 'quoted-printable', 'text/plain; charset=utf-8');
  for (let level = 0; level < opts.depth; level++) {
    const boundary = `nest-${level}`;
    entity = `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n${multipartBody(boundary, [entity])}`;
  }
  if (opts.plain) return Buffer.from(`${envelopeHeaders(opts, opts.subject)}\r\n${entity}`);
  return thunderbirdShape(opts, opts.signer, [opts.listKey], Buffer.from(entity));
}

/**
 * A decompression bomb: `size` bytes of zeros (default 200 MiB) as a signed literal, zlib
 * compressed (RFC 4880 §5.6) to a few hundred KiB, then encrypted to the list key.
 */
export async function compressionBombPost(opts: SignedPostOptions & { size?: number }): Promise<Buffer> {
  const zeros = Buffer.alloc(opts.size ?? 200 * 1024 * 1024);
  const config = { ...openpgpConfig, preferredCompressionAlgorithm: enums.compression.zlib };
  return thunderbirdShape(opts, opts.signer, [opts.listKey], zeros, config);
}

/**
 * A message that costs its reader work per packet (the first attack of issue 10): a signed post
 * with a `bodyBytes` incompressible literal, encrypted to the list key, whose one real key
 * packet (RFC 9580 §5.1) stands behind `keyPackets - 1` more for the list key: each with its
 * own random session key (`distinct`), or copies of the real one (`copies`). A reader that
 * decrypts every packet and tries every session key on the body does quadratic work.
 */
export async function keyPacketFloodPost(
  opts: SignedPostOptions & {
    keyPackets: number;
    sessionKeys: 'distinct' | 'copies';
    bodyBytes?: number;
    /** Where the one real key packet stands: behind the others (the default), or before them. */
    real?: 'last' | 'first';
  },
): Promise<Buffer> {
  const sessionKey = { data: new Uint8Array(randomBytes(32)), algorithm: 'aes256' as const };
  const real = await encrypt({
    message: await createMessage({ binary: bulkyEntity(opts.bodyBytes) }),
    encryptionKeys: opts.listKey,
    signingKeys: opts.signer,
    sessionKey,
    format: 'binary',
    config: openpgpConfig,
  });
  const keyPacket = await encryptSessionKey({ ...sessionKey, encryptionKeys: opts.listKey, format: 'binary' });
  const more: Uint8Array[] = [];
  for (let i = 1; i < opts.keyPackets; i++) {
    more.push(
      opts.sessionKeys === 'copies'
        ? keyPacket
        : await encryptSessionKey({
            data: new Uint8Array(randomBytes(32)),
            algorithm: 'aes256',
            encryptionKeys: opts.listKey,
            format: 'binary',
          }),
    );
  }
  // First: a second packet for the real session key leads, and one of the others makes way for it.
  const packets = opts.real === 'first' ? [keyPacket, ...more.slice(1), real] : [...more, real];
  return armoredPgpMime(opts, Buffer.concat(packets));
}

/**
 * A post whose one literal carries `signatures` one-pass signatures (RFC 9580 §5.4), each a copy
 * of the maintainer's good one: a reader that hashes the body once per signature does
 * `signatures` times the work.
 */
export async function signatureFloodPost(opts: SignedPostOptions & { signatures: number; bodyBytes?: number }) {
  const body = new Uint8Array(bulkyEntity(opts.bodyBytes));
  const [literal] = (await createMessage({ binary: body })).packets;
  const detached = await sign({
    message: await createMessage({ binary: body }),
    signingKeys: opts.signer,
    detached: true,
    format: 'object',
    config: openpgpConfig,
  });
  const [signature] = detached.packets.filterByTag(enums.packet.signature) as unknown as SignaturePacket[];
  const packets = new PacketList<AnyPacket>();
  // fromSignaturePacket is in OpenPGP.js but not in its type declarations.
  const onePass = OnePassSignaturePacket as unknown as {
    fromSignaturePacket(signature: SignaturePacket, last: boolean): OnePassSignaturePacket;
  };
  for (let i = 0; i < opts.signatures; i++) packets.push(onePass.fromSignaturePacket(signature, i === 0));
  packets.push(literal);
  for (let i = 0; i < opts.signatures; i++) packets.push(signature);
  const encrypted = await encrypt({
    message: new Message(packets),
    encryptionKeys: opts.listKey,
    format: 'binary',
    config: openpgpConfig,
  });
  return armoredPgpMime(opts, encrypted);
}

/** A MIME entity of about `bytes` (default 4 MiB), base64 of random bytes, which nothing compresses. */
function bulkyEntity(bytes = 4 * 1024 * 1024): Buffer {
  const head = 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  return Buffer.from(`${head}${base64Lines(randomBytes(Math.floor((bytes * 3) / 4)))}\r\n`);
}

function armoredPgpMime(opts: PostOptions, binary: Uint8Array): Buffer {
  const headers = envelopeHeaders(opts, '...', ['User-Agent: Mozilla Thunderbird']);
  return pgpMimeMessage(headers, armor(enums.armor.message, binary), 'thunderbird');
}
