import { AddressObject, simpleParser } from 'mailparser';
import { PrivateKey } from 'openpgp';
import { decryptWithListKey } from '../open/decrypt-for-list';
import { decodeText, hasArmoredMessage, inlineCiphertext } from '../open/inline-pgp';
import { canonicalLineEnds, decodedBody, Entity, fieldValue, readEntity, walkEntity } from '../open/mime';
import { pgpMimeCiphertext } from '../open/pgp-mime';
import { PostRefusal, refusal } from '../open/post-refusal';
import { AutocryptHeader, parseAutocrypt } from './autocrypt';
import { htmlToText } from './html-text';

/**
 * Bounds on the MIME of a report, well under those of a post (open/mime.ts): a report has a text
 * and at most ten attachments, so a message deeper or with more parts is a MIME bomb, refused
 * before anything parses it whole.
 */
export const REPORT_MAX_DEPTH = 8;
export const REPORT_MAX_PARTS = 64;

/**
 * What an encrypted report may decompress to, as a multiple of REPORT_MAX_BYTES: its attachments
 * are at most that, but inside the encryption they are base64 in MIME, a third larger.
 */
const DECOMPRESSED_PER_REPORT_BYTE = 2;

/** A file that came with a report, as the reporter named it. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** What a report mailed to `<list>-report@` says, opened (decrypted when it came encrypted). */
export interface ReportMessage {
  /** The From header's first mailbox, decoded; null when there is none. */
  from: { name: string; address: string } | null;
  /** The subject: the protected one (inside the encryption) when there is one. */
  subject: string;
  /** The body as text: the text/plain parts, else the HTML's text with its tags stripped. */
  text: string;
  /** Every other part that is a file, keys and signatures left out. */
  attachments: MailAttachment[];
  /** `application/pgp-keys` parts, as they came (armored or binary). */
  keys: Buffer[];
  /** The outer Autocrypt header, when there is a usable one. */
  autocrypt: AutocryptHeader | null;
  encrypted: boolean;
}

/** Parts that are OpenPGP machinery, not the reporter's files. */
const MACHINERY = new Set(['application/pgp-signature', 'application/pgp-encrypted']);

/**
 * Opens a report mailed to `<list>-report@` (issue 13, README "Reporting a vulnerability"): PGP/MIME
 * (RFC 3156 §4) or inline PGP (RFC 4880 §6.2) encrypted to the list key, decrypted with the same
 * bounds as a post (key packets counted first, decompression bounded by `maxBytes`), a signature
 * neither asked for nor checked; or plain mail. Anything it cannot open is a PostRefusal with a
 * code of the relay's catalogue; an error of any other kind while reading becomes MALFORMED_MIME.
 */
export async function readReportMessage(raw: Buffer, listKey: PrivateKey, maxBytes: number): Promise<ReportMessage> {
  try {
    const outer = boundedEntity(raw);
    const autocryptValue = fieldValue(outer, 'autocrypt');
    const autocrypt = autocryptValue ? parseAutocrypt(autocryptValue) : null;
    if (outer.contentType.mediaType === 'multipart/encrypted') {
      const data = await decryptWithListKey(pgpMimeCiphertext(outer), listKey, new Date(), decompressed(maxBytes));
      const inner = canonicalLineEnds(data);
      boundedEntity(inner);
      return { ...(await parsed(inner, raw, maxBytes)), autocrypt, encrypted: true };
    }
    const armored = armoredTextPart(outer);
    if (!armored) return { ...(await parsed(raw, raw, maxBytes)), autocrypt, encrypted: false };
    const { block, charset } = inlineCiphertext(armored, 'required');
    const data = await decryptWithListKey(Buffer.from(block, 'latin1'), listKey, new Date(), decompressed(maxBytes));
    const message = await parsed(raw, raw, maxBytes);
    return { ...message, text: decodeText(data, charset).trim(), autocrypt, encrypted: true };
  } catch (error) {
    if (error instanceof PostRefusal) throw error;
    throw refusal('MALFORMED_MIME', 'The message is not MIME that Cordon can read.');
  }
}

const decompressed = (maxBytes: number) => maxBytes * DECOMPRESSED_PER_REPORT_BYTE;

/** Reads the whole tree under the report's bounds, refusing a MIME bomb before mailparser sees it. */
function boundedEntity(raw: Buffer): Entity {
  let parts = 0;
  return walkEntity(raw, (_entity, depth) => {
    if (depth > REPORT_MAX_DEPTH || ++parts > REPORT_MAX_PARTS) {
      throw refusal(
        'MALFORMED_MIME',
        `The message has more than ${REPORT_MAX_PARTS} parts or is nested more than ${REPORT_MAX_DEPTH} levels deep.`,
      );
    }
  });
}

/**
 * The text part holding inline PGP: the body itself, or the one text/plain part (not an attached
 * file) of a multipart that carries an armored message. More than one is refused: Cordon would
 * have to guess which holds the report.
 */
function armoredTextPart(outer: Entity): Entity | null {
  const found: Entity[] = [];
  walkEntity(outer.raw, (entity) => {
    const { mediaType } = entity.contentType;
    if (mediaType !== 'text/plain' && mediaType !== 'application/pgp') return;
    if (/^\s*attachment/i.test(fieldValue(entity, 'content-disposition') ?? '')) return;
    if (hasArmoredMessage(decodedBody(entity).toString('latin1'))) found.push(entity);
  });
  if (found.length > 1) throw refusal('UNSUPPORTED', 'The message holds more than one inline OpenPGP message.');
  return found[0] ?? null;
}

/**
 * The report's parts, read with mailparser from `content` (the decrypted entity, or the message
 * itself); From, and Subject unless `content` protects its own, from `outer`. HTML is never
 * rendered: without a text/plain part, its text is taken with the tags stripped.
 */
async function parsed(
  content: Buffer,
  outer: Buffer,
  maxBytes: number,
): Promise<Omit<ReportMessage, 'autocrypt' | 'encrypted'>> {
  const options = {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    maxHtmlLengthToParse: maxBytes,
  };
  const mail = await simpleParser(content, options);
  const envelope =
    content === outer
      ? mail
      : await simpleParser(Buffer.concat([readEntity(outer).header, Buffer.from('\r\n\r\n')]), options);
  const protectedSubject = content !== outer && protectsHeaders(content) ? mail.subject : undefined;
  const html = typeof mail.html === 'string' ? mail.html : '';
  const attachments: MailAttachment[] = [];
  const keys: Buffer[] = [];
  for (const attachment of mail.attachments) {
    const contentType = attachment.contentType.toLowerCase();
    if (contentType === 'application/pgp-keys') keys.push(attachment.content);
    else if (!MACHINERY.has(contentType)) {
      attachments.push({ filename: attachment.filename ?? '', contentType, bytes: attachment.content });
    }
  }
  return {
    from: firstMailbox(envelope.from),
    subject: (protectedSubject ?? envelope.subject ?? '').trim(),
    text: (mail.text?.trim() ? mail.text : htmlToText(html)).trim(),
    attachments,
    keys,
  };
}

/** draft-autocrypt-lamps-protected-headers-02: the payload's root carries `protected-headers="v1"`. */
function protectsHeaders(content: Buffer): boolean {
  return readEntity(content).contentType.params.get('protected-headers')?.toLowerCase() === 'v1';
}

function firstMailbox(from: AddressObject | undefined): ReportMessage['from'] {
  const mailbox = from?.value.find((entry) => entry.address);
  return mailbox?.address ? { name: mailbox.name ?? '', address: mailbox.address } : null;
}
