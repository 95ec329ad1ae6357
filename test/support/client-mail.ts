/**
 * Posts built the way maintainers' mail clients build them, following RFC 3156 (PGP/MIME),
 * RFC 4880 §6.2 (inline armor), draft-autocrypt-lamps-protected-headers-02 and the layout each
 * client documents or is seen to write; plus the hostile shapes the relay must refuse. Each
 * factory returns the raw RFC 5322 message, CRLF, as it would arrive over SMTP.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { createMessage, encrypt, PrivateKey, PublicKey } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { GpgHome } from './gpg';
import { anOpenpgpKey } from './keys';
import {
  base64Lines,
  clearsigned,
  contentEntity,
  crlf,
  detachedSignature,
  envelopeHeaders,
  multipartBody,
  multipartSigned,
  pgpMimeMessage,
  PostOptions,
  signAndEncrypt,
  SignedPostOptions,
  tbBoundary,
  TEXT_START,
  textPart,
} from './mime-building';

export { Attachment, PostOptions, SignedPostOptions, thunderbirdPost } from './mime-building';
export {
  plaintextPost,
  signedOnlyPost,
  cleartextSignedPost,
  signedOnlyInlinePost,
  encryptedToOtherKey,
  unsignedEncrypted,
  signedByStranger,
  replayedPost,
  unterminatedBoundaryPost,
  deeplyNestedPost,
  compressionBombPost,
  keyPacketFloodPost,
  signatureFloodPost,
} from './hostile-shapes';

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

// ---------------------------------------------------------------- the clients (Thunderbird's is in mime-building.ts)

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
