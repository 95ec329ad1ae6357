import { hasArmoredMessage, hasCleartextSignature, openClearsigned, openInline } from './inline-pgp';
import { canonicalLineEnds, decodedBody, Entity, readEntity, splitMultipart, walkEntity } from './mime';
import { OpenContext, OpenedMail, OpenedPost } from './opened-post';
import { OpenedBody, openNestedSigned, openPgpMime } from './pgp-mime';
import { mergeHeaders, readPostHeaders } from './post-headers';
import { Encryption, malformed, notEncrypted, PostRefusal, unsupported } from './post-refusal';

/**
 * Opens a post mailed to the list (docs/architecture.md, "Post"): decrypts it with the list key, checks that
 * an active maintainer signed it recently, over the exact signed bytes, and returns the signed
 * MIME entity with its real headers. Anything else is a `PostRefusal`; an error of any other kind
 * while reading becomes one too, so a post is either opened whole or refused, never half read.
 */
export async function openPost(raw: Buffer, ctx: OpenContext): Promise<OpenedPost> {
  // Members are never accepted here: only a maintainer may post (docs/architecture.md, invariant 3).
  const opened = await openMessage(raw, { ...ctx, members: undefined }, 'required');
  const { id: maintainerId, signerFingerprint, signatureDigest, signedAt } = opened.signer;
  const { subject, from, date, messageId, headersSigned, content } = opened;
  return {
    maintainerId,
    signerFingerprint,
    signatureDigest,
    signedAt,
    subject,
    from,
    date,
    messageId,
    headersSigned,
    content,
  };
}

/**
 * Opens a message a maintainer or member signed (issue 5: answers, acknowledgements and leak
 * reports by mail), with the same checks as a post over the exact signed bytes. With `encryption`
 * 'optional' it also takes a message that is only signed: PGP/MIME multipart/signed (RFC 3156 §5)
 * or an inline cleartext signature (RFC 4880 §7), as gpg, Thunderbird and mutt sign.
 */
export function openSignedMail(raw: Buffer, ctx: OpenContext, encryption: Encryption): Promise<OpenedMail> {
  return openMessage(raw, ctx, encryption);
}

async function openMessage(raw: Buffer, ctx: OpenContext, encryption: Encryption): Promise<OpenedMail> {
  try {
    const message = readEntity(raw);
    const signedOnly = encryption === 'optional' ? signedOnlyKind(message) : null;
    const { signer, content, inner } = signedOnly
      ? await openSignedOnly(message, signedOnly, ctx)
      : await openBody(message, ctx, encryption);
    const headers = mergeHeaders(await readPostHeaders(message), inner);
    return { signer, ...headers, content, encrypted: !signedOnly };
  } catch (error) {
    if (error instanceof PostRefusal) throw error;
    throw malformed('The post could not be read');
  }
}

type SignedOnly = { kind: 'multipart' } | { kind: 'cleartext'; part: Entity };

/**
 * A message signed and not encrypted, and how: as a whole (multipart/signed), or as a text body
 * holding a cleartext signature. Anything else goes the way of a post, and is refused if it is
 * not encrypted.
 */
function signedOnlyKind(message: Entity): SignedOnly | null {
  const { mediaType } = message.contentType;
  if (mediaType === 'multipart/signed') return { kind: 'multipart' };
  const text = mediaType === 'text/plain' ? decodedText(message) : '';
  return hasCleartextSignature(text) && !hasArmoredMessage(text) ? { kind: 'cleartext', part: message } : null;
}

function openSignedOnly(message: Entity, how: SignedOnly, ctx: OpenContext): Promise<OpenedBody> {
  if (how.kind === 'cleartext') return openClearsigned(how.part, ctx);
  // RFC 3156 §5: the signature is over the first part in CRLF form; mail that came with bare LFs
  // is tried as received as well.
  return openNestedSigned(readEntity(canonicalLineEnds(message.raw)), message.raw, ctx);
}

/** `encryption`: which refusal mail that is not encrypted gets (notEncrypted). */
function openBody(message: Entity, ctx: OpenContext, encryption: Encryption): Promise<OpenedBody> {
  switch (message.contentType.mediaType) {
    case 'multipart/encrypted':
      return openPgpMime(message, ctx, encryption);
    case 'multipart/signed':
      throw notEncrypted(
        encryption,
        'The post is signed but not encrypted: list mail must be encrypted to the list key. Encrypt it and send it again.',
      );
    case 'text/plain':
    case 'application/pgp': // an older label for inline PGP, still sent by some clients
      return openInline(message, ctx, encryption);
    default:
      return openInsideMultipart(message, ctx, encryption);
  }
}

/**
 * Anything else is refused, with the reason that helps, except inline PGP sent with an HTML
 * rendition (multipart/alternative, as webmail with an OpenPGP extension sends it), opened from
 * its text/plain part, the renditions dropped. OpenPGP further down a multipart would leave
 * other parts unencrypted or unsigned, and is not supported; no OpenPGP at all is plaintext.
 */
function openInsideMultipart(message: Entity, ctx: OpenContext, encryption: Encryption): Promise<OpenedBody> {
  let openpgpInside = false;
  walkEntity(message.raw, (entity, depth) => {
    const { mediaType } = entity.contentType;
    const leaf = !mediaType.startsWith('multipart/');
    if (depth > 0 && (mediaType === 'multipart/encrypted' || mediaType === 'application/pgp-encrypted')) {
      openpgpInside = true;
    } else if (leaf && (depth === 0 || mediaType.startsWith('text/')) && hasArmoredMessage(decodedText(entity))) {
      openpgpInside = true;
    }
  });
  if (message.contentType.mediaType === 'multipart/alternative') {
    const parts = splitMultipart(message).map(readEntity);
    const armored = parts.filter(
      (part) => part.contentType.mediaType === 'text/plain' && hasArmoredMessage(decodedText(part)),
    );
    if (armored.length === 1 && parts.every((part) => part.contentType.mediaType.startsWith('text/'))) {
      return openInline(armored[0], ctx, encryption);
    }
  }
  if (openpgpInside) {
    throw unsupported(
      'The post carries OpenPGP content in a form Cordon does not read: only a whole PGP/MIME message, or inline PGP as its text/plain body',
    );
  }
  throw notEncrypted(
    encryption,
    'The post is not encrypted: list mail must be encrypted to the list key and signed. Encrypt it and send it again.',
  );
}

function decodedText(entity: Entity): string {
  try {
    return decodedBody(entity).toString('latin1');
  } catch {
    return '';
  }
}
