import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import { readCleartextMessage, verify } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';
import { decryptForList } from './decrypt-for-list';
import { decodedBody, Entity } from './mime';
import { MailSigner, OpenContext } from './opened-post';
import { OpenedBody } from './pgp-mime';
import { Encryption, malformed, notEncrypted, refusal, unsupported } from './post-refusal';
import { acceptSignatures, refuseTooManySignatures, signerKeys, unreadableSignature, verificationDate } from './signer';

const BEGIN_MESSAGE = /^-----BEGIN PGP MESSAGE-----[ \t]*\r?$/gm;
const END_MESSAGE = /^-----END PGP MESSAGE-----[ \t]*\r?$/m;
const BEGIN_SIGNED = /^-----BEGIN PGP SIGNED MESSAGE-----[ \t]*\r?$/m;
const END_SIGNATURE = /^-----END PGP SIGNATURE-----[ \t]*\r?$/m;

/** Whether a decoded text body carries an inline OpenPGP message (RFC 4880 §6.2 armor). */
export const hasArmoredMessage = (text: string): boolean => new RegExp(BEGIN_MESSAGE.source, 'm').test(text);

/**
 * Opens inline PGP: a text part whose body, once its transfer encoding is undone, holds one
 * armored OpenPGP message (RFC 4880 §6.2), encrypted to the list key and signed. Text around
 * the armor is not signed and is dropped. What is relayed is a new text/plain entity, UTF-8,
 * built from the decrypted text; inline PGP has no protected headers, so none are returned.
 */
export async function openInline(part: Entity, ctx: OpenContext, encryption: Encryption): Promise<OpenedBody> {
  const { block, charset } = inlineCiphertext(part, encryption);
  const { data, signatures } = await decryptForList(Buffer.from(block, 'latin1'), ctx, encryption);
  let text = decodeText(data, charset);
  let signer: MailSigner;
  if (signatures.length === 0 && BEGIN_SIGNED.test(text)) {
    ({ signer, text } = await openCleartextSigned(text, ctx));
  } else {
    signer = await acceptSignatures(signatures, data, ctx);
  }
  return { signer, content: textEntity(text), inner: {} };
}

/** Whether a decoded text body carries a cleartext-signed message (RFC 4880 §7). */
export const hasCleartextSignature = (text: string): boolean => BEGIN_SIGNED.test(text);

/**
 * Opens a text part that is signed but not encrypted: one cleartext-signed message (RFC 4880 §7),
 * as `gpg --clearsign`, mutt's and Thunderbird's inline signing write it. Only the signed text is
 * kept (text around the armor is not signed, and dropped); the caller decides whether mail that
 * anyone on the way could read is acceptable at all.
 */
export async function openClearsigned(part: Entity, ctx: OpenContext): Promise<OpenedBody> {
  const body = decodeText(decodedBody(part), part.contentType.params.get('charset'));
  const begin = BEGIN_SIGNED.exec(body);
  if (!begin) throw refusal('UNSIGNED', 'The message is not signed. Sign it with your own key.');
  if (BEGIN_SIGNED.test(body.slice(begin.index + begin[0].length))) {
    throw unsupported('The message holds more than one cleartext-signed block');
  }
  const end = END_SIGNATURE.exec(body.slice(begin.index));
  if (!end) throw malformed('The cleartext-signed message has no END line');
  const block = body.slice(begin.index, begin.index + end.index + end[0].length);
  const { signer, text } = await openCleartextSigned(block, ctx);
  return { signer, content: textEntity(text), inner: {} };
}

/**
 * The one armored OpenPGP message of a text part (RFC 4880 §6.2), and the character set its
 * plaintext is in (the armor's `Charset` header, else the part's); text around it is dropped.
 */
export function inlineCiphertext(part: Entity, encryption: Encryption): { block: string; charset: string | undefined } {
  const block = armoredBlock(decodedBody(part).toString('latin1'), encryption);
  return { block, charset: armorCharset(block) ?? part.contentType.params.get('charset') };
}

function armoredBlock(body: string, encryption: Encryption): string {
  const begins = [...body.matchAll(BEGIN_MESSAGE)];
  if (begins.length === 0) {
    const what = BEGIN_SIGNED.test(body) ? 'The post is signed but not encrypted' : 'The post is not encrypted';
    throw notEncrypted(
      encryption,
      `${what}: list mail must be encrypted to the list key. Encrypt it and send it again.`,
    );
  }
  if (begins.length > 1) throw unsupported('The post holds more than one inline OpenPGP message');
  const start = begins[0].index;
  const end = END_MESSAGE.exec(body.slice(start));
  if (!end) throw malformed('The inline OpenPGP message has no END line');
  return body.slice(start, start + end.index + end[0].length);
}

/** RFC 4880 §6.2: the armor header `Charset` names the character set of the plaintext. */
function armorCharset(block: string): string | undefined {
  const headers = block.split(/\r?\n\r?\n/, 1)[0];
  return /^Charset:[ \t]*(\S+)/im.exec(headers)?.[1];
}

/**
 * The decrypted text, decoded from the declared character set; without a declaration (or with
 * US-ASCII, which the bytes may belie), UTF-8 if the bytes are valid UTF-8, else Windows-1252.
 */
export function decodeText(bytes: Uint8Array, declared: string | undefined): string {
  if (declared && !/^(us-)?ascii$/i.test(declared)) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch {
      throw unsupported('The post declares a character set Cordon cannot read; use UTF-8');
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/**
 * An encrypted cleartext-signed message (RFC 4880 §7), as some inline clients sign then
 * encrypt: the signature is checked over the text inside.
 */
async function openCleartextSigned(text: string, ctx: OpenContext): Promise<{ signer: MailSigner; text: string }> {
  let verified: Awaited<ReturnType<typeof verify>>;
  let message: Awaited<ReturnType<typeof readCleartextMessage>>;
  try {
    message = await readCleartextMessage({ cleartextMessage: text, config: openpgpConfig });
  } catch {
    throw unreadableSignature();
  }
  refuseTooManySignatures(message.getSigningKeyIDs().length);
  try {
    verified = await verify({
      message,
      verificationKeys: signerKeys(ctx),
      date: verificationDate(ctx),
      config: openpgpConfig,
    });
  } catch {
    throw unreadableSignature();
  }
  const signed = message.getText();
  const signer = await acceptSignatures(verified.signatures, Buffer.from(signed, 'utf8'), ctx);
  return { signer, text: signed };
}

/** RFC 2045/2046: a text/plain UTF-8 entity, quoted-printable so every line stays short and 7-bit. */
function textEntity(text: string): Buffer {
  const canonical = text.replace(/\r\n|\r|\n/g, '\r\n');
  const body = wrapQuotedPrintable(encodeQuotedPrintable(Buffer.from(canonical, 'utf8')), 76);
  return Buffer.from(
    `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`,
    'latin1',
  );
}
